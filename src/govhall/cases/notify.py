"""Who is told what when a case changes: the applicant by in-site message, e-mail and SMS; staff
by in-site message when work lands in their queue or a deadline comes near.

Called from :func:`govhall.cases.transitions.log` (every timeline entry passes there) and from
:func:`govhall.cases.transitions.sync_tasks` (every new task), inside the change's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse

from govhall.cases.models import Case, CaseEvent, Task
from govhall.catalog.models import Kind
from govhall.core.calendar import SHANGHAI
from govhall.identity.models import Role, User
from govhall.notifications.services import notify

# Timeline kinds the applicant hears about, and the notification event for each.
APPLICANT_EVENTS = {
    "submitted": "case.submitted",
    "supplement_requested": "case.supplement_requested",
    "accepted": "case.accepted",
    "rejected": "case.rejected",
    "decided": "case.decided",
    "result_delivered": "case.result_delivered",
    "completed": "case.completed",
    "withdrawn": "case.withdrawn",
}
# Pages of the case, tried in order; the first that exists is the message's link.
CASE_URL_NAMES = ("cases:my_case",)
WORKBENCH_URL_NAMES = ("workbench:case",)


def beijing(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(SHANGHAI).strftime(fmt) if moment else ""


def chinese_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    day = moment.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _link(case: Case, names: Iterable[str]) -> str:
    if not case.case_no:
        return ""
    for name in names:
        try:
            return reverse(name, args=[case.case_no])
        except NoReverseMatch:
            continue
    return ""


def case_link(case: Case) -> str:
    return _link(case, CASE_URL_NAMES)


def decision_label(case: Case) -> str:
    licensing = case.item.kind == Kind.LICENSING
    if case.decision == Case.Decision.APPROVED:
        return "准予行政许可" if licensing else "准予办理"
    if case.decision == Case.Decision.DENIED:
        return "不予行政许可" if licensing else "不予办理"
    return ""


def case_context(case: Case) -> dict[str, Any]:
    return {
        "case_no": case.case_no or "",
        "item": case.item_version.name,
        "applicant": case.applicant_name,
        "department": case.lead_department.name,
        "deadline": beijing(case.promised_deadline, "%Y-%m-%d"),
        "decision": decision_label(case),
        "step": case.current_step,
    }


def on_case_event(case: Case, event: CaseEvent) -> None:
    """Tell the applicant about a change that matters to them."""
    key = APPLICANT_EVENTS.get(event.kind)
    if key is None or not case.case_no:
        return
    context = case_context(case)
    context.update({"at": beijing(event.occurred_at), "note": event.note})
    if event.kind == "supplement_requested":
        items = event.data.get("items", [])
        context.update({"items": items, "count": len(items)})
    elif event.kind == "result_delivered":
        method = event.data.get("method", "")
        tracking = event.data.get("tracking_number", "")
        context.update(
            {
                "method": {"download": "可在网上下载", "post": "邮寄送出", "counter": "可到窗口领取"}.get(
                    method, "送达"
                ),
                "tracking": f"，邮寄单号{tracking}" if tracking else "",
                "tracking_number": tracking,
                "document_no": event.data.get("document_no", ""),
            }
        )
    notify(recipients=[case.applicant], event=key, context=context, link=case_link(case), related=case)


def candidates(department_id: int, role: str) -> list[User]:
    """Active staff holding ``role`` in the department."""
    return list(
        User.objects.filter(
            is_active=True, memberships__department_id=department_id, memberships__role=role
        ).distinct()
    )


def task_people(task: Task) -> list[User]:
    """Whoever has the task: its assignee, or everyone who may claim it."""
    if task.assignee_id is not None and task.assignee is not None:
        return [task.assignee]
    return candidates(task.candidate_department_id, task.candidate_role)


def case_handlers(case: Case) -> list[User]:
    """The people working the case now: those of its open tasks, else the lead department's clerks."""
    people: list[User] = []
    for task in case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED]).select_related(
        "assignee"
    ):
        people.extend(task_people(task))
    return people or candidates(case.lead_department_id, Role.WINDOW_CLERK)


def on_tasks_created(case: Case, tasks: Iterable[Task]) -> None:
    """Tell the staff of each new task's department and role that work is in their queue."""
    base = case_context(case)
    link = _link(case, WORKBENCH_URL_NAMES)
    for task in tasks:
        people = candidates(task.candidate_department_id, task.candidate_role)
        if not people:
            continue
        context = {
            **base,
            "department": task.candidate_department.name,
            "step": task.name,
            "due": beijing(task.due_at),
        }
        notify(recipients=people, event="task.assigned", context=context, link=link, related=case)


def deadline_fact(case: Case, event: str, *, task: Task | None = None) -> None:
    """Tell the people working the case that a deadline is near or past (sweep)."""
    context = case_context(case)
    context["deadline"] = beijing(case.promised_deadline)
    if task is not None:
        context.update({"step": task.name, "due": beijing(task.due_at)})
        people = task_people(task)
    else:
        people = case_handlers(case)
    notify(
        recipients=people,
        event=event,
        context=context,
        link=_link(case, WORKBENCH_URL_NAMES),
        related=case,
    )
