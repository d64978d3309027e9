"""Applicant-side writes: drafts, submission (online and at the window), materials, supplements,
withdrawal. Each call is one transaction that locks the case, writes a timeline event and an audit
event. Staff decisions are in :mod:`govhall.cases.handling`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.core.files.base import File
from django.db import IntegrityError, transaction

from govhall.cases import deadlines, forms, uploads
from govhall.cases.models import UNDECIDED_STATUSES, Case, CaseMaterial, SupplementRequest, case_upload_path
from govhall.cases.transitions import (
    cancel_process,
    extend_open_tasks,
    forbidden,
    lock_case,
    log,
    next_case_number,
    participants_of,
    require,
    snapshot,
    start_process,
    wrong_status,
)
from govhall.catalog.models import ItemVersion, Material, ServiceItem, Target
from govhall.catalog.services import note_item_used
from govhall.core import permissions
from govhall.core.crypto import lookup_hash
from govhall.core.errors import Conflict, DomainError, NotFound
from govhall.identity.models import Role, User
from govhall.licences import reuse as licence_reuse

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_IDEMPOTENCY_KEY = 80


@dataclass(frozen=True)
class ProvidedMaterial:
    """A material satisfied without a file: by an electronic licence or shown at the counter."""

    material_id: int
    kind: str  # CaseMaterial.Kind.LICENCE or COUNTER
    reference: str = ""


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    created: bool
    # Shown once: only its keyed hash is stored. None when a retried submission replays.
    verification_code: str | None


def _field_error(code: str, field: str, zh: str, en: str, *, status: int = 422) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=status,
        details={"fields": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]},
    )


def applicant_kind_of(user: User) -> str:
    if user.kind == User.Kind.CITIZEN:
        return Case.ApplicantKind.PERSON
    if user.kind == User.Kind.ENTERPRISE:
        return Case.ApplicantKind.LEGAL
    raise _field_error(
        "applicant_not_eligible", "applicant", "工作人员账号不能作为申请人", "a staff account cannot apply"
    )


def published_version(item: ServiceItem | None) -> ItemVersion:
    if item is None:
        raise _field_error("unknown_item", "item", "事项不存在", "no such item", status=404)
    version = item.current_version
    if version is None or version.status != ItemVersion.Status.PUBLISHED:
        raise _field_error(
            "item_not_published", "item", "该事项未发布，不能申请", "the item is not published"
        )
    return version


def _check_target(version: ItemVersion, kind: str) -> None:
    if version.target == Target.BOTH or version.target == kind:
        return
    if version.target == Target.LEGAL:
        zh, en = "该事项仅面向法人（企业）办理", "this item is for legal persons (enterprises) only"
    else:
        zh, en = "该事项仅面向自然人办理", "this item is for natural persons only"
    raise _field_error("wrong_applicant_kind", "applicant", zh, en)


def _identity_hash(user: User) -> str:
    if user.kind == User.Kind.ENTERPRISE:
        return lookup_hash(user.uscc) if user.uscc else ""
    return user.id_number_hash


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_hash(case_no: str, code: str) -> str:
    return lookup_hash(f"{case_no}|{code.strip().upper()}")


def _provide(case: Case, provided: Sequence[ProvidedMaterial], *, actor: Any, at: datetime) -> None:
    materials = {m.pk: m for m in case.item_version.materials.all()}
    for entry in provided:
        material = materials.get(entry.material_id)
        if material is None:
            raise _field_error(
                "unknown_material",
                f"materials.{entry.material_id}",
                "该事项没有此材料",
                "not a material of this item",
            )
        _check_provision(material, entry.kind, entry.reference)
        # Licence reuse: an electronic licence identifier must name a valid licence the applicant holds.
        reference = licence_reuse.checked_reference(
            case=case, material=material, kind=entry.kind, reference=entry.reference, actor=actor
        )
        CaseMaterial.objects.create(
            case=case,
            material=material,
            kind=entry.kind,
            licence_reference=reference.strip()[:200],
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            uploaded_at=at,
        )


def _check_provision(material: Material, kind: str, reference: str) -> None:
    field = f"materials.{material.pk}"
    if kind == CaseMaterial.Kind.LICENCE:
        if material.source != Material.Source.LICENCE:
            raise _field_error(
                "licence_not_accepted",
                field,
                "该材料不能以电子证照代替",
                "no licence can replace this material",
            )
        if not reference.strip():
            raise _field_error(
                "licence_reference_required", field, "请填写电子证照编号", "the licence number is required"
            )
    elif kind == CaseMaterial.Kind.COUNTER:
        if material.medium == Material.Medium.ELECTRONIC:
            raise _field_error(
                "counter_not_accepted", field, "该材料须提交电子件", "this material must be electronic"
            )
    elif kind != CaseMaterial.Kind.UPLOAD:
        raise _field_error(
            "invalid_material_kind", field, "材料提供方式无效", "unknown way of providing a material"
        )


def _check_complete(case: Case) -> None:
    problems = forms.validate_form(case.form_data, forms.schema_for(case.item_version))
    provided = set(case.materials.values_list("material_id", flat=True))
    for material in case.item_version.materials.filter(required=True):
        if material.pk not in provided:
            problems.append(
                forms.FieldProblem(
                    f"materials.{material.pk}",
                    "material_missing",
                    f"缺少必要材料「{material.name}」",
                    f"the required material '{material.name}' is missing",
                )
            )
    if problems:
        raise forms.invalid_application(problems)


def _check_form_shape(form_data: Any) -> dict[str, Any]:
    if not isinstance(form_data, dict):
        raise _field_error("invalid_form", "form", "申请表格式错误", "the form must be an object")
    if len(repr(form_data).encode("utf-8")) > forms.MAX_FORM_BYTES:
        raise _field_error("form_too_large", "form", "申请表内容过多", "the form is too large")
    return form_data


def _check_idempotency_key(key: str) -> str:
    key = key.strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise _field_error(
            "invalid_idempotency_key", "Idempotency-Key", "幂等键过长", "the idempotency key is too long"
        )
    return key


def save_draft(
    *,
    actor: User,
    item: ServiceItem | None,
    form_data: dict[str, Any],
    draft: Case | None = None,
    provided: Sequence[ProvidedMaterial] = (),
    applicant: User | None = None,
    channel: str = Case.Channel.ONLINE,
) -> Case:
    """Create a draft, or replace an existing draft's form; nothing is validated beyond shape."""
    form_data = _check_form_shape(form_data)
    at = deadlines.now()
    with transaction.atomic():
        if draft is not None:
            case = lock_case(draft)
            require(actor, case, "edit")
            if case.status != Case.Status.DRAFT:
                raise wrong_status(case, "修改", "edit")
            before = snapshot(case)
            case.form_data = form_data
            case.save(update_fields=["form_data", "updated_at"])
            _provide(case, provided, actor=actor, at=at)
            log(case, actor=actor, kind="draft_saved", at=at, from_status=case.status, before=before)
            return case
        version = published_version(item)
        assert item is not None
        applicant = applicant or actor
        kind = applicant_kind_of(applicant)
        _check_target(version, kind)
        if channel == Case.Channel.ONLINE and not version.can_apply_online:
            raise _field_error(
                "not_online", "item", "该事项不支持网上申请", "this item cannot be applied for online"
            )
        case = Case.objects.create(
            applicant=applicant,
            applicant_kind=kind,
            applicant_name=applicant.display_name or applicant.username,
            applicant_id_hash=_identity_hash(applicant),
            filed_by=actor,
            item=item,
            item_version=version,
            lead_department=item.department,
            channel=channel,
            form_data=form_data,
        )
        _provide(case, provided, actor=actor, at=at)
        log(case, actor=actor, kind="draft_created", at=at)
    return case


