"""Results of decided cases: the decision record, its letter (决定书) as PDF, and who may fetch it.

The decision record (:class:`CaseResult`) is written in the deciding transaction, next to the
case's own decision. The letter is rendered by a task enqueued on commit, not in that transaction:
rendering takes about a second (fonts are cut to the letter's characters), and the deciding
transaction holds the case row and the audit chain head, which every other audited write in the
platform waits for. The task is idempotent (a letter already stored is kept), and anything that
needs the file before the task ran (delivery, a download) renders it on the spot through the same
function.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from govhall.cases import deadlines
from govhall.cases.documents.letter import DecisionLetter, render
from govhall.cases.models import Case, CaseResult, result_upload_path
from govhall.cases.notify import chinese_date
from govhall.cases.transitions import lock_case, log
from govhall.catalog.models import Kind
from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.core.queue import enqueue_on_commit
from govhall.identity.models import User

logger = logging.getLogger(__name__)

ResultHook = Callable[[Case, CaseResult], None]
_HOOKS: list[ResultHook] = []

LICENSING_LAW = "《中华人民共和国行政许可法》"
# A legal basis longer than this goes to an annex instead of the sentence that cites it.
INLINE_BASIS_MAX = 120


def register_result_hook(hook: ResultHook) -> None:
    """Call ``hook(case, result)`` whenever a case is approved, inside the deciding transaction.

    This is where the licence library issues the licence that results from an approval. A hook
    must be quick and write only in that transaction; slow work belongs in a task it enqueues
    with :func:`govhall.core.queue.enqueue_on_commit`. An exception rolls the decision back.
    """
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def unregister_result_hook(hook: ResultHook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def _licensing(case: Case) -> bool:
    return case.item.kind == Kind.LICENSING


def title_for(case: Case, decision: str) -> str:
    approved = decision == Case.Decision.APPROVED
    if _licensing(case):
        return "准予行政许可决定书" if approved else "不予行政许可决定书"
    return "办结通知书" if approved else "不予办理决定书"


def document_no_for(case: Case, decision: str) -> str:
    """``SCJG准许字〔2026〕1120000001号``: department code, kind, year, then date and sequence
    from the case number, so each case has exactly one number and it can be traced back."""
    day, department, sequence = (case.case_no or "").split("-", 2)
    approved = decision == Case.Decision.APPROVED
    kind = ("准许字" if approved else "不许字") if _licensing(case) else ("办结字" if approved else "不办字")
    return f"{department}{kind}〔{day[:4]}〕{day[4:]}{sequence}号"


def on_decided(case: Case, *, actor: Any, at: datetime, opinion: str) -> CaseResult:
    """Record the decision's result; its letter is rendered after commit. Inside the decision's
    transaction (called from :mod:`govhall.cases.handling`)."""
    decision = case.decision
    approved = decision == Case.Decision.APPROVED
    reasons = "你（单位）的申请符合法定条件、标准。" if approved else opinion.strip()
    result, _ = CaseResult.objects.update_or_create(
        case=case,
        defaults={
            "document_no": document_no_for(case, decision),
            "title": title_for(case, decision),
            "decision": decision,
            "reasons": reasons,
            "legal_basis": case.item_version.legal_basis.strip(),
            "opinion": opinion.strip(),
            "decided_at": at,
            "decided_by": actor if getattr(actor, "is_authenticated", False) else None,
            "document": "",
            "sha256": "",
            "size": 0,
            "generated_at": None,
        },
    )
    from govhall.cases.tasks import generate_result_document

    enqueue_on_commit(generate_result_document, result.pk)
    if approved:
        for hook in list(_HOOKS):
            hook(case, result)
    return result


# --- The letter ----------------------------------------------------------------------------------


def _basis_clause(result: CaseResult, licensing: bool) -> tuple[str, str]:
    """What the decision sentence cites, and the legal basis for an annex when too long to cite."""
    basis = " ".join(result.legal_basis.split())
    annex = ""
    if len(basis) > INLINE_BASIS_MAX:
        basis, annex = "本事项设定依据（见附）", result.legal_basis
    if licensing:
        article = "第三十八条第一款" if result.decision == Case.Decision.APPROVED else "第三十八条第二款"
        law = f"{LICENSING_LAW}{article}"
        if basis and LICENSING_LAW not in basis:
            return f"{law}和{basis}", annex
        return law, annex
    return basis or "有关法律法规", annex


def _review_body(case: Case) -> str:
    region = case.lead_department.region
    return f"{region.name}人民政府"


def build_letter(result: CaseResult) -> DecisionLetter:
    case = result.case
    applicant: User = case.applicant
    licensing = _licensing(case)
    approved = result.decision == Case.Decision.APPROVED
    lines: list[tuple[str, str]] = [("申请人：", case.applicant_name or str(applicant))]
    if case.applicant_kind == Case.ApplicantKind.LEGAL:
        if applicant.uscc:
            lines.append(("统一社会信用代码：", applicant.uscc))
        if applicant.legal_representative:
            lines.append(("法定代表人：", applicant.legal_representative))
    elif applicant.id_number_masked:
        lines.append(("身份证件号码：", applicant.id_number_masked))
    lines += [("办件编号：", case.case_no or ""), ("申请事项：", case.item_version.name)]

    item = case.item_version.name
    received = chinese_date(case.submitted_at)
    accepted = chinese_date(case.accepted_at)
    paragraphs = [f"你（单位）于{received}提出的{item}申请，本机关已于{accepted}依法受理。"]
    basis, annex = _basis_clause(result, licensing)
    outcome = (
        ("准予行政许可" if approved else "不予行政许可")
        if licensing
        else ("准予办理" if approved else "不予办理")
    )
    if approved:
        paragraphs.append(f"经审查，{result.reasons}根据{basis}的规定，本机关决定{outcome}。")
        if result.opinion:
            paragraphs.append(f"审批意见：{result.opinion}")
        licence = case.item_version.result_licence_type.strip().strip("《》")
        if licence:
            paragraphs.append(f"本机关将依法向你（单位）颁发《{licence}》，并同步发放电子证照。")
    else:
        reasons = result.reasons.rstrip("。；;，, ")
        paragraphs.append(
            f"经审查，你（单位）的申请不符合法定条件、标准，理由如下：{reasons}。"
            f"根据{basis}的规定，本机关决定{outcome}。"
        )
        paragraphs.append(
            f"如不服本决定，可以自收到本决定书之日起六十日内向{_review_body(case)}申请行政复议，"
            "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
        )
    site = settings.GOVHALL_SITE_NAME
    return DecisionLetter(
        authority=case.lead_department.name,
        title=result.title,
        document_no=result.document_no,
        applicant_lines=lines,
        paragraphs=paragraphs,
        signature_date=chinese_date(result.decided_at),
        footnote=(
            f"本文书由{site}生成，文书编号 {result.document_no}。"
            f"申请人可凭办件编号、证件号码和查询码在{site}查询办理结果。"
        ),
        annex_title="附：设定依据" if annex else "",
        annex=annex,
    )


def _load(result_id: int) -> CaseResult:
    return CaseResult.objects.select_related(
        "case",
        "case__applicant",
        "case__item",
        "case__item_version",
        "case__lead_department",
        "case__lead_department__region",
    ).get(pk=result_id)


def missing_document_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Results decided more than GOVHALL_RESULT_DOCUMENT_STALE_AFTER ago whose letter was never stored.

    Their task was lost (a consumer killed while it held it, the queue down at commit time); the
    periodic sweep enqueues them again. Generating is idempotent, so a task that was only slow
    costs one extra check.
    """
    cutoff = (now or deadlines.now()) - timedelta(seconds=settings.GOVHALL_RESULT_DOCUMENT_STALE_AFTER)
    return list(
        CaseResult.objects.filter(decided_at__lt=cutoff, sha256="")
        .order_by("decided_at")
        .values_list("pk", flat=True)[:limit]
    )


