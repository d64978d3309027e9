"""What every case service does inside its transaction: lock, number, run the engine, log.

Internal to the cases app; the public writes are in :mod:`services` (applicant side) and
:mod:`handling` (staff side).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from govhall.cases import deadlines, engine, notify
from govhall.cases.models import Case, CaseEvent, CaseNumberCounter, Task
from govhall.catalog.models import ItemVersion
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import deadline_for
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.identity.models import Department


def forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权办理该办件", "you may not do this on this case", status=403)


def not_found() -> NotFound:
    return NotFound("case_not_found", "办件不存在", "no such case", status=404)


def require(actor: Any, case: Case, action: str) -> None:
    if not permissions.can_act(actor, case, action):
        # Someone who cannot even see the case learns nothing about it.
        raise forbidden() if permissions.can_view(actor, case) else not_found()


def wrong_status(case: Case, doing_zh: str, doing_en: str) -> Conflict:
    return Conflict(
        "invalid_case_status",
        f"办件当前状态（{case.get_status_display()}）不能{doing_zh}",
        f"cannot {doing_en} a case in status {case.status}",
        status=409,
        details={"status": case.status},
    )


def lock_case(case: Case) -> Case:
    """The case row, locked until the transaction ends; every transition starts here."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("item_version", "lead_department", "process_template")
        .defer("process_template__spec", "process_template__bpmn_xml")
        .get(pk=case.pk)
    )


def snapshot(case: Case) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "status": case.status,
        "decision": case.decision,
        "current_step": case.current_step,
        "accepted_at": case.accepted_at,
        "promised_deadline": case.promised_deadline,
        "statutory_deadline": case.statutory_deadline,
        "paused_since": case.paused_since,
        "paused_working_days": case.paused_working_days,
        "completed_at": case.completed_at,
        "timeliness": case.timeliness,
    }


def log(
    case: Case,
    *,
    actor: Any,
    kind: str,
    at: datetime,
    from_status: str = "",
    before: dict[str, Any] | None = None,
    step: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """One timeline entry and its audit event, in the caller's transaction."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent.objects.create(
        case=case,
        occurred_at=at,
        actor=user,
        actor_label=(getattr(user, "display_name", "") or getattr(user, "username", "")) if user else "",
        kind=kind,
        step=step,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )
    record_event(
        actor=actor,
        action=f"cases.{kind}",
        obj=case,
        before=before,
        after={**snapshot(case), "step": step, "note": note, **({"data": data} if data else {})},
    )
    notify.on_case_event(case, event)
    return event


def next_case_number(department: Department, at: datetime) -> str:
    """``YYYYMMDD-<department code>-NNNNNN``: Beijing date, per-department daily sequence."""
    day = deadlines.local_date(at)
    counter = CaseNumberCounter.objects.select_for_update().filter(department=department, day=day).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseNumberCounter.objects.create(department=department, day=day, last=0)
        except IntegrityError:
            # A concurrent submission created today's row first; take its lock instead.
            counter = CaseNumberCounter.objects.select_for_update().get(department=department, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{day:%Y%m%d}-{department.code}-{counter.last:06d}"


# --- Engine glue ---------------------------------------------------------------------------------


def template_code_for(version: ItemVersion, *, joint: bool) -> str:
    if version.process_template:
        return version.process_template
    if version.item_type == ItemVersion.ItemType.INSTANT:
        return "instant"
    return "joint" if joint else "standard"


def participants_of(version: ItemVersion, lead: Department) -> list[Department]:
    """The lead department first, then the version's joint departments, each once."""
    joint = [d for d in version.joint_departments.order_by("code") if d.pk != lead.pk]
    return [lead, *joint] if joint else []


def start_process(case: Case, *, participants: list[Department], at: datetime) -> None:
    """Start the case's process; ``participants`` are the joint departments, lead first (or none)."""
    template = engine.active_template(template_code_for(case.item_version, joint=bool(participants)))
    departments = participants or [case.lead_department]
    run = engine.start(template, data={"departments": [d.code for d in departments]})
    case.process_template = template
    sync_tasks(case, run, at=at, fresh=True)
    case.workflow_state = run.dump()


def advance(case: Case, task: Task, *, action: str, at: datetime) -> engine.Run:
    """Complete ``task`` in the engine with ``action``; sync the task rows and store the state."""
    if case.process_template is None or case.workflow_state is None:
        raise DomainError("no_process", "办件没有流程", "the case has no process", status=409)
    run = engine.restore(case.process_template, case.workflow_state)
    run.complete(task.engine_task_id, action=action)
    sync_tasks(case, run, at=at)
    case.workflow_state = run.dump()
    return run


def cancel_process(case: Case) -> None:
    if case.process_template is not None and case.workflow_state is not None:
        run = engine.restore(case.process_template, case.workflow_state)
        run.cancel()
        case.workflow_state = run.dump()
    case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED]).update(status=Task.Status.CANCELLED)
    case.current_step = ""


def sync_tasks(case: Case, run: engine.Run, *, at: datetime, fresh: bool = False) -> list[engine.ReadyTask]:
    """Make the open Task rows match the engine's ready user tasks (``fresh``: the case has none yet)."""
    ready = run.ready_tasks()
    ready_ids = {task.engine_id for task in ready}
    open_tasks = (
        {}
        if fresh
        else {
            task.engine_task_id: task
            for task in case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
        }
    )
    stale = [task.pk for engine_id, task in open_tasks.items() if engine_id not in ready_ids]
    if stale:
        Task.objects.filter(pk__in=stale).update(status=Task.Status.CANCELLED)
    codes = {task.department_code for task in ready if task.scope == "participant"}
    by_code = {d.code: d for d in Department.objects.filter(code__in=codes)} if codes else {}
    created: list[Task] = []
    for task in ready:
        if task.engine_id in open_tasks:
            continue
        department = case.lead_department if task.scope == "lead" else by_code.get(task.department_code)
        if department is None:
            raise DomainError(
                "unknown_department",
                f"流程环节的办理部门 {task.department_code} 不存在",
                f"the task's department {task.department_code} does not exist",
                status=500,
            )
        due = deadline_for(at, task.time_limit_days) if task.time_limit_days is not None else None
        created.append(
            Task.objects.create(
                case=case,
                engine_task_id=task.engine_id,
                step=task.step,
                step_kind=task.step_kind,
                name=task.name,
                allowed_actions=list(task.actions),
                candidate_department=department,
                candidate_role=task.role,
                created_at=at,
                due_at=due,
            )
        )
    case.current_step = "、".join(dict.fromkeys(task.name for task in ready))
    notify.on_tasks_created(case, created)
    return ready


def open_task(case: Case, *kinds: str) -> Task | None:
    return (
        case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED], step_kind__in=kinds)
        .order_by("created_at", "id")
        .first()
    )


def close_task(task: Task, *, actor: Any, action: str, opinion: str, at: datetime) -> None:
    task.status = Task.Status.DONE
    task.action = action
    task.opinion = opinion
    task.completed_at = at
    task.completed_by = actor
    if task.assignee_id is None:
        task.assignee = actor
        task.claimed_at = at
    task.save(
        update_fields=[
            "status",
            "action",
            "opinion",
            "completed_at",
            "completed_by",
            "assignee",
            "claimed_at",
        ]
    )


def extend_open_tasks(case: Case, days: int) -> None:
    if days <= 0:
        return
    for task in case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED], due_at__isnull=False):
        task.due_at = deadlines.extend(task.due_at, days)
        task.save(update_fields=["due_at"])
