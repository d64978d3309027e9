"""What the applicant pages and the staff workbench share: access decorators, labels, field errors
taken from a DomainError, deadlines' urgency, the timeline as people read it, material downloads.

Application forms are in :mod:`govhall.cases.views_forms`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from govhall.cases import results, selectors
from govhall.cases.models import Case, CaseMaterial, CaseResult, Task
from govhall.core.calendar import SHANGHAI, CalendarRangeError, working_days_between
from govhall.core.errors import DomainError, NotFound

View = Callable[..., HttpResponseBase]
KEY_FIELD = "idempotency_key"

EVENT_LABELS = {
    "draft_created": "创建草稿",
    "draft_saved": "保存草稿",
    "submitted": "提交申请",
    "material_added": "提供材料",
    "accepted": "受理",
    "rejected": "不予受理",
    "supplement_requested": "补正告知",
    "supplemented": "提交补正",
    "task_claimed": "领取办理",
    "task_completed": "办理完成",
    "task_transferred": "转办",
    "decided": "作出决定",
    "suspended": "启动特别程序",
    "resumed": "结束特别程序",
    "completed": "办结",
    "withdrawn": "撤回申请",
    "verification_code_reissued": "重新生成查询码",
    "result_generated": "生成结果文书",
    "result_downloaded": "下载结果文书",
    "result_delivered": "送达办理结果",
    "deadline_approaching": "临近办结期限",
    "overdue": "超过办结期限",
    "task_overdue": "环节超时",
}
# The queue's own bookkeeping, which tells the applicant nothing.
STAFF_ONLY_EVENTS = frozenset({"task_claimed", "task_transferred", "deadline_approaching", "task_overdue"})
# Timeline notes the applicant reads; internal review opinions stay on the workbench.
APPLICANT_NOTE_EVENTS = frozenset(
    {
        "material_added",
        "rejected",
        "supplement_requested",
        "supplemented",
        "decided",
        "withdrawn",
        "completed",
        "suspended",
        "result_generated",
        "result_delivered",
    }
)

ACTION_LABELS = {
    ("review", "approve"): "审核通过",
    ("review", "deny"): "审核不通过",
    ("decide", "approve"): "准予许可",
    ("decide", "deny"): "不予许可",
    ("decide", "return"): "退回审核",
    ("joint_review", "approve"): "同意",
    ("joint_review", "deny"): "不同意",
    ("accept_decide", "approve"): "受理并准予",
    ("accept_decide", "deny"): "受理并不予许可",
}
GENERIC_ACTION_LABELS = {
    "accept": "受理",
    "reject": "不予受理",
    "approve": "同意",
    "deny": "不同意",
    "return": "退回",
    "complete": "办结",
    "transfer": "转办",
}

STATUS_TONES: dict[str, str] = {
    Case.Status.DRAFT: "draft",
    Case.Status.SUBMITTED: "waiting",
    Case.Status.SUPPLEMENT_REQUESTED: "attention",
    Case.Status.ACCEPTED: "working",
    Case.Status.IN_REVIEW: "working",
    Case.Status.SUSPENDED: "attention",
    Case.Status.APPROVED: "good",
    Case.Status.DENIED: "bad",
    Case.Status.REJECTED: "bad",
    Case.Status.WITHDRAWN: "closed",
    Case.Status.COMPLETED: "good",
}


def action_label(step_kind: str, action: str) -> str:
    return ACTION_LABELS.get((step_kind, action), GENERIC_ACTION_LABELS.get(action, action))


def zh(label: str) -> str:
    """The Chinese half of a bilingual label such as ``已受理 accepted`` (or of each in ``A、B``)."""
    parts = []
    for part in label.split("、"):
        head, _, tail = part.partition(" ")
        parts.append(head if tail and re.search(r"[\u4e00-\u9fff]", head) else part)
    return "、".join(parts)


def mask_name(name: str) -> str:
    """``张三`` → ``张*``; a company keeps its first two and last two characters."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) <= 3:
        return name[0] + "*" * (len(name) - 1)
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


# --- Access -----------------------------------------------------------------------------------


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "cases/error.html", {"error": error}, status=error.status)


def shows_domain_errors(view: View) -> View:
    """An unknown or hidden case, an unpublished item…: a page with the error's status, not a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_page(request, error)

    return wrapper


def staff_required(view: View) -> View:
    """Logged-in staff only; anybody else logged in gets a 403 page, anonymous users the login page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "is_staff_member", False):
            return error_page(
                request,
                DomainError(
                    "staff_only",
                    "工作台仅供工作人员使用",
                    "the workbench is for staff only",
                    status=403,
                ),
            )
        return view(request, *args, **kwargs)

    return wrapper


