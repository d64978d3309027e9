"""Writes of the four lists and of penalty decision publication.

List entries (responsibility, negative list, special funds) go draft → published → withdrawn. Penalty
decisions are recorded, published within :data:`~govhall.disclosure.clock.PENALTY_PUBLISH_DAYS`
working days of the decision (later publication is recorded as such), and taken down when their
publicity period ends (:func:`sweep_penalties`, a periodic task) or when the decision is changed or
revoked (行政处罚法 第四十八条: within three days, with the reason made public).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction

from govhall.catalog.models import ServiceItem
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.crypto import encrypt_text
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.disclosure import clock, indexing
from govhall.disclosure.models import (
    EntryStatus,
    NegativeListEntry,
    PenaltyDecision,
    Responsibility,
    SpecialFund,
)
from govhall.identity.models import Department

Entry = TypeVar("Entry", Responsibility, NegativeListEntry, SpecialFund)

# 《市场监督管理行政处罚信息公示规定》(2021): decisions of only a warning, a public criticism or a small
# fine are shown three months, others three years. Other departments follow the same spans by default.
MINOR_PUBLICITY_MONTHS = 3
STANDARD_PUBLICITY_MONTHS = 36
SMALL_FINE = Decimal("10000")


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行此操作", "you may not do this", status=403)


def _require(actor: Any, obj: Any, action: str) -> None:
    if not permissions.can_act(actor, obj, action):
        raise _forbidden()


def _index(entry: models.Model) -> None:
    if isinstance(entry, Responsibility):
        indexing.index_responsibility(entry)
    elif isinstance(entry, NegativeListEntry):
        indexing.index_negative(entry)
    elif isinstance(entry, SpecialFund):
        indexing.index_fund(entry)


def _required(**values: str) -> None:
    for name, value in values.items():
        if not str(value or "").strip():
            raise DomainError(
                f"{name}_required", "请填写必填项", f"{name} is required", details={"field": name}
            )


@transaction.atomic
def create_responsibility(
    *,
    actor: Any,
    department: Department,
    duty: str,
    tasks: str = "",
    accountability: str = "",
    cooperation: str = "",
    related_items: Iterable[ServiceItem] = (),
    order: int = 0,
) -> Responsibility:
    entry = Responsibility(
        department=department,
        duty=duty.strip(),
        tasks=tasks.strip(),
        accountability=accountability.strip(),
        cooperation=cooperation.strip(),
        order=order,
    )
    _require(actor, entry, "create")
    _required(duty=duty)
    items = list(related_items)
    if any(item.department_id != department.pk for item in items):
        # A duty relates to the department's own items; another's belong on that one's list.
        raise DomainError(
            "item_of_other_department", "相关事项须为本部门事项", "related items must be the department's own"
        )
    entry.save()
    entry.related_items.set(items)
    record_event(
        actor=actor,
        action="disclosure.responsibility_created",
        obj=entry,
        after={"duty": entry.duty, "department": department.pk, "items": [item.pk for item in items]},
    )
    return entry


@transaction.atomic
def create_negative_entry(
    *,
    actor: Any,
    edition: str,
    kind: str,
    number: str,
    industry: str,
    name: str,
    measures: str,
    basis: str = "",
    department: Department | None = None,
) -> NegativeListEntry:
    entry = NegativeListEntry(
        edition=edition.strip(),
        kind=kind,
        number=number.strip(),
        industry=industry.strip(),
        name=name.strip(),
        measures=measures.strip(),
        basis=basis.strip(),
        department=department,
    )
    _require(actor, entry, "create")
    _required(edition=edition, number=number, industry=industry, name=name, measures=measures)
    if kind not in NegativeListEntry.Kind.values:
        raise DomainError("invalid_kind", "清单类别无效", "unknown negative-list kind")
    if NegativeListEntry.objects.filter(edition=entry.edition, kind=kind, number=entry.number).exists():
        raise Conflict("duplicate_number", "该版本中已有此事项编号", "this edition already has that number")
    entry.save()
    record_event(
        actor=actor,
        action="disclosure.negative_entry_created",
        obj=entry,
        after={"edition": entry.edition, "kind": kind, "number": entry.number, "name": entry.name},
    )
    return entry


@transaction.atomic
def create_fund(
    *,
    actor: Any,
    name: str,
    year: int,
    amount: Decimal,
    department: Department,
    purpose: str,
    allocation: str = "",
    recipients_summary: str = "",
    basis: str = "",
) -> SpecialFund:
    fund = SpecialFund(
        name=name.strip(),
        year=year,
        amount=amount,
        department=department,
        purpose=purpose.strip(),
        allocation=allocation.strip(),
        recipients_summary=recipients_summary.strip(),
        basis=basis.strip(),
    )
    _require(actor, fund, "create")
    _required(name=name, purpose=purpose)
    if amount < 0:
        raise DomainError("invalid_amount", "金额不能为负数", "the amount cannot be negative")
    fund.save()
    record_event(
        actor=actor,
        action="disclosure.fund_created",
        obj=fund,
        after={"name": fund.name, "year": year, "amount": amount, "department": department.pk},
    )
    return fund


def _lock(entry: Entry) -> Entry:
    return type(entry).objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def publish_entry(*, actor: Any, entry: Entry) -> Entry:
    entry = _lock(entry)
    _require(actor, entry, "publish")
    if entry.status != EntryStatus.DRAFT:
        raise Conflict("not_a_draft", "只有草稿可以公开", "only drafts can be published")
    entry.status = EntryStatus.PUBLISHED
    entry.published_at = clock.now()
    entry.save(update_fields=["status", "published_at", "updated_at"])
    _index(entry)
    record_event(
        actor=actor,
        action=f"disclosure.{entry._meta.model_name}_published",
        obj=entry,
        before={"status": EntryStatus.DRAFT},
        after={"status": entry.status, "published_at": entry.published_at},
    )
    return entry


@transaction.atomic
def withdraw_entry(*, actor: Any, entry: Entry, reason: str) -> Entry:
    entry = _lock(entry)
    _require(actor, entry, "withdraw")
    if entry.status != EntryStatus.PUBLISHED:
        raise Conflict("not_published", "只有已公开的条目可以撤下", "only published entries can be withdrawn")
    _required(reason=reason)
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawn_at = clock.now()
    entry.withdrawal_reason = reason.strip()[:300]
    entry.save(update_fields=["status", "withdrawn_at", "withdrawal_reason", "updated_at"])
    _index(entry)
    record_event(
        actor=actor,
        action=f"disclosure.{entry._meta.model_name}_withdrawn",
        obj=entry,
        before={"status": EntryStatus.PUBLISHED},
        after={"status": entry.status, "reason": entry.withdrawal_reason},
    )
    return entry


# --- Penalty decisions -----------------------------------------------------------------------------


def mask_person_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the family name's first character only."""
    name = "".join(name.split())
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def default_publicity_months(penalty: str, fine_amount: Decimal | None) -> int:
    text = penalty.strip()
    only_warning = text.startswith(("警告", "通报批评")) and "罚款" not in text and "吊销" not in text
    small_fine = (
        fine_amount is not None
        and fine_amount <= SMALL_FINE
        and not any(
            word in text for word in ("吊销", "责令停产停业", "责令关闭", "没收", "限制从业", "行政拘留")
        )
    )
    return MINOR_PUBLICITY_MONTHS if only_warning or small_fine else STANDARD_PUBLICITY_MONTHS