def submit_case(
    *,
    actor: User,
    item: ServiceItem | None = None,
    draft: Case | None = None,
    form_data: dict[str, Any] | None = None,
    provided: Sequence[ProvidedMaterial] = (),
    idempotency_key: str = "",
    applicant: User | None = None,
    channel: str = Case.Channel.ONLINE,
) -> SubmitResult:
    """File an application: a new one (``item`` + ``form_data``) or a saved ``draft``.

    With an ``idempotency_key``, a retry of the same submission by the same applicant returns the
    case of the first one and changes nothing.
    """
    key = _check_idempotency_key(idempotency_key)
    owner = applicant or (draft.applicant if draft is not None else actor)
    if key:
        replay = _replay(owner, key, item=item, draft=draft)
        if replay is not None:
            return replay
    at = deadlines.now()
    with transaction.atomic():
        if draft is None:
            try:
                with transaction.atomic():
                    case = save_draft(
                        actor=actor,
                        item=item,
                        form_data=form_data or {},
                        provided=provided,
                        applicant=owner,
                        channel=channel,
                    )
                    if key:
                        case.idempotency_key = key
                        case.save(update_fields=["idempotency_key"])
            except IntegrityError:
                replay = _replay(owner, key, item=item, draft=None) if key else None
                if replay is None:
                    raise
                return replay
        else:
            case = lock_case(draft)
            require(actor, case, "submit")
            if case.status != Case.Status.DRAFT:
                if key and case.idempotency_key == key:
                    # The first of two racing retries won while this one waited for the lock.
                    return SubmitResult(case=case, created=False, verification_code=None)
                raise Conflict("already_submitted", "该申请已提交", "the application was submitted already")
            if form_data is not None:
                case.form_data = _check_form_shape(form_data)
            _provide(case, provided, actor=actor, at=at)
            if key:
                case.idempotency_key = key
        version = published_version(case.item)
        if version.pk != case.item_version_id:
            raise Conflict(
                "item_changed",
                "事项办事指南已更新，请按新版指南重新填写申请",
                "the item's guide changed since the draft was saved; start a new application",
            )
        _check_complete(case)
        code = new_verification_code()
        case.case_no = next_case_number(case.lead_department, at)
        case.verification_code_hash = verification_hash(case.case_no, code)
        case.status = Case.Status.SUBMITTED
        case.submitted_at = at
        case.save()
        participants = participants_of(case.item_version, case.lead_department)
        if participants:
            case.participant_departments.set(participants)
        start_process(case, participants=participants, at=at)
        case.save(update_fields=["process_template", "workflow_state", "current_step", "updated_at"])
        note_item_used(item=case.item)
        log(case, actor=actor, kind="submitted", at=at, from_status=Case.Status.DRAFT)
    return SubmitResult(case=case, created=True, verification_code=code)


