"""/api/v1/cases and /api/v1/tasks: applications, materials, supplements, staff queues and decisions.

Handlers only translate: input schema → selector/service → output schema. Case references in paths
are case numbers, or a draft's identifier before it has one.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Header, Query, Router, Status, UploadedFile
from ninja.throttling import AnonRateThrottle

from govhall.cases import handling, selectors, services
from govhall.cases.models import CaseMaterial, Task
from govhall.cases.schemas import (
    AcceptIn,
    CaseIn,
    CaseOut,
    CaseSummaryOut,
    MaterialOut,
    NoteIn,
    ProvidedIn,
    ReasonIn,
    StatusQueryIn,
    StatusQueryOut,
    SubmitIn,
    SupplementIn,
    SupplementRequestIn,
    SupplementRequestOut,
    SuspendIn,
    TaskCompleteIn,
    TaskOut,
    case_out,
    material_out,
    summary_fields,
    task_out,
)
from govhall.catalog.models import ServiceItem
from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError, NotFound
from govhall.identity.models import User

router = Router(tags=["办件 cases"])

ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413, 415, 422, 429)}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _item(code: str) -> ServiceItem | None:
    return (
        ServiceItem.objects.select_related("current_version", "department")
        .filter(implementation_code=code)
        .first()
    )


def _provided(entries: list[ProvidedIn]) -> list[services.ProvidedMaterial]:
    return [
        services.ProvidedMaterial(material_id=e.material_id, kind=e.kind, reference=e.reference)
        for e in entries
    ]


# --- Applicant (and window clerk) --------------------------------------------------------------


@router.post(
    "/cases", response={200: CaseOut, 201: CaseOut, **ERRORS}, summary="申请或窗口收件 Apply / window intake"
)
def create_case(
    request: HttpRequest, payload: CaseIn, idempotency_key: str = Header("", alias="Idempotency-Key")
) -> Status:
    """Submit an application (or save a draft with ``draft: true``).

    A window clerk files for a walk-in applicant by giving ``applicant_id_number`` or
    ``applicant_uscc``. Send an ``Idempotency-Key`` header: a retry with the same key returns the
    first case (200) instead of filing a second one. The verification code for the public status
    query is in the 201 answer only.
    """
    user = _user(request)
    item = _item(payload.item)
    if payload.applicant_id_number or payload.applicant_uscc:
        result = services.window_intake(
            actor=user,
            item=item,
            form_data=payload.form,
            id_number=payload.applicant_id_number,
            uscc=payload.applicant_uscc,
            provided=_provided(payload.materials),
            idempotency_key=idempotency_key,
            submit=not payload.draft,
        )
    elif payload.draft:
        case = services.save_draft(
            actor=user, item=item, form_data=payload.form, provided=_provided(payload.materials)
        )
        result = services.SubmitResult(case=case, created=True, verification_code=None)
    else:
        result = services.submit_case(
            actor=user,
            item=item,
            form_data=payload.form,
            provided=_provided(payload.materials),
            idempotency_key=idempotency_key,
        )
    return Status(
        201 if result.created else 200, case_out(result.case, verification_code=result.verification_code)
    )


@router.get("/cases", response={200: list[CaseSummaryOut], **ERRORS}, summary="办件列表 Cases")
def list_cases(
    request: HttpRequest,
    mine: bool = Query(False, description="只看我的申请 my applications only"),
    status: str = Query("", max_length=24),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> list[CaseSummaryOut]:
    user = _user(request)
    qs = selectors.my_cases(user) if mine else selectors.visible_cases(user)
    if status:
        qs = qs.filter(status=status)
    return [CaseSummaryOut(**summary_fields(c)) for c in qs[offset : offset + limit]]


@router.post(
    "/cases/status-query",
    auth=None,
    response={200: StatusQueryOut, **ERRORS},
    throttle=[AnonRateThrottle("20/m")],
    summary="办件查询 Public status query",
)
def status_query(request: HttpRequest, payload: StatusQueryIn) -> StatusQueryOut:
    """Case number + the applicant's ID number or credit code + the verification code."""
    case = selectors.status_query(case_no=payload.case_no, identifier=payload.identifier, code=payload.code)
    return StatusQueryOut(
        case_no=case.case_no or "",
        item_name=case.item_version.name,
        status=case.status,
        status_label=case.get_status_display(),
        current_step=case.current_step,
        department=case.lead_department.name,
        submitted_at=case.submitted_at,
        promised_deadline=case.promised_deadline,
        completed_at=case.completed_at,
        events=[
            {"kind": e.kind, "occurred_at": e.occurred_at, "step": e.step} for e in selectors.timeline(case)
        ],
    )