def generate_document(result_id: int) -> CaseResult:
    """Render and store the letter unless it is stored already; returns the result."""
    result = _load(result_id)
    if result.is_generated:
        return result
    data = render(build_letter(result))
    storage = CaseResult._meta.get_field("document").storage
    stored = ""
    try:
        with transaction.atomic():
            case = lock_case(result.case)
            locked = CaseResult.objects.select_for_update().get(pk=result_id)
            if locked.is_generated:
                # Another worker stored its letter while this one rendered.
                return locked
            at = deadlines.now()
            stored = storage.save(result_upload_path(locked, ""), ContentFile(data))
            locked.document.name = stored
            locked.sha256 = hashlib.sha256(data).hexdigest()
            locked.size = len(data)
            locked.generated_at = at
            locked.save(update_fields=["document", "sha256", "size", "generated_at"])
            log(
                case,
                actor=None,
                kind="result_generated",
                at=at,
                from_status=case.status,
                note=locked.title,
                data={"document_no": locked.document_no, "sha256": locked.sha256, "size": locked.size},
            )
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return locked


def ensure_document(result: CaseResult) -> CaseResult:
    return result if result.is_generated else generate_document(result.pk)


# --- Reading --------------------------------------------------------------------------------


def _not_found() -> NotFound:
    return NotFound(
        "result_not_found", "办理结果不存在或尚未生成", "no result document for this case", status=404
    )


def result_for(user: Any, case: Case) -> CaseResult:
    """The case's result record, for someone who may see the case (404 for anyone else)."""
    if not permissions.can_view(user, case):
        raise _not_found()
    result = CaseResult.objects.filter(case=case).first()
    if result is None:
        raise _not_found()
    return result


def result_file_for(user: Any, case: Case) -> CaseResult:
    """The result with its letter, rendered now if the task has not run yet; 404 when ``user``
    may not see the case or it has no result."""
    result = ensure_document(result_for(user, case))
    result.case = case
    return result


def record_download(*, user: Any, result: CaseResult) -> None:
    """The applicant's first download: for an online delivery that is when the letter reached them."""
    case = result.case
    if result.downloaded_at is not None or getattr(user, "pk", None) != case.applicant_id:
        return
    with transaction.atomic():
        locked_case = lock_case(case)
        locked = CaseResult.objects.select_for_update().get(pk=result.pk)
        if locked.downloaded_at is not None:
            return
        at = deadlines.now()
        locked.downloaded_at = at
        locked.save(update_fields=["downloaded_at"])
        log(
            locked_case,
            actor=user,
            kind="result_downloaded",
            at=at,
            from_status=locked_case.status,
            data={"document_no": locked.document_no},
        )
    result.downloaded_at = at