def _replay(owner: User, key: str, *, item: ServiceItem | None, draft: Case | None) -> SubmitResult | None:
    existing = Case.objects.filter(applicant=owner, idempotency_key=key).first()
    if existing is None:
        return None
    same = (
        existing.pk == draft.pk if draft is not None else (item is not None and existing.item_id == item.pk)
    )
    if not same:
        raise Conflict(
            "idempotency_key_reused",
            "该幂等键已用于另一份申请",
            "this idempotency key was used for a different application",
        )
    if existing.status == Case.Status.DRAFT:
        return None
    return SubmitResult(case=existing, created=False, verification_code=None)


def window_intake(
    *,
    actor: User,
    item: ServiceItem | None,
    form_data: dict[str, Any],
    id_number: str = "",
    uscc: str = "",
    provided: Sequence[ProvidedMaterial] = (),
    idempotency_key: str = "",
    submit: bool = True,
) -> SubmitResult:
    """A window clerk files a case for a walk-in person (ID number) or enterprise (credit code).

    With ``submit=False`` the clerk gets a draft to attach scanned materials to, then submits it.
    """
    version = published_version(item)
    assert item is not None
    if not permissions.has_role(actor, Role.WINDOW_CLERK, item.department_id):
        raise forbidden()
    applicant = find_applicant(id_number=id_number, uscc=uscc)
    _check_target(version, applicant_kind_of(applicant))
    if not submit:
        case = save_draft(
            actor=actor,
            item=item,
            form_data=form_data,
            provided=provided,
            applicant=applicant,
            channel=Case.Channel.WINDOW,
        )
        return SubmitResult(case=case, created=True, verification_code=None)
    return submit_case(
        actor=actor,
        item=item,
        form_data=form_data,
        provided=provided,
        idempotency_key=idempotency_key,
        applicant=applicant,
        channel=Case.Channel.WINDOW,
    )


def find_applicant(*, id_number: str = "", uscc: str = "") -> User:
    if id_number.strip():
        user = User.objects.filter(
            id_number_hash=lookup_hash(id_number), kind=User.Kind.CITIZEN, is_active=True
        ).first()
        field = "id_number"
    elif uscc.strip():
        user = User.objects.filter(
            uscc=uscc.strip().upper(), kind=User.Kind.ENTERPRISE, is_active=True
        ).first()
        field = "uscc"
    else:
        raise _field_error(
            "applicant_required",
            "id_number",
            "请提供身份证号或统一社会信用代码",
            "an ID number or credit code is required",
        )
    if user is None:
        raise NotFound(
            "applicant_not_found",
            "未找到该申请人，请先为其注册账号",
            "no registered applicant with this identifier",
            status=404,
            details={"fields": [{"field": field, "code": "applicant_not_found"}]},
        )
    return user


ATTACHABLE = frozenset({Case.Status.DRAFT, Case.Status.SUPPLEMENT_REQUESTED})