def penalty_snapshot(decision: PenaltyDecision) -> dict[str, Any]:
    return {
        "decision_number": decision.decision_number,
        "party": decision.party_public_name,
        "status": decision.status,
        "published_at": decision.published_at,
        "public_until": decision.public_until,
        "published_late": decision.published_late,
        "withdrawal_kind": decision.withdrawal_kind,
    }


def party_fields(kind: str, name: str, code: str, id_number: str, representative: str) -> dict[str, str]:
    name = name.strip()
    if kind == PenaltyDecision.PartyKind.NATURAL:
        masked_id = ""
        if id_number.strip():
            try:
                compact = validate_id_number(id_number.strip())
                # The area code only: birth date and serial would single the person out.
                masked_id = compact[:6] + "*" * (len(compact) - 6)
            except Exception as exc:
                raise DomainError("invalid_id_number", "身份证号码无效", "invalid ID number") from exc
        return {
            "party_public_name": mask_person_name(name),
            "party_code": "",
            "party_id_masked": masked_id,
            "legal_representative": "",
        }
    try:
        uscc = validate_uscc(code.strip()) if code.strip() else ""
    except Exception as exc:
        raise DomainError("invalid_uscc", "统一社会信用代码无效", "invalid credit code") from exc
    if kind == PenaltyDecision.PartyKind.LEGAL and not uscc:
        raise DomainError(
            "uscc_required", "法人须填写统一社会信用代码", "a legal person needs its credit code"
        )
    # An individual business's operator is a natural person: the business is named, the operator masked.
    operator = representative.strip()
    if kind == PenaltyDecision.PartyKind.INDIVIDUAL_BUSINESS:
        operator = mask_person_name(operator)
    return {
        "party_public_name": name,
        "party_code": uscc,
        "party_id_masked": "",
        "legal_representative": operator,
    }


