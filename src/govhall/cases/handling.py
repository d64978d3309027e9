"""Staff-side writes: acceptance (受理 / 不予受理 / 补正告知), task work, special procedures, completion.

Every call is one transaction that locks the case row first, so two people acting on one case at
once are serialised and the second sees what the first did (a task completed twice: 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from govhall.cases import deadlines, results
from govhall.cases.models import Case, SupplementRequest, Suspension, Task
from govhall.cases.permissions import may_work
from govhall.cases.transitions import (
    advance,
    close_task,
    extend_open_tasks,
    forbidden,
    lock_case,
    log,
    open_task,
    require,
    snapshot,
    wrong_status,
)
from govhall.catalog.models import ItemVersion
from govhall.core import permissions
from govhall.core.errors import Conflict, DomainError, NotFound
from govhall.identity.models import User

DECISION_ACTIONS = frozenset({"approve", "deny"})
REVIEW_KINDS = ("review", "decide", "joint_review")
ACCEPT_KINDS = ("accept", "accept_decide")
WORKING_STATUSES = frozenset({Case.Status.ACCEPTED, Case.Status.IN_REVIEW})


@dataclass(frozen=True)
class SupplementItem:
    """One thing the applicant must supply: a material of the item, a form field, or free text."""

    name: str = ""
    reason: str = ""
    material_id: int | None = None
    field: str = ""


def _required(field: str, zh: str, en: str) -> DomainError:
    return DomainError(
        f"{field}_required",
        zh,
        en,
        status=422,
        details={"fields": [{"field": field, "code": "required", "message_zh": zh, "message_en": en}]},
    )


def _conflict(code: str, zh: str, en: str) -> Conflict:
    return Conflict(code, zh, en, status=409)


def _is_instant(case: Case) -> bool:
    return case.item_version.item_type == ItemVersion.ItemType.INSTANT


# --- Acceptance ----------------------------------------------------------------------------------


def accept_case(*, actor: User, case: Case, decision: str = "", opinion: str = "") -> Case:
    """Accept (受理); the clock starts. An instant item (即办件) is decided in the same step."""
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "accept")
        task = _accept_task(locked, actor)
        _accept(locked, task, actor=actor, decision=decision, opinion=opinion, at=deadlines.now())
    return locked


def _accept_task(case: Case, actor: User) -> Task:
    if case.status != Case.Status.SUBMITTED:
        raise wrong_status(case, "受理", "accept")
    task = open_task(case, *ACCEPT_KINDS)
    if task is None:
        raise _conflict("no_open_task", "该办件没有待办的受理环节", "the case has no open acceptance task")
    _check_may_complete(task, actor)
    return task


def _accept(case: Case, task: Task, *, actor: User, decision: str, opinion: str, at: datetime) -> None:
    before = snapshot(case)
    instant = task.step_kind == "accept_decide"
    if instant:
        if decision not in DECISION_ACTIONS:
            raise _required(
                "decision", "即办件受理时须当场作出决定", "an instant item is decided on acceptance"
            )
        if not opinion.strip():
            raise _required("opinion", "请填写审批意见", "an opinion is required for a decision")
    version = case.item_version
    limits = deadlines.at_acceptance(
        at,
        promised_days=version.promised_days,
        statutory_days=version.statutory_days,
        instant=instant or _is_instant(case),
    )
    case.accepted_at = at
    case.promised_deadline = limits.promised
    case.statutory_deadline = limits.statutory
    close_task(task, actor=actor, action=decision if instant else "accept", opinion=opinion, at=at)
    run = advance(case, task, action=decision if instant else "accept", at=at)
    case.status = Case.Status.ACCEPTED
    log(
        case,
        actor=actor,
        kind="accepted",
        at=at,
        from_status=Case.Status.SUBMITTED,
        before=before,
        step=task.name,
    )
    if instant:
        _record_decision(case, run.outcome, opinion=opinion, actor=actor, at=at, step=task.name)
    case.save()


def reject_case(*, actor: User, case: Case, reason: str) -> Case:
    """Refuse to accept (不予受理), with the reason the applicant is told."""
    if not reason.strip():
        raise _required("reason", "不予受理须说明理由", "a reason is required to refuse an application")
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "reject")
        if locked.status not in (Case.Status.SUBMITTED, Case.Status.SUPPLEMENT_REQUESTED):
            raise wrong_status(locked, "不予受理", "reject")
        task = open_task(locked, *ACCEPT_KINDS)
        if task is None:
            raise _conflict(
                "no_open_task", "该办件没有待办的受理环节", "the case has no open acceptance task"
            )
        _check_may_complete(task, actor)
        _reject(locked, task, actor=actor, reason=reason, at=at)
    return locked


def _reject(case: Case, task: Task, *, actor: User, reason: str, at: datetime) -> None:
    before = snapshot(case)
    from_status = case.status
    close_task(task, actor=actor, action="reject", opinion=reason, at=at)
    advance(case, task, action="reject", at=at)
    case.supplement_requests.filter(resolved_at__isnull=True).update(resolved_at=at)
    case.status = Case.Status.REJECTED
    case.outcome_note = reason
    case.paused_since = None
    case.save()
    log(
        case,
        actor=actor,
        kind="rejected",
        at=at,
        from_status=from_status,
        before=before,
        step=task.name,
        note=reason,
    )


def request_supplement(
    *, actor: User, case: Case, items: Sequence[SupplementItem], note: str = ""
) -> SupplementRequest:
    """Tell the applicant everything that is missing, at once (一次性告知); a running clock stops."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "request_supplement")
        if locked.status not in (Case.Status.SUBMITTED, *WORKING_STATUSES):
            raise wrong_status(locked, "要求补正", "request a supplement for")
        entries = _supplement_entries(locked, items)
        before = snapshot(locked)
        from_status = locked.status
        running = locked.clock_running
        request = SupplementRequest.objects.create(
            case=locked,
            items=entries,
            note=note.strip(),
            requested_by=actor,
            requested_at=at,
            clock_was_running=running,
        )
        if running:
            locked.paused_since = at
        locked.status = Case.Status.SUPPLEMENT_REQUESTED
        locked.save()
        log(
            locked,
            actor=actor,
            kind="supplement_requested",
            at=at,
            from_status=from_status,
            before=before,
            note=note.strip(),
            data={"items": entries},
        )
    return request


