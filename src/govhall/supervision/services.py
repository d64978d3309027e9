"""Writes of the supervision app: raising alerts, the department's explanation, the supervisor's
decision, and the rule settings. Each runs in one transaction with its audit event.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from govhall.cases import deadlines
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.identity.models import Region, User
from govhall.supervision import notify, registry
from govhall.supervision.models import Alert, Level, SupervisionRule, SweepMark

if TYPE_CHECKING:
    from govhall.supervision.evaluation import Context

MAX_TEXT = 4000


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {
        "rule": alert.rule_kind,
        "level": alert.level,
        "subject": f"{alert.subject_type}#{alert.subject_id}",
        "key": alert.key,
        "case": alert.case_id,
        "department": alert.department_id,
        "status": alert.status,
        "explanation": alert.explanation,
        "decision_note": alert.decision_note,
        "escalated_to": alert.escalated_to_id,
        "escalation_note": alert.escalation_note,
    }


# --- Raising -------------------------------------------------------------------------------------


def raise_findings(findings: Iterable[registry.Finding], *, ctx: Context) -> list[Alert]:
    """Turn new findings into alerts, audited and notified; each at most once, whoever races.

    One transaction per alert keeps the audit chain's lock short and lets a concurrent sweep's
    duplicate fail alone on the unique constraint.
    """
    raised: list[Alert] = []
    for finding in findings:
        config = ctx.book.config(finding.kind, finding.department_id)
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    rule_kind=finding.kind,
                    rule_id=config.rule_id,
                    level=finding.level or config.level or Level.WARNING,
                    subject_type=finding.subject_type,
                    subject_id=finding.subject_id,
                    key=finding.key,
                    case_id=finding.case_id,
                    department_id=finding.department_id,
                    region_id=finding.region_id,
                    raised_at=ctx.now,
                    due_at=finding.due_at,
                    title=finding.title[:200],
                    facts=finding.facts,
                )
                record_event(actor=None, action="supervision.alert_raised", obj=alert, after=_snapshot(alert))
                notify.raised(alert)
        except IntegrityError:
            if not Alert.objects.filter(
                rule_kind=finding.kind,
                subject_type=finding.subject_type,
                subject_id=finding.subject_id,
                key=finding.key,
            ).exists():
                raise
            continue  # raised meanwhile by a concurrent sweep or trigger
        raised.append(alert)
    return raised


# --- Explanation and decision --------------------------------------------------------------------


def _required(field: str, zh: str, en: str) -> DomainError:
    return DomainError(
        f"{field}_required",
        zh,
        en,
        status=422,
        details={"fields": [{"field": field, "code": "required", "message_zh": zh, "message_en": en}]},
    )


def _locked(user: Any, alert: Alert, action: str) -> Alert:
    locked = (
        Alert.objects.select_for_update(of=("self",)).select_related("region", "department").get(pk=alert.pk)
    )
    if not permissions.can_act(user, locked, action):
        if permissions.can_view(user, locked):
            raise PermissionDenied(
                "forbidden", "您无权办理该告警", "you may not do this on this alert", status=403
            )
        raise NotFound("alert_not_found", "告警不存在", "no such alert", status=404)
    return locked


def _wrong_status(alert: Alert, doing_zh: str, doing_en: str) -> Conflict:
    return Conflict(
        "invalid_alert_status",
        f"告警当前状态（{alert.get_status_display()}）不能{doing_zh}",
        f"cannot {doing_en} an alert in status {alert.status}",
        status=409,
        details={"status": alert.status},
    )


def explain_alert(*, actor: User, alert: Alert, explanation: str) -> Alert:
    """The responsible department's explanation (情况说明 / 纠错) of an open alert."""
    text = explanation.strip()[:MAX_TEXT]
    if not text:
        raise _required("explanation", "请填写情况说明", "an explanation is required")
    with transaction.atomic():
        locked = _locked(actor, alert, "explain")
        if locked.status != Alert.Status.OPEN:
            raise _wrong_status(locked, "说明", "explain")
        before = _snapshot(locked)
        locked.explanation = text
        locked.explained_by = actor
        locked.explained_at = deadlines.now()
        locked.status = Alert.Status.EXPLAINED
        locked.save(update_fields=["explanation", "explained_by", "explained_at", "status"])
        record_event(
            actor=actor,
            action="supervision.alert_explained",
            obj=locked,
            before=before,
            after=_snapshot(locked),
        )
        notify.explained(locked)
    return locked


