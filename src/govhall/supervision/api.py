"""/api/v1/supervision: alerts (list, detail, explain, decide, escalate) and metrics per department and period.

Only supervisors, staff of a department (their own department's alerts and figures) and platform
admins get anything; everyone else gets 403. Handlers translate: input → selector/service → output.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.identity.models import User
from govhall.supervision import metrics, registry, selectors, services
from govhall.supervision import permissions as supervision_permissions
from govhall.supervision.metrics import Period
from govhall.supervision.models import Alert, Level

router = Router(tags=["电子监察 supervision"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (401, 403, 404, 409, 422)}
MAX_LIMIT = 500


class AlertOut(Schema):
    id: int
    rule: str
    rule_name: str
    level: str
    status: str
    subject_type: str
    subject_id: str
    key: str
    case_no: str | None
    department: str
    department_name: str
    region: str
    title: str
    raised_at: datetime
    due_at: datetime | None
    facts: dict[str, Any]
    explanation: str
    explained_at: datetime | None
    decision_note: str
    decided_at: datetime | None
    escalated_at: datetime | None = None
    escalated_to: str | None = Field(None, description="督办区划代码 region the alert was escalated to")
    escalation_note: str = ""


class AlertListOut(Schema):
    count: int
    items: list[AlertOut]


class AlertFilterIn(Schema):
    level: str = Field("", description="warning | yellow | red")
    status: str = Field("", description="open | explained | closed | upheld | pending (open or explained)")
    rule: str = Field("", description="规则 rule kind, e.g. overdue")
    department: str = Field("", description="部门代码 department code")
    period: str = Field("", description="发出时间所在周期 2026 | 2026Q4 | 2026-11")
    case_no: str = Field("", max_length=40)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ExplainIn(Schema):
    explanation: str = Field(..., max_length=4000)


class DecideIn(Schema):
    decision: str = Field(..., description="close | uphold")
    note: str = Field("", max_length=4000)


class FiguresOut(Schema):
    department: str | None
    department_name: str
    figures: dict[str, Any]


class MetricsOut(Schema):
    period: str
    start: str
    end: str
    departments: list[FiguresOut]
    total: dict[str, Any]


def _caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not supervision_permissions.may_use(user):
        raise PermissionDenied(
            "forbidden", "无权查看电子监察信息", "supervision is for staff only", status=403
        )
    assert isinstance(user, User)
    return user


def _alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        rule=alert.rule_kind,
        rule_name=registry.rule_name(alert.rule_kind),
        level=alert.level,
        status=alert.status,
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        key=alert.key,
        case_no=alert.case.case_no if alert.case else None,
        department=alert.department.code,
        department_name=alert.department.name,
        region=alert.region.code,
        title=alert.title,
        raised_at=alert.raised_at,
        due_at=alert.due_at,
        facts=alert.facts,
        explanation=alert.explanation,
        explained_at=alert.explained_at,
        decision_note=alert.decision_note,
        decided_at=alert.decided_at,
        escalated_at=alert.escalated_at,
        escalated_to=alert.escalated_to.code if alert.escalated_to else None,
        escalation_note=alert.escalation_note,
    )


def _department_id(user: User, code: str) -> int | None:
    if not code.strip():
        return None
    department = selectors.departments(user).filter(code=code.strip().upper()).first()
    if department is None:
        raise NotFound(
            "department_not_found", "部门不存在或不在您的监察范围内", "no such department in your scope"
        )
    return department.pk


def _invalid(field: str, value: str) -> DomainError:
    return DomainError(
        f"invalid_{field}",
        f"参数 {field} 的取值无效",
        f"invalid {field}",
        status=422,
        details={"fields": [{"field": field, "code": "invalid_choice", "value": value}]},
    )


@router.get("/alerts", response={200: AlertListOut, **ERRORS}, summary="监察告警列表 alerts")
def list_alerts(request: HttpRequest, filters: Query[AlertFilterIn]) -> AlertListOut:
    user = _caller(request)
    if filters.level and filters.level not in Level.values:
        raise _invalid("level", filters.level)
    if filters.status and filters.status not in (*Alert.Status.values, selectors.PENDING):
        raise _invalid("status", filters.status)
    if filters.rule and registry.spec(filters.rule) is None:
        raise _invalid("rule", filters.rule)
    qs = selectors.alerts(
        user,
        selectors.AlertFilters(
            level=filters.level,
            status=filters.status,
            rule=filters.rule,
            department=_department_id(user, filters.department),
            period=Period.parse(filters.period) if filters.period.strip() else None,
            case_no=filters.case_no,
        ),
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return AlertListOut(count=qs.count(), items=[_alert_out(alert) for alert in page])


def _alert(request: HttpRequest, alert_id: int) -> tuple[User, Alert]:
    user = _caller(request)
    alert = selectors.alert(user, alert_id)
    if alert is None:
        raise NotFound("alert_not_found", "告警不存在", "no such alert")
    return user, alert


@router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS}, summary="告警详情 alert")
def get_alert(request: HttpRequest, alert_id: int) -> AlertOut:
    return _alert_out(_alert(request, alert_id)[1])


@router.post("/alerts/{alert_id}/explain", response={200: AlertOut, **ERRORS}, summary="情况说明 explain")
def explain_alert(request: HttpRequest, alert_id: int, payload: ExplainIn) -> AlertOut:
    user, alert = _alert(request, alert_id)
    services.explain_alert(actor=user, alert=alert, explanation=payload.explanation)
    return _alert_out(_alert(request, alert_id)[1])


@router.post("/alerts/{alert_id}/decide", response={200: AlertOut, **ERRORS}, summary="审核 decide")
def decide_alert(request: HttpRequest, alert_id: int, payload: DecideIn) -> AlertOut:
    user, alert = _alert(request, alert_id)
    services.decide_alert(actor=user, alert=alert, decision=payload.decision, note=payload.note)
    return _alert_out(_alert(request, alert_id)[1])


class EscalateIn(Schema):
    note: str = Field(..., description="督办事由 reason for escalating")


@router.post("/alerts/{alert_id}/escalate", response={200: AlertOut, **ERRORS}, summary="提级督办 escalate")
def escalate_alert(request: HttpRequest, alert_id: int, payload: EscalateIn) -> AlertOut:
    user, alert = _alert(request, alert_id)
    services.escalate_alert(actor=user, alert=alert, note=payload.note)
    return _alert_out(_alert(request, alert_id)[1])


@router.get("/metrics", response={200: MetricsOut, **ERRORS}, summary="办件统计 metrics")
def get_metrics(request: HttpRequest, period: str, department: str = "") -> MetricsOut:
    """Figures of one department (``department`` code) or of every department the caller watches."""
    user = _caller(request)
    span = Period.parse(period)
    departments = {d.pk: d for d in selectors.departments(user)}
    wanted = _department_id(user, department)
    if wanted is not None:
        departments = {wanted: departments[wanted]}
    figures = metrics.by_department(span, departments)
    rows = [
        FiguresOut(
            department=d.code, department_name=d.name, figures=figures.get(pk, metrics.Figures()).as_dict()
        )
        for pk, d in departments.items()
        if pk in figures or wanted is not None  # one department asked for: its zeros too
    ]
    return MetricsOut(
        period=span.label,
        start=span.start.isoformat(),
        end=span.end.isoformat(),
        departments=rows,
        total=metrics.total(figures.values()).as_dict(),
    )
