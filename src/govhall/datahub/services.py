"""Writes to the base databases: field sources, data officers, record edits, contributions, and the
audited reads of personal records (a read of a person is itself an event worth keeping).

Each call is one transaction with its audit event. Bulk imports are in :mod:`govhall.datahub.importing`,
the catalogue and exchange in :mod:`govhall.datahub.exchange`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.crypto import lookup_hash
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.datahub import permissions as hub_permissions
from govhall.datahub import subscriptions
from govhall.datahub.datasets import DATASETS, key_lookup, record_key, record_label, spec_of
from govhall.datahub.models import (
    BaseRecord,
    ContributedUpdate,
    DataOfficer,
    Dataset,
    FieldSource,
    PersonRecord,
)
from govhall.datahub.records import Planned, coerce_for_model, load_sources, plan_row
from govhall.datahub.subscriptions import Change
from govhall.datahub.validators import RowError, validate_row
from govhall.identity.models import Department, Role, User

MIN_PURPOSE_LENGTH = 4


def _denied(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied("forbidden", zh, en)


def require_officer(actor: Any, department: Department) -> None:
    if not hub_permissions.is_officer_of(actor, department.pk):
        raise _denied(
            f"您不是{department.name}的数据专员", f"you are not a data officer of {department.name}"
        )


def row_error(exc: RowError) -> DomainError:
    return DomainError(
        "invalid_value",
        exc.message_zh,
        exc.message_en,
        status=422,
        details={"field": exc.field} if exc.field else None,
    )


# --- Configuration ---------------------------------------------------------------------------


def set_field_source(
    *, actor: Any, dataset: str, field: str, department: Department, note: str = ""
) -> FieldSource:
    """Name the authoritative department of a field (for macro figures: of an indicator code)."""
    if not permissions.is_platform_admin(actor):
        raise _denied(
            "只有平台管理员可以指定权威来源部门", "only a platform administrator names field sources"
        )
    spec = spec_of(dataset)
    if not spec.field_sources:
        raise DomainError(
            "no_field_sources",
            "信用记录由作出决定的部门负责，不设字段来源",
            "credit records belong to the deciding department and take no field sources",
        )
    if dataset != Dataset.MACRO and not spec.has_field(field):
        raise DomainError(
            "unknown_field", "该基础库没有这个字段", "the dataset has no such field", status=422
        )
    with transaction.atomic():
        source = FieldSource.objects.select_for_update().filter(dataset=dataset, field=field).first()
        before = None if source is None else {"department": source.department_id}
        if source is None:
            source = FieldSource(dataset=dataset, field=field)
        source.department = department
        source.note = note
        source.save()
        record_event(
            actor=actor,
            action="datahub.field_source.set",
            obj=source,
            before=before,
            after={"dataset": dataset, "field": field, "department": department.pk, "note": note},
        )
    return source


def appoint_data_officer(*, actor: Any, user: User, department: Department) -> DataOfficer:
    allowed = permissions.is_platform_admin(actor) or permissions.has_role(
        actor, Role.DEPARTMENT_ADMIN, department
    )
    if not allowed:
        raise _denied("只有部门管理员可以任命数据专员", "only a department admin appoints data officers")
    if user.kind != User.Kind.STAFF or not user.memberships.filter(department=department).exists():
        raise DomainError(
            "not_department_staff",
            "数据专员须是本部门工作人员",
            "a data officer must be a staff member of the department",
            status=422,
        )
    with transaction.atomic():
        officer, created = DataOfficer.objects.get_or_create(
            user=user, department=department, defaults={"appointed_by": actor}
        )
        if created:
            record_event(
                actor=actor,
                action="datahub.data_officer.appoint",
                obj=officer,
                after={"user": user.pk, "department": department.pk},
            )
    hub_permissions.forget(user)
    return officer


def revoke_data_officer(*, actor: Any, officer: DataOfficer) -> None:
    if not permissions.restrict(DataOfficer.objects.filter(pk=officer.pk), actor, "revoke").exists():
        raise _denied("只有部门管理员可以撤销数据专员", "only a department admin revokes data officers")
    with transaction.atomic():
        record_event(
            actor=actor,
            action="datahub.data_officer.revoke",
            obj=officer,
            before={"user": officer.user_id, "department": officer.department_id},
        )
        officer.delete()
    hub_permissions.forget(officer.user)


# --- Records ---------------------------------------------------------------------------------


def _snapshot(plan: Planned) -> dict[str, Any]:
    return {
        "created": plan.created,
        "changed": plan.changed,
        "contributions": [c.field for c in plan.contributions],
    }


def save_record(*, actor: Any, department: Department, dataset: str, values: Mapping[str, Any]) -> Planned:
    """Write one record's values as ``department``: its own fields apply, others go to their source."""
    require_officer(actor, department)
    spec = spec_of(dataset)
    try:
        clean = validate_row(spec, values)
    except RowError as exc:
        raise row_error(exc) from None
    key = record_key(dataset, clean, department_code=department.code)
    with transaction.atomic():
        existing = spec.model._default_manager.select_for_update().filter(record_key=key).first()
        pending = set(
            ContributedUpdate.objects.filter(
                dataset=dataset,
                record_key=key,
                contributor_department=department,
                status=ContributedUpdate.Status.PENDING,
            ).values_list("record_key", "field", "proposed_hash")
        )
        try:
            plan = plan_row(
                spec=spec,
                values=clean,
                existing=existing,
                department=department,
                sources=load_sources(dataset),
                contributor_id=actor.pk,
                pending=pending,
            )
        except RowError as exc:
            raise row_error(exc) from None
        if plan.created or plan.changed:
            plan.record.save()
            subscriptions.record_changes(
                dataset=dataset,
                changes=[Change(plan.record.record_key, frozenset(plan.changed), plan.created)],
            )
        ContributedUpdate.objects.bulk_create(plan.contributions)
        record_event(
            actor=actor,
            action=f"datahub.{dataset}.save",
            obj=plan.record if plan.record.pk else f"datahub.{dataset}",
            object_id=plan.record.pk or key[:64],
            after={"department": department.pk, **_snapshot(plan)},
        )
    return plan