DECISIONS = {"close": Alert.Status.CLOSED, "uphold": Alert.Status.UPHELD}


def decide_alert(*, actor: User, alert: Alert, decision: str, note: str = "") -> Alert:
    """A supervisor's review: ``close`` (explanation accepted, rectified) or ``uphold`` (the
    violation stands). A card must be explained first; a warning may be closed at once.
    The alert stays on the department's record either way."""
    status = DECISIONS.get(decision)
    if status is None:
        raise DomainError(
            "invalid_decision",
            "审核结果须为核销或维持",
            "the decision must be close or uphold",
            status=422,
            details={"fields": [{"field": "decision", "code": "invalid_choice"}]},
        )
    text = note.strip()[:MAX_TEXT]
    if status == Alert.Status.UPHELD and not text:
        raise _required("note", "维持告警须写明审核意见", "a note is required to uphold an alert")
    with transaction.atomic():
        locked = _locked(actor, alert, "decide")
        if locked.is_decided:
            raise _wrong_status(locked, "审核", "decide")
        if locked.is_card and locked.status != Alert.Status.EXPLAINED:
            raise Conflict(
                "explanation_missing",
                "黄牌、红牌须先由责任部门说明情况",
                "a card must be explained by the department before it is decided",
                status=409,
            )
        before = _snapshot(locked)
        locked.status = status
        locked.decision_note = text
        locked.decided_by = actor
        locked.decided_at = deadlines.now()
        locked.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        record_event(
            actor=actor,
            action="supervision.alert_decided",
            obj=locked,
            before=before,
            after=_snapshot(locked),
        )
        notify.decided(locked)
    return locked


# --- Escalation (提级督办) --------------------------------------------------------------------------


def _escalation_target(alert: Alert) -> Region:
    """The region above the alert's own; the alert's region itself at the top of the tree."""
    region = alert.escalated_to or alert.region
    return region.parent if region.parent_id is not None and region.parent else region


def _escalate(locked: Alert, *, actor: User | None, note: str, now: Any) -> Alert:
    before = _snapshot(locked)
    locked.escalated_at = now
    locked.escalated_by = actor
    locked.escalated_to = _escalation_target(locked)
    locked.escalation_note = note
    locked.save(update_fields=["escalated_at", "escalated_by", "escalated_to", "escalation_note"])
    record_event(
        actor=actor,
        action="supervision.alert_escalated",
        obj=locked,
        before=before,
        after=_snapshot(locked),
    )
    notify.escalated(locked)
    return locked


def escalate_alert(*, actor: User, alert: Alert, note: str) -> Alert:
    """A supervisor hands an undecided alert up to the supervisors of the region above (提级督办);
    the department still explains it and a supervisor still decides it."""
    text = note.strip()[:MAX_TEXT]
    if not text:
        raise _required("note", "请填写提级督办的事由", "a reason is required to escalate an alert")
    with transaction.atomic():
        locked = _locked(actor, alert, "decide")
        if locked.is_decided:
            raise _wrong_status(locked, "提级督办", "escalate")
        if locked.is_escalated:
            raise Conflict(
                "alert_already_escalated",
                "该告警已提级督办",
                "the alert has already been escalated",
                status=409,
            )
        return _escalate(locked, actor=actor, note=text, now=deadlines.now())