@router.get("/cases/{reference}", response={200: CaseOut, **ERRORS}, summary="办件详情 Case")
def get_case(request: HttpRequest, reference: str) -> CaseOut:
    return case_out(selectors.get_case(_user(request), reference))


@router.post(
    "/cases/{reference}/submit",
    response={200: CaseOut, 201: CaseOut, **ERRORS},
    summary="提交草稿 Submit a draft",
)
def submit_draft(
    request: HttpRequest,
    reference: str,
    payload: SubmitIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    user = _user(request)
    draft = selectors.get_case(user, reference)
    result = services.submit_case(
        actor=user,
        draft=draft,
        form_data=payload.form,
        provided=_provided(payload.materials),
        idempotency_key=idempotency_key,
    )
    return Status(
        201 if result.created else 200, case_out(result.case, verification_code=result.verification_code)
    )


@router.post(
    "/cases/{reference}/materials", response={201: MaterialOut, **ERRORS}, summary="上传材料 Add a material"
)
def add_material(
    request: HttpRequest,
    reference: str,
    material_id: int = Form(...),
    kind: str = Form(CaseMaterial.Kind.UPLOAD),
    reference_text: str = Form("", alias="licence_reference", max_length=200),
    file: UploadedFile | None = File(None),  # noqa: B008
) -> Status:
    """Multipart: ``material_id``, ``kind`` (upload, licence, counter), ``file`` or ``licence_reference``."""
    user = _user(request)
    case = selectors.get_case(user, reference)
    row = services.attach_material(
        actor=user,
        case=case,
        material_id=material_id,
        kind=kind,
        stream=file.file if file is not None else None,
        filename=file.name or "" if file is not None else "",
        size=file.size if file is not None else None,
        reference=reference_text,
    )
    return Status(201, material_out(row))


@router.get(
    "/cases/{reference}/materials/{material_pk}/file",
    response={200: None, **ERRORS},
    summary="下载材料 Download a material",
)
def download_material(request: HttpRequest, reference: str, material_pk: int) -> FileResponse:
    case = selectors.get_case(_user(request), reference)
    row = case.materials.filter(pk=material_pk, kind=CaseMaterial.Kind.UPLOAD).first()
    if row is None or not row.file:
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


@router.post(
    "/cases/{reference}/supplement", response={200: CaseOut, **ERRORS}, summary="提交补正 Supplement"
)
def supplement(request: HttpRequest, reference: str, payload: SupplementIn) -> CaseOut:
    user = _user(request)
    case = services.resubmit_supplement(
        actor=user, case=selectors.get_case(user, reference), form_data=payload.form
    )
    return case_out(case)


@router.post("/cases/{reference}/withdraw", response={200: CaseOut, **ERRORS}, summary="撤回申请 Withdraw")
def withdraw(request: HttpRequest, reference: str, payload: ReasonIn) -> CaseOut:
    user = _user(request)
    case = services.withdraw_case(actor=user, case=selectors.get_case(user, reference), reason=payload.reason)
    return case_out(case)


@router.post(
    "/cases/{reference}/verification-code",
    response={200: dict[str, str], **ERRORS},
    summary="重新生成查询码 New query code",
)
def new_verification_code(request: HttpRequest, reference: str) -> dict[str, str]:
    user = _user(request)
    code = services.reissue_verification_code(actor=user, case=selectors.get_case(user, reference))
    return {"verification_code": code}


# --- Staff ---------------------------------------------------------------------------------------


@router.post("/cases/{reference}/accept", response={200: CaseOut, **ERRORS}, summary="受理 Accept")
def accept(request: HttpRequest, reference: str, payload: AcceptIn) -> CaseOut:
    user = _user(request)
    case = handling.accept_case(
        actor=user,
        case=selectors.get_case(user, reference),
        decision=payload.decision,
        opinion=payload.opinion,
    )
    return case_out(case)


@router.post("/cases/{reference}/reject", response={200: CaseOut, **ERRORS}, summary="不予受理 Reject")
def reject(request: HttpRequest, reference: str, payload: ReasonIn) -> CaseOut:
    user = _user(request)
    case = handling.reject_case(actor=user, case=selectors.get_case(user, reference), reason=payload.reason)
    return case_out(case)


@router.post(
    "/cases/{reference}/supplement-request",
    response={201: SupplementRequestOut, **ERRORS},
    summary="补正告知 Request a supplement",
)
def supplement_request(request: HttpRequest, reference: str, payload: SupplementRequestIn) -> Status:
    user = _user(request)
    row = handling.request_supplement(
        actor=user,
        case=selectors.get_case(user, reference),
        items=[
            handling.SupplementItem(name=i.name, reason=i.reason, material_id=i.material_id, field=i.field)
            for i in payload.items
        ],
        note=payload.note,
    )
    return Status(
        201,
        SupplementRequestOut(
            id=row.pk,
            items=row.items,
            note=row.note,
            requested_at=row.requested_at,
            resolved_at=row.resolved_at,
        ),
    )


@router.post("/cases/{reference}/suspend", response={200: CaseOut, **ERRORS}, summary="特别程序 Suspend")
def suspend(request: HttpRequest, reference: str, payload: SuspendIn) -> CaseOut:
    user = _user(request)
    case = selectors.get_case(user, reference)
    handling.suspend_for_special_procedure(
        actor=user, case=case, procedure_id=payload.procedure_id, reason=payload.reason
    )
    return case_out(selectors.get_case(user, reference))


@router.post("/cases/{reference}/resume", response={200: CaseOut, **ERRORS}, summary="结束特别程序 Resume")
def resume(request: HttpRequest, reference: str, payload: NoteIn) -> CaseOut:
    user = _user(request)
    case = handling.resume_case(actor=user, case=selectors.get_case(user, reference), note=payload.note)
    return case_out(case)


@router.post("/cases/{reference}/complete", response={200: CaseOut, **ERRORS}, summary="办结 Complete")
def complete(request: HttpRequest, reference: str, payload: NoteIn) -> CaseOut:
    user = _user(request)
    case = handling.complete_case(actor=user, case=selectors.get_case(user, reference), note=payload.note)
    return case_out(case)


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="本部门待办 My department's queue")
def list_tasks(
    request: HttpRequest,
    mine: bool = Query(False, description="只看我领取的 claimed by me"),
    limit: int = Query(100, ge=1, le=500),
) -> list[TaskOut]:
    return [task_out(t) for t in selectors.task_queue(_user(request), mine=mine)[:limit]]