def attach_material(
    *,
    actor: User,
    case: Case,
    material_id: int,
    kind: str = CaseMaterial.Kind.UPLOAD,
    stream: IO[bytes] | None = None,
    filename: str = "",
    size: int | None = None,
    reference: str = "",
) -> CaseMaterial:
    """Add a material to a draft or to a case waiting for its supplement."""
    checked = None
    stored = ""
    storage = CaseMaterial._meta.get_field("file").storage
    if kind == CaseMaterial.Kind.UPLOAD:
        if stream is None:
            raise _field_error("file_required", "file", "请选择要上传的文件", "a file is required")
        checked = uploads.check_upload(stream, size=size)
    at = deadlines.now()
    try:
        with transaction.atomic():
            locked = lock_case(case)
            require(actor, locked, "upload")
            if locked.status not in ATTACHABLE:
                raise wrong_status(locked, "补充材料", "add materials to")
            material = locked.item_version.materials.filter(pk=material_id).first()
            if material is None:
                raise _field_error(
                    "unknown_material", "material_id", "该事项没有此材料", "not a material of this item"
                )
            _check_provision(material, kind, reference)
            # Licence reuse: an electronic licence identifier must name a valid licence the applicant holds.
            reference = licence_reuse.checked_reference(
                case=locked, material=material, kind=kind, reference=reference, actor=actor
            )
            row = CaseMaterial(
                case=locked,
                material=material,
                kind=kind,
                licence_reference=reference.strip()[:200],
                uploaded_by=actor,
                uploaded_at=at,
            )
            if checked is not None and stream is not None:
                # Written only after the checks above, under a random name (see case_upload_path).
                stored = storage.save(case_upload_path(row, ""), File(stream))
                row.file.name = stored
                row.original_name = (filename or "")[-200:]
                row.content_type = checked.content_type
                row.size = checked.size
                row.sha256 = checked.sha256
            row.save()
            log(
                locked,
                actor=actor,
                kind="material_added",
                at=at,
                from_status=locked.status,
                note=material.name,
                data={
                    "material_id": material.pk,
                    "kind": kind,
                    "content_type": row.content_type,
                    "size": row.size,
                },
            )
    except BaseException:
        # Nothing of a failed call stays behind, the stored file included.
        if stored:
            storage.delete(stored)
        raise
    return row


def resubmit_supplement(
    *, actor: User, case: Case, form_data: dict[str, Any] | None = None, note: str = ""
) -> Case:
    """The applicant answers the open supplement request, with a note; a stopped clock starts again."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "supplement")
        if locked.status != Case.Status.SUPPLEMENT_REQUESTED:
            raise wrong_status(locked, "补正", "supplement")
        request = (
            locked.supplement_requests.filter(resolved_at__isnull=True).order_by("-requested_at").first()
        )
        if request is None:
            raise wrong_status(locked, "补正", "supplement")
        before = snapshot(locked)
        if form_data is not None:
            locked.form_data = _check_form_shape(form_data)
        missing = _still_missing(locked, request)
        if missing:
            raise forms.invalid_application(missing)
        _check_complete(locked)
        days = 0
        if request.clock_was_running and locked.paused_since is not None:
            days = deadlines.paused_working_days(locked.paused_since, at)
            locked.promised_deadline = deadlines.extend(locked.promised_deadline, days)
            locked.statutory_deadline = deadlines.extend(locked.statutory_deadline, days)
            locked.paused_working_days += days
            locked.paused_since = None
            extend_open_tasks(locked, days)
        request.resolved_at = at
        request.paused_working_days = days
        request.save(update_fields=["resolved_at", "paused_working_days"])
        locked.status = Case.Status.IN_REVIEW if locked.accepted_at else Case.Status.SUBMITTED
        locked.save()
        log(
            locked,
            actor=actor,
            kind="supplemented",
            at=at,
            from_status=Case.Status.SUPPLEMENT_REQUESTED,
            before=before,
            note=note.strip()[:2000],
            data={"paused_working_days": days},
        )
    return locked


def _still_missing(case: Case, request: SupplementRequest) -> list[forms.FieldProblem]:
    problems = []
    for entry in request.items:
        material_id = entry.get("material_id")
        if (
            material_id
            and not case.materials.filter(
                material_id=material_id, uploaded_at__gte=request.requested_at
            ).exists()
        ):
            name = entry.get("name", "")
            problems.append(
                forms.FieldProblem(
                    f"materials.{material_id}",
                    "supplement_missing",
                    f"请按补正告知重新提供「{name}」",
                    f"provide '{name}' again as the supplement request asks",
                )
            )
    return problems


def withdraw_case(*, actor: User, case: Case, reason: str = "") -> Case:
    """The applicant withdraws an application that has not been decided yet."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "withdraw")
        if locked.status not in UNDECIDED_STATUSES:
            raise wrong_status(locked, "撤回", "withdraw")
        before = snapshot(locked)
        from_status = locked.status
        cancel_process(locked)
        locked.status = Case.Status.WITHDRAWN
        locked.paused_since = None
        locked.save()
        log(locked, actor=actor, kind="withdrawn", at=at, from_status=from_status, before=before, note=reason)
    return locked


def reissue_verification_code(*, actor: User, case: Case) -> str:
    """A new status-query code for the applicant; the old one stops working."""
    at = deadlines.now()
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "reissue_code")
        if not locked.case_no:
            raise wrong_status(locked, "生成查询码", "issue a query code for")
        code = new_verification_code()
        locked.verification_code_hash = verification_hash(locked.case_no, code)
        locked.save(update_fields=["verification_code_hash", "updated_at"])
        log(locked, actor=actor, kind="verification_code_reissued", at=at, from_status=locked.status)
    return code