def escalate_unexplained(*, now: Any = None) -> list[Alert]:
    """Cards the department has not explained within ``GOVHALL_SUPERVISION_ESCALATE_AFTER`` (setting
    or environment; default 3, 0 switches it off) working days of
    being raised are escalated automatically. Unexplained open cards are few, so they are read
    from the status index and their age counted in working days here."""
    from django.conf import settings

    from govhall.core.calendar import SHANGHAI, working_days_between

    configured = getattr(settings, "GOVHALL_SUPERVISION_ESCALATE_AFTER", None)
    days = int(
        configured if configured is not None else os.environ.get("GOVHALL_SUPERVISION_ESCALATE_AFTER", "3")
    )
    if days <= 0:
        return []
    moment = now or deadlines.now()
    today = moment.astimezone(SHANGHAI).date()
    escalated = []
    candidates = Alert.objects.filter(
        status=Alert.Status.OPEN, level__in=[Level.YELLOW, Level.RED], escalated_at__isnull=True
    ).values_list("pk", "raised_at")
    for pk, raised_at in candidates:
        age = working_days_between(raised_at.astimezone(SHANGHAI).date(), today)
        if age < days:
            continue
        with transaction.atomic():
            locked = (
                Alert.objects.select_for_update(of=("self",))
                .select_related("region", "department", "escalated_to")
                .get(pk=pk)
            )
            if locked.status != Alert.Status.OPEN or locked.is_escalated:
                continue  # explained or escalated meanwhile
            note = f"黄牌、红牌发出后 {age} 个工作日未说明情况，自动提级督办（时限 {days} 个工作日）。"
            escalated.append(_escalate(locked, actor=None, note=note, now=moment))
    return escalated


# --- Rule settings -------------------------------------------------------------------------------


def save_rule(
    *,
    actor: User | None,
    kind: str,
    region: Region | None = None,
    enabled: bool,
    threshold: int,
    level: str,
) -> SupervisionRule:
    """Set a rule for a region (None: the platform default); platform admins only.

    The sweep's marks for the rule are dropped, so the next sweep reads the whole range once
    under the new setting instead of only what became due since.
    """
    spec = registry.spec(kind)
    if spec is None:
        raise DomainError(
            "unknown_rule", "没有这条监察规则", f"no rule {kind}", status=422, details={"kind": kind}
        )
    if actor is not None and not permissions.is_platform_admin(actor):
        raise PermissionDenied(
            "forbidden", "只有平台管理员可以设置监察规则", "platform admins only", status=403
        )
    if level not in Level.values:
        raise DomainError("invalid_level", "告警级别无效", "invalid level", status=422)
    if threshold < 0 or threshold > 365:
        raise DomainError("invalid_threshold", "阈值须在 0 至 365 之间", "threshold out of range", status=422)
    with transaction.atomic():
        rule = SupervisionRule.objects.select_for_update().filter(region=region, kind=kind).order_by().first()
        before = None
        if rule is None:
            rule = SupervisionRule(region=region, kind=kind)
        else:
            before = {"enabled": rule.enabled, "threshold": rule.threshold, "level": rule.level}
        rule.enabled = enabled
        rule.threshold = threshold
        rule.level = level
        rule.updated_by = actor
        rule.save()
        SweepMark.objects.filter(name__startswith=f"{kind}:").delete()
        record_event(
            actor=actor,
            action="supervision.rule_saved",
            obj=rule,
            before=before,
            after={
                "kind": kind,
                "region": region.code if region else None,
                "enabled": enabled,
                "threshold": threshold,
                "level": level,
            },
        )
    return rule


def seed_default_rules() -> int:
    """Create the platform default row of every registered rule that has none; how many."""
    created = 0
    for spec in registry.specs():
        _, made = SupervisionRule.objects.get_or_create(
            region=None,
            kind=spec.kind,
            defaults={"enabled": spec.enabled, "threshold": spec.threshold, "level": spec.level},
        )
        created += int(made)
    return created