@router.post("/tasks/{task_id}/claim", response={200: TaskOut, **ERRORS}, summary="领取 Claim")
def claim(request: HttpRequest, task_id: int) -> TaskOut:
    user = _user(request)
    task = handling.claim_task(actor=user, task=selectors.get_task(user, task_id))
    return task_out(
        Task.objects.select_related("case__item_version", "candidate_department", "assignee").get(pk=task.pk)
    )


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS}, summary="办理 Complete a task")
def complete_task(request: HttpRequest, task_id: int, payload: TaskCompleteIn) -> TaskOut:
    """``action``: one of the task's ``allowed_actions`` or ``transfer`` (with ``transfer_to``).

    Two people completing the same task at once: one succeeds, the other gets 409
    ``task_already_completed``.
    """
    user = _user(request)
    task = selectors.get_task(user, task_id)
    transfer_to = None
    if payload.action == "transfer":
        transfer_to = User.objects.filter(username=payload.transfer_to).first()
        if transfer_to is None:
            raise DomainError(
                "invalid_transfer",
                "转办对象不存在",
                "no such user to transfer to",
                status=422,
                details={"fields": [{"field": "transfer_to", "code": "invalid_transfer"}]},
            )
    done = handling.complete_task(
        actor=user, task=task, action=payload.action, opinion=payload.opinion, transfer_to=transfer_to
    )
    return task_out(
        Task.objects.select_related("case__item_version", "candidate_department", "assignee").get(pk=done.pk)
    )
