"""Reads of the supervision app, already narrowed to what the user may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from govhall.cases.models import Case
from govhall.core import permissions
from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between
from govhall.core.models import AuditEvent
from govhall.identity.models import Department
from govhall.supervision import clock, registry
from govhall.supervision import permissions as supervision_permissions
from govhall.supervision.metrics import Period
from govhall.supervision.models import Alert, SupervisionRule

# Cases on the board: filed and not closed.
OPEN_STATUSES = (
    Case.Status.SUBMITTED,
    Case.Status.SUPPLEMENT_REQUESTED,
    Case.Status.ACCEPTED,
    Case.Status.IN_REVIEW,
    Case.Status.SUSPENDED,
    Case.Status.APPROVED,
    Case.Status.DENIED,
)
RUNNING = (Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.APPROVED, Case.Status.DENIED)


PENDING = "pending"  # not yet decided: open or explained (未结)


@dataclass(frozen=True)
class AlertFilters:
    level: str = ""
    status: str = ""
    rule: str = ""
    department: int | None = None
    period: Period | None = None
    case_no: str = ""


def alerts(user: Any, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    qs = permissions.restrict(
        Alert.objects.select_related("department", "region", "escalated_to", "case", "case__item_version"),
        user,
        "view",
    )
    f = filters or AlertFilters()
    if f.level:
        qs = qs.filter(level=f.level)
    if f.status == PENDING:
        qs = qs.filter(status__in=[Alert.Status.OPEN, Alert.Status.EXPLAINED])
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.rule:
        qs = qs.filter(rule_kind=f.rule)
    if f.department is not None:
        qs = qs.filter(department_id=f.department)
    if f.period is not None:
        qs = qs.filter(f.period.within("raised_at"))
    if f.case_no:
        qs = qs.filter(case__case_no=f.case_no.strip())
    return qs.order_by("-raised_at", "-id")


def alert(user: Any, pk: int) -> Alert | None:
    return alerts(user).filter(pk=pk).first()


def alert_trail(alert: Alert) -> QuerySet[AuditEvent]:
    """The audit events of the alert: raised, explained, decided."""
    return AuditEvent.objects.filter(object_type="supervision.alert", object_id=str(alert.pk)).order_by(
        "sequence"
    )


def case_timeline(user: Any, alert: Alert) -> list[Any] | None:
    """The case's timeline as staff read it on the workbench, if ``user`` may see the case."""
    from govhall.cases.views_common import timeline

    if alert.case is None or not permissions.can_view(user, alert.case):
        return None
    return timeline(alert.case, staff=True)