@transaction.atomic
def record_penalty(
    *,
    actor: Any,
    department: Department,
    decision_number: str,
    party_kind: str,
    party_name: str,
    violation: str,
    basis: str,
    penalty: str,
    decided_on: date,
    party_code: str = "",
    party_id_number: str = "",
    legal_representative: str = "",
    fine_amount: Decimal | None = None,
    publicity_months: int | None = None,
) -> PenaltyDecision:
    probe = PenaltyDecision(department=department)
    _require(actor, probe, "create")
    _required(
        decision_number=decision_number,
        party_name=party_name,
        violation=violation,
        basis=basis,
        penalty=penalty,
    )
    if party_kind not in PenaltyDecision.PartyKind.values:
        raise DomainError("invalid_party_kind", "当事人类型无效", "unknown party kind")
    if decided_on > clock.local_date(clock.now()):
        raise DomainError(
            "decided_in_future", "处罚决定日期不能晚于今天", "the decision date is in the future"
        )
    if PenaltyDecision.objects.filter(
        department=department, decision_number=decision_number.strip()
    ).exists():
        raise Conflict(
            "duplicate_decision", "该处罚决定书文号已登记", "this decision number is already recorded"
        )
    decision = PenaltyDecision.objects.create(
        department=department,
        decision_number=decision_number.strip(),
        party_kind=party_kind,
        party_name_encrypted=encrypt_text(party_name.strip()),
        violation=violation.strip(),
        basis=basis.strip(),
        penalty=penalty.strip(),
        fine_amount=fine_amount,
        decided_on=decided_on,
        publish_due_at=clock.penalty_publish_due(decided_on),
        publicity_months=publicity_months or default_publicity_months(penalty, fine_amount),
        created_by=actor,
        **party_fields(party_kind, party_name, party_code, party_id_number, legal_representative),
    )
    record_event(
        actor=actor, action="disclosure.penalty_recorded", obj=decision, after=penalty_snapshot(decision)
    )
    return decision


@transaction.atomic
def publish_penalty(*, actor: Any, decision: PenaltyDecision, at: datetime | None = None) -> PenaltyDecision:
    decision = PenaltyDecision.objects.select_for_update().get(pk=decision.pk)
    _require(actor, decision, "publish")
    if decision.status != PenaltyDecision.Status.DRAFT:
        raise Conflict(
            "not_a_draft", "该处罚决定已公开或已撤下", "the decision was already published or withdrawn"
        )
    before = penalty_snapshot(decision)
    moment = at or clock.now()
    decision.status = PenaltyDecision.Status.PUBLISHED
    decision.published_at = moment
    decision.published_late = moment > decision.publish_due_at
    decision.public_until = clock.add_months(moment, decision.publicity_months)
    decision.save()
    indexing.index_penalty(decision)
    record_event(
        actor=actor,
        action="disclosure.penalty_published",
        obj=decision,
        before=before,
        after=penalty_snapshot(decision),
    )
    return decision


@transaction.atomic
def withdraw_penalty(
    *, actor: Any, decision: PenaltyDecision, kind: str, reason: str = "", at: datetime | None = None
) -> PenaltyDecision:
    """Take a published decision down. ``actor`` None is the publicity-period sweep."""
    decision = PenaltyDecision.objects.select_for_update().get(pk=decision.pk)
    if actor is not None:
        _require(actor, decision, "withdraw")
    if decision.status != PenaltyDecision.Status.PUBLISHED:
        raise Conflict("not_published", "该处罚决定未在公示中", "the decision is not on show")
    if kind not in PenaltyDecision.Withdrawal.values:
        raise DomainError("invalid_withdrawal", "撤下原因无效", "unknown withdrawal kind")
    if kind != PenaltyDecision.Withdrawal.EXPIRED and not reason.strip():
        # 第四十八条: the reason is made public with the withdrawal.
        raise DomainError("reason_required", "请写明撤下理由", "give the reason for the withdrawal")
    before = penalty_snapshot(decision)
    decision.status = PenaltyDecision.Status.WITHDRAWN
    decision.withdrawn_at = at or clock.now()
    decision.withdrawal_kind = kind
    decision.withdrawal_reason = reason.strip()[:300] or "公示期满，依规定停止公示"
    decision.save()
    indexing.index_penalty(decision)
    record_event(
        actor=actor or "disclosure.sweep",
        action="disclosure.penalty_withdrawn",
        obj=decision,
        before=before,
        after=penalty_snapshot(decision),
    )
    return decision


def sweep_penalties(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Take down decisions whose publicity period has ended; note those not published in time."""
    now = now or clock.now()
    expired = list(
        PenaltyDecision.objects.filter(status=PenaltyDecision.Status.PUBLISHED, public_until__lte=now)
        .order_by("public_until")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in expired:
        decision = PenaltyDecision(pk=pk)
        try:
            withdraw_penalty(actor=None, decision=decision, kind=PenaltyDecision.Withdrawal.EXPIRED, at=now)
        except Conflict:
            continue  # withdrawn by someone else meanwhile
    late = 0
    unpublished = (
        PenaltyDecision.objects.filter(status=PenaltyDecision.Status.DRAFT, publish_due_at__lte=now)
        .exclude(overdue_noted_for=models.F("publish_due_at"))
        .values_list("pk", flat=True)[:batch]
    )
    for pk in list(unpublished):
        with transaction.atomic():
            decision = PenaltyDecision.objects.select_for_update().get(pk=pk)
            if (
                decision.status != PenaltyDecision.Status.DRAFT
                or decision.overdue_noted_for == decision.publish_due_at
            ):
                continue
            decision.overdue_noted_for = decision.publish_due_at
            decision.save(update_fields=["overdue_noted_for"])
            record_event(
                actor="disclosure.sweep",
                action="disclosure.penalty_publication_overdue",
                obj=decision,
                after={"publish_due_at": decision.publish_due_at},
            )
            late += 1
    return {"withdrawn": len(expired), "publication_overdue": late}
