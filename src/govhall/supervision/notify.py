"""Who hears about an alert, and what the messages say (in-site, plus e-mail for cards).

A warning goes to the department: the people working the case (or step) now and the department
admins (the department head's account). A yellow or red card also goes to the supervisors of the
department's region and of every region above it. An explanation goes to those supervisors; a
decision goes back to the department.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from govhall.cases.models import Case, Task
from govhall.cases.notify import case_handlers, task_people
from govhall.identity.models import Region, Role, User
from govhall.notifications import events
from govhall.notifications.events import EMAIL, SITE, EventSpec
from govhall.notifications.services import notify
from govhall.supervision import registry
from govhall.supervision.models import Alert

RAISED = "supervision.alert_raised"
EXPLAINED = "supervision.alert_explained"
DECIDED = "supervision.alert_decided"
ESCALATED = "supervision.alert_escalated"

SPECS = [
    EventSpec(RAISED, "{{ level }}：{{ rule }}（{{ department }}）", (SITE, EMAIL)),
    EventSpec(EXPLAINED, "告警已说明待审核：{{ rule }}（{{ department }}）"),
    EventSpec(DECIDED, "告警审核结果：{{ decision }}（{{ rule }}）", (SITE, EMAIL)),
    EventSpec(ESCALATED, "提级督办：{{ rule }}（{{ department }}）", (SITE, EMAIL)),
]


def register_events() -> None:
    for spec in SPECS:
        events.EVENTS.setdefault(spec.key, spec)


def _ancestor_paths(region: Region) -> list[str]:
    parts = [part for part in region.path.split("/") if part]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def supervisors_of(region: Region) -> list[User]:
    """Active supervisors whose supervised region contains ``region``."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.SUPERVISOR,
            memberships__department__is_active=True,
            memberships__department__region__path__in=_ancestor_paths(region),
        )
        .distinct()
        .order_by("pk")
    )


def department_people(alert: Alert) -> list[User]:
    people: list[User] = []
    if alert.subject_type == "cases.task":
        task = Task.objects.select_related("assignee").filter(pk=alert.subject_id).first()
        if task is not None and task.is_open:
            people.extend(task_people(task))
    elif alert.case_id is not None:
        case = Case.objects.filter(pk=alert.case_id).first()
        if case is not None and case.is_open:
            people.extend(case_handlers(case))
    people.extend(
        User.objects.filter(
            is_active=True,
            memberships__department_id=alert.department_id,
            memberships__role=Role.DEPARTMENT_ADMIN,
        ).distinct()
    )
    return people


def context(alert: Alert) -> dict[str, Any]:
    return {
        "level": alert.get_level_display().split(" ")[0],
        "rule": registry.rule_name(alert.rule_kind),
        "department": alert.department.name,
        "title": alert.title,
        "case_no": alert.facts.get("case_no", ""),
        "explanation": alert.explanation,
        "decision": alert.get_status_display().split(" ")[0],
        "decision_note": alert.decision_note,
        "escalated_to": alert.escalated_to.name if alert.escalated_to else "",
        "escalation_note": alert.escalation_note,
    }


def link(alert: Alert) -> str:
    try:
        return reverse("supervision:alert", args=[alert.pk])
    except NoReverseMatch:  # a deployment without the supervision pages mounted
        return ""


def raised(alert: Alert) -> None:
    people = department_people(alert)
    if alert.is_card:
        people.extend(supervisors_of(alert.region))
    notify(recipients=people, event=RAISED, context=context(alert), link=link(alert), related=alert)


def explained(alert: Alert) -> None:
    notify(
        recipients=supervisors_of(alert.region),
        event=EXPLAINED,
        context=context(alert),
        link=link(alert),
        related=alert,
    )


def decided(alert: Alert) -> None:
    people = department_people(alert)
    if alert.explained_by is not None:
        people.append(alert.explained_by)
    notify(recipients=people, event=DECIDED, context=context(alert), link=link(alert), related=alert)


def escalated(alert: Alert) -> None:
    """To the supervisors of the region it was handed up to (and above), and back to the department."""
    target = alert.escalated_to or alert.region
    people = list({user.pk: user for user in [*supervisors_of(target), *department_people(alert)]}.values())
    notify(recipients=people, event=ESCALATED, context=context(alert), link=link(alert), related=alert)