FACT_LABELS = {
    "due": "期限",
    "deadline": "期限类型",
    "completed_at": "办结/完成时间",
    "grace": "宽限（工作日）",
    "working_days_left": "剩余工作日",
    "received_at": "收件或补正时间",
    "answered_at": "答复时间",
    "rule_days": "受理时限（工作日）",
    "count": "补正告知次数",
    "requested_at": "补正告知时间",
    "procedure": "特别程序",
    "max_days": "最长时限（工作日）",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "working_days_used": "已用工作日",
    "step": "环节",
    "event": "时间线记录编号",
    "at": "时间",
    "refusal": "决定类型",
    "violation": "违规情形",
    "number": "编号",
    "title": "标题",
    "subject": "主题",
    "replied_at": "答复时间",
    "done_at": "完成时间",
}
FACT_VALUES = {
    "promised_deadline": "承诺办结期限",
    "statutory_deadline": "法定办结期限",
    "rejected": "不予受理",
    "decided": "不予许可",
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _fact_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "；".join(_fact_text(v) for v in value)
    text = str(value)
    if _ISO.match(text):
        moment = datetime.fromisoformat(text)
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return FACT_VALUES.get(text, text)


def fact_rows(alert: Alert) -> list[tuple[str, str]]:
    """The alert's facts as (label, text) for people; unknown keys keep their name."""
    return [
        (FACT_LABELS.get(name, name), _fact_text(value))
        for name, value in alert.facts.items()
        # The deadline is shown as 所涉期限; row ids mean nothing to people.
        if name not in ("case_no", "due", "document")
    ]


def departments(user: Any) -> QuerySet[Department]:
    return supervision_permissions.visible_departments(user).order_by("region__code", "code")


def rule_choices() -> list[tuple[str, str]]:
    return [(spec.kind, spec.name) for spec in registry.specs()]


@dataclass(frozen=True)
class RuleRow:
    spec: registry.RuleSpec
    default: SupervisionRule | None
    regional: list[SupervisionRule]


def rule_table() -> list[RuleRow]:
    """Every registered rule with its platform default and regional settings (public to staff)."""
    settings: dict[str, list[SupervisionRule]] = {}
    for rule in SupervisionRule.objects.select_related("region", "updated_by").order_by("region__code"):
        settings.setdefault(rule.kind, []).append(rule)
    rows = []
    for spec in registry.specs():
        entries = settings.get(spec.kind, [])
        default = next((r for r in entries if r.region_id is None), None)
        rows.append(RuleRow(spec, default, [r for r in entries if r.region_id is not None]))
    return rows


# --- The board -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    case: Case
    due: datetime | None
    days_left: int | None  # working days; negative when overdue
    tone: str  # overdue, due_soon, near, fine, paused, waiting
    label: str
    open_alerts: int


def _open_cases(user: Any, department: int | None) -> QuerySet[Case]:
    qs = Case.objects.filter(
        supervision_permissions.department_scope(user, "lead_department__"), status__in=OPEN_STATUSES
    )
    return qs if department is None else qs.filter(lead_department_id=department)


def board_cases(user: Any, *, department: int | None = None) -> QuerySet[Case]:
    """Open cases of the departments ``user`` watches, the nearest deadline first."""
    qs = _open_cases(user, department).select_related("lead_department", "item_version")
    open_alert = Q(supervision_alerts__status__in=[Alert.Status.OPEN, Alert.Status.EXPLAINED])
    return qs.annotate(open_alerts=Count("supervision_alerts", filter=open_alert)).order_by(
        "promised_deadline", "submitted_at", "pk"
    )


def board_row(case: Case, now: datetime) -> BoardRow:
    today = clock.local_date(now)
    due = case.promised_deadline
    open_alerts = int(getattr(case, "open_alerts", 0))
    if case.status in (Case.Status.SUBMITTED, Case.Status.SUPPLEMENT_REQUESTED) or due is None:
        waiting = "待补正" if case.status == Case.Status.SUPPLEMENT_REQUESTED else "待受理"
        return BoardRow(case, None, None, "waiting", waiting, open_alerts)
    left = working_days_between(today, clock.local_date(due))
    if case.status == Case.Status.SUSPENDED:
        return BoardRow(case, due, left, "paused", "特别程序中，暂停计时", open_alerts)
    if due < now:
        return BoardRow(case, due, left, "overdue", f"已超期 {max(1, -left)} 个工作日", open_alerts)
    if due <= deadline_for(now, 1):
        tone = "due_soon"
    elif left <= 3:
        tone = "near"
    else:
        tone = "fine"
    label = "今日到期" if left == 0 else f"剩余 {left} 个工作日"
    return BoardRow(case, due, left, tone, label, open_alerts)


@dataclass(frozen=True)
class BoardSummary:
    open_cases: int
    waiting: int
    due_soon: int
    overdue: int
    alerts: dict[str, int]


def board_summary(user: Any, now: datetime, *, department: int | None = None) -> BoardSummary:
    counts = _open_cases(user, department).aggregate(
        open_cases=Count("pk"),
        waiting=Count("pk", filter=Q(status=Case.Status.SUBMITTED)),
        due_soon=Count(
            "pk",
            filter=Q(
                status__in=RUNNING, promised_deadline__gte=now, promised_deadline__lte=deadline_for(now, 1)
            ),
        ),
        overdue=Count("pk", filter=Q(status__in=RUNNING, promised_deadline__lt=now)),
    )
    open_alerts = alerts(user).filter(status__in=[Alert.Status.OPEN, Alert.Status.EXPLAINED])
    if department is not None:
        open_alerts = open_alerts.filter(department_id=department)
    by_level = dict(
        open_alerts.order_by().values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return BoardSummary(
        open_cases=counts["open_cases"],
        waiting=counts["waiting"],
        due_soon=counts["due_soon"],
        overdue=counts["overdue"],
        alerts={level: by_level.get(level, 0) for level in ("warning", "yellow", "red")},
    )