def _supplement_entries(case: Case, items: Sequence[SupplementItem]) -> list[dict[str, Any]]:
    if not items:
        raise _required("items", "请列出需要补正的全部内容", "list everything the applicant must supply")
    materials = {m.pk: m for m in case.item_version.materials.all()}
    entries = []
    for index, item in enumerate(items):
        name = item.name.strip()
        if item.material_id is not None:
            material = materials.get(item.material_id)
            if material is None:
                raise DomainError(
                    "unknown_material",
                    "补正清单中的材料不属于该事项",
                    "a listed material is not a material of this item",
                    status=422,
                    details={
                        "fields": [{"field": f"items[{index}].material_id", "code": "unknown_material"}]
                    },
                )
            name = name or material.name
        if not (name or item.field.strip()):
            raise _required(f"items[{index}].name", "补正项须写明名称", "each item needs a name")
        entries.append(
            {
                "material_id": item.material_id,
                "field": item.field.strip(),
                "name": name,
                "reason": item.reason.strip(),
            }
        )
    return entries


# --- Tasks ---------------------------------------------------------------------------------------


def _check_may_complete(task: Task, actor: User) -> None:
    if not may_work(actor, task):
        raise forbidden() if permissions.can_view(actor, task) else _task_not_found()
    if task.status == Task.Status.DONE:
        raise _conflict("task_already_completed", "该环节已被他人办理", "the task has been completed already")
    if task.status == Task.Status.CANCELLED:
        raise _conflict("task_cancelled", "该环节已取消", "the task was cancelled")
    if task.status == Task.Status.CLAIMED and task.assignee_id not in (None, actor.pk):
        raise _conflict("task_claimed", "该环节已由他人领取", "another person has claimed the task")


def _task_not_found() -> NotFound:
    return NotFound("task_not_found", "任务不存在", "no such task", status=404)


def _lock_task(task: Task) -> tuple[Case, Task]:
    case = lock_case(task.case)
    return case, Task.objects.select_related("candidate_department").get(pk=task.pk)


def claim_task(*, actor: User, task: Task) -> Task:
    at = deadlines.now()
    with transaction.atomic():
        case, locked = _lock_task(task)
        _check_may_complete(locked, actor)
        if locked.assignee_id == actor.pk and locked.status == Task.Status.CLAIMED:
            return locked
        locked.assignee = actor
        locked.claimed_at = at
        locked.status = Task.Status.CLAIMED
        locked.save(update_fields=["assignee", "claimed_at", "status"])
        before = snapshot(case)
        if case.status == Case.Status.ACCEPTED and locked.step_kind in REVIEW_KINDS:
            case.status = Case.Status.IN_REVIEW
            case.save(update_fields=["status", "updated_at"])
        log(
            case,
            actor=actor,
            kind="task_claimed",
            at=at,
            from_status=before["status"],
            before=before,
            step=locked.name,
        )
    return locked