def decide_contribution(
    *, actor: Any, contribution: ContributedUpdate, accept: bool, note: str = ""
) -> ContributedUpdate:
    """The source department confirms (applies) or rejects another department's value."""
    with transaction.atomic():
        locked = ContributedUpdate.objects.select_for_update().get(pk=contribution.pk)
        if not permissions.can_act(actor, locked, "decide"):
            raise _denied(
                "只有权威来源部门的数据专员可以处理", "only the source department's data officer decides"
            )
        spec = spec_of(locked.dataset)
        record = spec.model._default_manager.select_for_update().filter(record_key=locked.record_key).first()
        if accept and record is None:
            raise NotFound("record_not_found", "记录不存在", "the record no longer exists")
        before: dict[str, Any] = {"status": locked.status}
        if accept and record is not None:
            before["value"] = locked.current_display
            record.assign(locked.field, coerce_for_model(record, locked.field, locked.proposed_value))
            record.save()
            subscriptions.record_changes(
                dataset=locked.dataset, changes=[Change(record.record_key, frozenset({locked.field}))]
            )
        locked.status = ContributedUpdate.Status.CONFIRMED if accept else ContributedUpdate.Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_event(
            actor=actor,
            action="datahub.contribution." + ("confirm" if accept else "reject"),
            obj=locked,
            before=before,
            after={
                "status": locked.status,
                "field": locked.field,
                "value": locked.proposed_display,
                "record": record.pk if record else None,
                "note": note,
            },
        )
    return locked


# --- Personal records ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    record_id: int
    masked: bool
    values: dict[str, Any]


def read_person(*, actor: Any, id_number: str, purpose: str, unmasked: bool = False) -> PersonView:
    """One person's record for a stated purpose, masked unless asked otherwise; always audited."""
    if Dataset.POPULATION not in hub_permissions.source_datasets(actor):
        raise _denied("您无权查阅人口基础信息", "you may not read the population base")
    purpose = purpose.strip()
    if len(purpose) < MIN_PURPOSE_LENGTH:
        raise DomainError(
            "purpose_required",
            "查阅个人信息须说明用途",
            "state the purpose of reading a person's record",
            status=422,
            details={"field": "purpose"},
        )
    record = PersonRecord.objects.filter(record_key=key_lookup(Dataset.POPULATION, id_number)).first()
    with transaction.atomic():
        record_event(
            actor=actor,
            action="datahub.population.read",
            obj=record if record is not None else "datahub.personrecord",
            object_id=record.pk if record is not None else "",
            after={"purpose": purpose, "unmasked": unmasked, "found": record is not None},
        )
    if record is None:
        raise NotFound(
            "person_not_found", "人口库中没有该身份证号码", "no such ID number in the population base"
        )
    read = record.value_of if unmasked else record.masked_value_of
    values = {name: read(name) for name in DATASETS[Dataset.POPULATION].field_names}
    return PersonView(record_id=record.pk, masked=not unmasked, values=values)


def verify_real_name(id_number: str, name: str, *, actor: Any = None) -> bool:
    """Whether the population base knows a living person with this ID number and this name.

    Answers only yes or no, so callers (identity's L2 verification) learn nothing else; each check
    is audited with the masked number.
    """
    number = id_number.strip().upper()
    record = PersonRecord.objects.filter(id_number_hash=lookup_hash(number)).first() if number else None
    matched = bool(
        record is not None
        and record.status == PersonRecord.Status.NORMAL
        and record.value_of("name") == name.strip()
    )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="datahub.population.verify_real_name",
            obj="datahub.personrecord",
            object_id=record.pk if record is not None else "",
            after={"id_number": record.id_number_masked if record else "", "matched": matched},
        )
    return matched


def label_of(dataset: str, record: BaseRecord) -> str:
    return record_label(dataset, record)