ISSUED_CODES = "cases_issued_codes"


def remember_code(request: HttpRequest, case_no: str, code: str) -> None:
    """Keep a fresh verification code for exactly one display (the next GET of its page)."""
    codes = dict(request.session.get(ISSUED_CODES, {}))
    codes[case_no] = code
    request.session[ISSUED_CODES] = codes


def pop_code(request: HttpRequest, case_no: str) -> str | None:
    codes = dict(request.session.get(ISSUED_CODES, {}))
    code = codes.pop(case_no, None)
    if code is not None:
        request.session[ISSUED_CODES] = codes
    return code


def new_key() -> str:
    return secrets.token_urlsafe(24)


# --- Field errors --------------------------------------------------------------------------------


@dataclass
class PageErrors:
    """A DomainError spread over the page: per field, and what belongs to no field shown."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (anchor, message)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)


def page_errors(error: DomainError | None, *, known: Mapping[str, str]) -> PageErrors:
    """``known`` maps a service field name to the id of the control that shows it."""
    result = PageErrors()
    if error is None:
        return result
    entries = list(error.details.get("fields") or [])
    if not entries and isinstance(error.details.get("field"), str):
        entries = [{"field": error.details["field"]}]
    for entry in entries:
        name = str(entry.get("field", ""))
        if entry.get("message_zh"):
            message = f"{entry['message_zh']}（{entry.get('message_en', '')}）"
        else:
            message = error.message
        anchor = known.get(name)
        if anchor is None:
            result.general.append(message)
            continue
        result.by_field.setdefault(name, []).append(message)
        result.summary.append((anchor, message))
    if not entries:
        result.general.append(error.message)
    return result


# --- Display helpers -----------------------------------------------------------------------------


def local_today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def due_state(due: datetime | None, *, today: date | None = None) -> str:
    """``overdue`` (past), ``soon`` (due within one working day) or ``ok``; ``""`` without a deadline."""
    if due is None:
        return ""
    if due < timezone.now():
        return "overdue"
    today = today or local_today()
    due_day = due.astimezone(SHANGHAI).date()
    try:
        left = working_days_between(today, due_day)
    except CalendarRangeError:
        left = (due_day - today).days
    return "soon" if left <= 1 else "ok"


def departments_now(case: Case) -> list[str]:
    tasks: list[Task] = getattr(case, "open_task_list", None) or list(selectors.open_tasks(case))
    return list(dict.fromkeys(t.candidate_department.name for t in tasks))


def material_download(case: Case, material_pk: int) -> FileResponse:
    row = case.materials.select_related("material").filter(pk=material_pk).first()
    if row is None or row.kind != CaseMaterial.Kind.UPLOAD or not row.file:
        raise NotFound("material_not_found", "材料不存在", "no such material", status=404)
    response = FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        as_attachment=True,
        filename=(row.original_name or row.material.name)[:120],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@dataclass
class TimelineEntry:
    at: datetime
    label: str
    step: str
    actor: str
    note: str
    tone: str


def timeline(case: Case, *, staff: bool) -> list[TimelineEntry]:
    entries = []
    step_kinds = dict(case.tasks.values_list("name", "step_kind"))
    for event in selectors.timeline(case):
        if not staff and event.kind in STAFF_ONLY_EVENTS:
            continue
        note = event.note if staff or event.kind in APPLICANT_NOTE_EVENTS else ""
        step = zh(event.step)
        if event.kind == "task_completed" and event.data.get("action"):
            action = str(event.data["action"])
            label = f"{step or '办理'}：{action_label(step_kinds.get(event.step, ''), action)}"
        else:
            label = EVENT_LABELS.get(event.kind, "办理记录")
        if step and step in label:
            step = ""
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                label=label,
                step=step,
                actor=event.actor_label if staff or event.actor_id == case.applicant_id else "",
                note=note,
                tone=STATUS_TONES.get(event.to_status, "working"),
            )
        )
    return entries


def result_of(user: Any, case: Case) -> CaseResult | None:
    """The case's decision record and letter, when the case has been decided."""
    if not case.decision:
        return None
    try:
        return results.result_for(user, case)
    except DomainError:
        return None