def complete_task(
    *, actor: User, task: Task, action: str, opinion: str = "", transfer_to: User | None = None
) -> Task:
    """Do the task with ``action`` (its allowed actions, or ``transfer`` to a colleague).

    Acceptance and completion tasks do what :func:`accept_case`, :func:`reject_case` and
    :func:`complete_case` do. An opinion is required for every decision and every denial.
    """
    at = deadlines.now()
    with transaction.atomic():
        case, locked = _lock_task(task)
        _check_may_complete(locked, actor)
        if action == "transfer":
            return _transfer(case, locked, actor=actor, to=transfer_to, opinion=opinion, at=at)
        if action not in locked.allowed_actions:
            raise DomainError(
                "invalid_action",
                f"该环节不能执行「{action}」",
                f"'{action}' is not an action of this step",
                status=422,
                details={
                    "fields": [{"field": "action", "code": "invalid_action"}],
                    "allowed": locked.allowed_actions,
                },
            )
        if locked.step_kind in ACCEPT_KINDS:
            _accept_or_reject(case, locked, actor=actor, action=action, opinion=opinion, at=at)
        elif locked.step_kind == "complete":
            _complete(case, locked, actor=actor, note=opinion, at=at)
        else:
            _decide(case, locked, actor=actor, action=action, opinion=opinion, at=at)
        locked.refresh_from_db()
    return locked


def _accept_or_reject(
    case: Case, task: Task, *, actor: User, action: str, opinion: str, at: datetime
) -> None:
    if action == "reject":
        if not opinion.strip():
            raise _required("opinion", "不予受理须说明理由", "a reason is required to refuse an application")
        if case.status not in (Case.Status.SUBMITTED, Case.Status.SUPPLEMENT_REQUESTED):
            raise wrong_status(case, "不予受理", "reject")
        require(actor, case, "reject")
        _reject(case, task, actor=actor, reason=opinion, at=at)
        return
    require(actor, case, "accept")
    if case.status != Case.Status.SUBMITTED:
        raise wrong_status(case, "受理", "accept")
    _accept(case, task, actor=actor, decision="" if action == "accept" else action, opinion=opinion, at=at)


def _decide(case: Case, task: Task, *, actor: User, action: str, opinion: str, at: datetime) -> None:
    if case.status not in WORKING_STATUSES:
        raise wrong_status(case, "审查", "review")
    if (task.step_kind != "review" or action != "approve") and not opinion.strip():
        raise _required("opinion", "请填写审查或审批意见", "an opinion is required")
    before = snapshot(case)
    close_task(task, actor=actor, action=action, opinion=opinion, at=at)
    run = advance(case, task, action=action, at=at)
    case.status = Case.Status.IN_REVIEW
    log(
        case,
        actor=actor,
        kind="task_completed",
        at=at,
        from_status=before["status"],
        before=before,
        step=task.name,
        note=opinion,
        data={"action": action, "department": task.candidate_department.code},
    )
    if run.outcome in ("approved", "denied") and not run.finished and case.decision == Case.Decision.NONE:
        _record_decision(case, run.outcome, opinion=opinion, actor=actor, at=at, step=task.name)
    case.save()


def _record_decision(case: Case, outcome: str, *, opinion: str, actor: User, at: datetime, step: str) -> None:
    from_status = case.status
    case.decision = Case.Decision.APPROVED if outcome == "approved" else Case.Decision.DENIED
    case.status = Case.Status.APPROVED if outcome == "approved" else Case.Status.DENIED
    case.decided_at = at
    case.outcome_note = opinion
    log(case, actor=actor, kind="decided", at=at, from_status=from_status, step=step, note=opinion)
    results.on_decided(case, actor=actor, at=at, opinion=opinion)


