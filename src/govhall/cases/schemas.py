"""Input and output schemas of the cases API, and the conversions from models to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from govhall.cases import selectors
from govhall.cases.models import Case, CaseMaterial, Task

# --- Input -------------------------------------------------------------------------------------


class ProvidedIn(Schema):
    material_id: int
    kind: str = Field(..., pattern="^(licence|counter)$")
    reference: str = Field("", max_length=200)


class CaseIn(Schema):
    item: str = Field(..., max_length=40, description="事项实施编码 implementation code")
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[ProvidedIn] = Field(default_factory=list)
    draft: bool = Field(False, description="只保存草稿 save as a draft only")
    applicant_id_number: str = Field(
        "", max_length=18, description="窗口收件：申请人身份证号 (window clerks)"
    )
    applicant_uscc: str = Field("", max_length=18, description="窗口收件：统一社会信用代码 (window clerks)")


class SubmitIn(Schema):
    form: dict[str, Any] | None = None
    materials: list[ProvidedIn] = Field(default_factory=list)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


class AcceptIn(Schema):
    decision: str = Field("", pattern="^(|approve|deny)$")
    opinion: str = Field("", max_length=2000)


class SupplementItemIn(Schema):
    material_id: int | None = None
    field: str = Field("", max_length=100)
    name: str = Field("", max_length=200)
    reason: str = Field("", max_length=500)


class SupplementRequestIn(Schema):
    items: list[SupplementItemIn]
    note: str = Field("", max_length=2000)


class SupplementIn(Schema):
    form: dict[str, Any] | None = None


class SuspendIn(Schema):
    procedure_id: int
    reason: str = Field(..., max_length=2000)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class TaskCompleteIn(Schema):
    action: str = Field(..., max_length=20)
    opinion: str = Field("", max_length=4000)
    transfer_to: str = Field("", max_length=150, description="转办对象用户名 username, for action=transfer")


class StatusQueryIn(Schema):
    case_no: str = Field(..., max_length=40)
    identifier: str = Field(..., max_length=18, description="申请人身份证号或统一社会信用代码")
    code: str = Field(..., max_length=16, description="查询码 verification code")


class DepartmentRef(Schema):
    code: str
    name: str


class EventOut(Schema):
    kind: str
    occurred_at: datetime
    actor: str
    step: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


class MaterialOut(Schema):
    id: int
    material_id: int
    material_name: str
    kind: str
    original_name: str
    content_type: str
    size: int
    licence_reference: str
    uploaded_at: datetime


class SupplementRequestOut(Schema):
    id: int
    items: list[dict[str, Any]]
    note: str
    requested_at: datetime
    resolved_at: datetime | None


class TaskOut(Schema):
    id: int
    case_no: str
    item_name: str
    step: str
    step_kind: str
    name: str
    department: DepartmentRef
    role: str
    status: str
    assignee: str
    allowed_actions: list[str]
    created_at: datetime
    due_at: datetime | None


class CaseSummaryOut(Schema):
    reference: str
    case_no: str | None
    status: str
    status_label: str
    decision: str
    item_code: str
    item_name: str
    item_version: int
    applicant_name: str
    channel: str
    lead_department: DepartmentRef
    current_step: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    promised_deadline: datetime | None
    statutory_deadline: datetime | None
    clock_paused: bool
    paused_working_days: int
    completed_at: datetime | None
    timeliness: str


class CaseOut(CaseSummaryOut):
    form: dict[str, Any]
    outcome_note: str
    materials: list[MaterialOut]
    supplement_requests: list[SupplementRequestOut]
    open_tasks: list[TaskOut]
    events: list[EventOut]
    verification_code: str | None = None


class StatusQueryOut(Schema):
    case_no: str
    item_name: str
    status: str
    status_label: str
    current_step: str
    department: str
    submitted_at: datetime | None
    promised_deadline: datetime | None
    completed_at: datetime | None
    events: list[dict[str, Any]]


# --- Conversion ----------------------------------------------------------------------------------


def department_ref(department: Any) -> DepartmentRef:
    return DepartmentRef(code=department.code, name=department.name)


def summary_fields(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "case_no": case.case_no,
        "status": case.status,
        "status_label": case.get_status_display(),
        "decision": case.decision,
        "item_code": case.item.implementation_code,
        "item_name": case.item_version.name,
        "item_version": case.item_version.number,
        "applicant_name": case.applicant_name,
        "channel": case.channel,
        "lead_department": department_ref(case.lead_department),
        "current_step": case.current_step,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "promised_deadline": case.promised_deadline,
        "statutory_deadline": case.statutory_deadline,
        "clock_paused": case.paused_since is not None,
        "paused_working_days": case.paused_working_days,
        "completed_at": case.completed_at,
        "timeliness": case.timeliness,
    }


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk,
        case_no=task.case.case_no or "",
        item_name=task.case.item_version.name,
        step=task.step,
        step_kind=task.step_kind,
        name=task.name,
        department=department_ref(task.candidate_department),
        role=task.candidate_role,
        status=task.status,
        assignee=task.assignee.username if task.assignee else "",
        allowed_actions=list(task.allowed_actions),
        created_at=task.created_at,
        due_at=task.due_at,
    )


def material_out(row: CaseMaterial) -> MaterialOut:
    return MaterialOut(
        id=row.pk,
        material_id=row.material_id,
        material_name=row.material.name,
        kind=row.kind,
        original_name=row.original_name,
        content_type=row.content_type,
        size=row.size,
        licence_reference=row.licence_reference,
        uploaded_at=row.uploaded_at,
    )


def case_out(case: Case, *, verification_code: str | None = None) -> CaseOut:
    return CaseOut(
        **summary_fields(case),
        form=case.form_data,
        outcome_note=case.outcome_note,
        materials=[material_out(m) for m in selectors.materials(case)],
        supplement_requests=[
            SupplementRequestOut(
                id=r.pk, items=r.items, note=r.note, requested_at=r.requested_at, resolved_at=r.resolved_at
            )
            for r in case.supplement_requests.order_by("requested_at", "id")
        ],
        open_tasks=[task_out(t) for t in selectors.open_tasks(case)],
        events=[
            EventOut(
                kind=e.kind,
                occurred_at=e.occurred_at,
                actor=e.actor_label,
                step=e.step,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
                data=e.data,
            )
            for e in selectors.timeline(case)
        ],
        verification_code=verification_code,
    )