def _transfer(case: Case, task: Task, *, actor: User, to: User | None, opinion: str, at: datetime) -> Task:
    if to is None or not to.is_active or not may_work(to, task):
        raise DomainError(
            "invalid_transfer",
            "转办对象须是同一部门同一岗位的在职人员",
            "a task can only be transferred to an active colleague with the same role in the department",
            status=422,
            details={"fields": [{"field": "transfer_to", "code": "invalid_transfer"}]},
        )
    task.assignee = to
    task.claimed_at = at
    task.status = Task.Status.CLAIMED
    task.save(update_fields=["assignee", "claimed_at", "status"])
    log(
        case,
        actor=actor,
        kind="task_transferred",
        at=at,
        from_status=case.status,
        step=task.name,
        note=opinion,
        data={"to": to.username},
    )
    return task


# --- Special procedures and completion -------------------------------------------------------


def suspend_for_special_procedure(*, actor: User, case: Case, procedure_id: int, reason: str) -> Suspension:
    """Stop the clock for a special procedure of the item (hearing, expert review, inspection…)."""
    if not reason.strip():
        raise _required("reason", "请说明启动特别程序的事由", "a reason is required")
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "suspend")
        if locked.status not in WORKING_STATUSES:
            raise wrong_status(locked, "启动特别程序", "suspend")
        procedure = locked.item_version.special_procedures.filter(pk=procedure_id).first()
        if procedure is None:
            raise DomainError(
                "unknown_procedure",
                "该事项没有此特别程序",
                "not a special procedure of this item",
                status=422,
                details={"fields": [{"field": "procedure_id", "code": "unknown_procedure"}]},
            )
        before = snapshot(locked)
        suspension = Suspension.objects.create(
            case=locked,
            procedure=procedure,
            reason=reason.strip(),
            max_days=procedure.max_days,
            started_by=actor,
            started_at=at,
        )
        from_status = locked.status
        locked.status = Case.Status.SUSPENDED
        locked.paused_since = at
        locked.save()
        log(
            locked,
            actor=actor,
            kind="suspended",
            at=at,
            from_status=from_status,
            before=before,
            note=reason.strip(),
            data={"procedure": procedure.name, "max_days": procedure.max_days},
        )
    return suspension


def resume_case(*, actor: User, case: Case, note: str = "") -> Case:
    """End the special procedure; deadlines move by the paused working days, at most its maximum."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "resume")
        suspension = locked.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
        if locked.status != Case.Status.SUSPENDED or suspension is None:
            raise wrong_status(locked, "结束特别程序", "resume")
        before = snapshot(locked)
        days = deadlines.paused_working_days(suspension.started_at, at, cap=suspension.max_days)
        suspension.ended_at = at
        suspension.paused_working_days = days
        suspension.save(update_fields=["ended_at", "paused_working_days"])
        locked.promised_deadline = deadlines.extend(locked.promised_deadline, days)
        locked.statutory_deadline = deadlines.extend(locked.statutory_deadline, days)
        locked.paused_working_days += days
        locked.paused_since = None
        locked.status = Case.Status.IN_REVIEW
        extend_open_tasks(locked, days)
        locked.save()
        log(
            locked,
            actor=actor,
            kind="resumed",
            at=at,
            from_status=Case.Status.SUSPENDED,
            before=before,
            note=note,
            data={"paused_working_days": days},
        )
    return locked


def complete_case(*, actor: User, case: Case, note: str = "") -> Case:
    """办结: the decided case is closed; early, on time or late against the promised deadline."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "complete")
        if locked.status not in (Case.Status.APPROVED, Case.Status.DENIED):
            raise wrong_status(locked, "办结", "complete")
        task = open_task(locked, "complete")
        if task is None:
            raise _conflict("no_open_task", "该办件没有待办结的环节", "the case has no open completion task")
        _check_may_complete(task, actor)
        _complete(locked, task, actor=actor, note=note, at=at)
    return locked


def _complete(case: Case, task: Task, *, actor: User, note: str, at: datetime) -> None:
    if case.status not in (Case.Status.APPROVED, Case.Status.DENIED):
        raise wrong_status(case, "办结", "complete")
    require(actor, case, "complete")
    before = snapshot(case)
    from_status = case.status
    close_task(task, actor=actor, action="complete", opinion=note, at=at)
    advance(case, task, action="complete", at=at)
    case.status = Case.Status.COMPLETED
    case.completed_at = at
    case.timeliness = deadlines.timeliness(at, case.promised_deadline)
    case.save()
    log(
        case,
        actor=actor,
        kind="completed",
        at=at,
        from_status=from_status,
        before=before,
        step=task.name,
        note=note,
        data={"timeliness": case.timeliness},
    )
