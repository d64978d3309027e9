"""Base databases: one datum one source, contributions, audited reads of people, real-name checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.datahub import selectors, services
from govhall.datahub.models import ContributedUpdate, DataOfficer, Dataset, LegalPersonRecord, PersonRecord
from govhall.identity.models import Department, User
from govhall.testing.factories import MembershipFactory, StaffFactory, random_id_number, random_uscc

pytestmark = pytest.mark.django_db


def register_person(officer: User, gaj: Department, **values: Any) -> PersonRecord:
    row = {
        "id_number": random_id_number("445302"),
        "name": "张三",
        "address": "云浮市云城区河滨路12号",
        **values,
    }
    plan = services.save_record(actor=officer, department=gaj, dataset=Dataset.POPULATION, values=row)
    assert plan.created and not plan.contributions
    record = plan.record
    assert isinstance(record, PersonRecord)
    return record


def test_person_fields_are_encrypted_masked_and_derived_from_the_id_number(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    id_number = random_id_number("445302")
    record = register_person(gaj_officer, gaj, id_number=id_number, name="欧阳娜娜")
    stored = PersonRecord.objects.get(pk=record.pk)
    assert id_number not in stored.id_number_encrypted and "欧阳" not in stored.name_encrypted
    assert stored.id_number_masked == id_number[:4] + "*" * 10 + id_number[-4:]
    assert stored.name_masked == "欧***"
    assert stored.address_masked == "云浮市云城区****"
    assert stored.value_of("id_number") == id_number and stored.value_of("name") == "欧阳娜娜"
    # Birth date and sex come from the number when the row leaves them out.
    assert stored.birth_date is not None and f"{stored.birth_date:%Y%m%d}" == id_number[6:14]
    assert stored.sex == ("M" if int(id_number[16]) % 2 else "F")


def test_a_row_that_contradicts_the_id_number_is_refused(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    id_number = random_id_number("445302")
    wrong_sex = "F" if int(id_number[16]) % 2 else "M"
    with pytest.raises(DomainError) as caught:
        services.save_record(
            actor=gaj_officer,
            department=gaj,
            dataset=Dataset.POPULATION,
            values={"id_number": id_number, "name": "李四", "sex": wrong_sex},
        )
    assert caught.value.code == "invalid_value" and caught.value.details == {"field": "sex"}
    assert not PersonRecord.objects.exists()


def test_only_the_registrar_creates_records(sources: None, mzj: Department, mzj_officer: User) -> None:
    with pytest.raises(DomainError) as caught:
        services.save_record(
            actor=mzj_officer,
            department=mzj,
            dataset=Dataset.POPULATION,
            values={"id_number": random_id_number(), "name": "王五"},
        )
    assert "source department registers" in caught.value.message_en


def test_without_a_configured_source_nobody_writes(gaj: Department, gaj_officer: User) -> None:
    with pytest.raises(DomainError) as caught:
        services.save_record(
            actor=gaj_officer,
            department=gaj,
            dataset=Dataset.POPULATION,
            values={"id_number": random_id_number(), "name": "王五"},
        )
    assert "no source department" in caught.value.message_en


def test_another_departments_value_waits_for_the_source_and_is_applied_on_confirmation(
    sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User
) -> None:
    person = register_person(gaj_officer, gaj)
    id_number = person.value_of("id_number")
    plan = services.save_record(
        actor=mzj_officer,
        department=mzj,
        dataset=Dataset.POPULATION,
        values={"id_number": id_number, "status": "deceased", "name": "张三"},
    )
    # Same name: nothing to contribute; different status: one pending contribution, not applied.
    assert [c.field for c in plan.contributions] == ["status"]
    person.refresh_from_db()
    assert person.status == PersonRecord.Status.NORMAL
    contribution = ContributedUpdate.objects.get()
    assert contribution.source_department == gaj and contribution.contributor_department == mzj
    assert contribution.current_display == "normal" and contribution.proposed_display == "deceased"
    assert id_number not in contribution.record_label

    # Offering the same value again does not queue a second copy.
    services.save_record(
        actor=mzj_officer,
        department=mzj,
        dataset=Dataset.POPULATION,
        values={"id_number": id_number, "status": "deceased"},
    )
    assert ContributedUpdate.objects.count() == 1

    with pytest.raises(PermissionDenied):
        services.decide_contribution(actor=mzj_officer, contribution=contribution, accept=True)
    services.decide_contribution(
        actor=gaj_officer, contribution=contribution, accept=True, note="火化证明已核"
    )
    person.refresh_from_db()
    assert person.status == PersonRecord.Status.DECEASED
    event = AuditEvent.objects.filter(action="datahub.contribution.confirm").get()
    assert event.after["value"] == "deceased" and event.before == {"status": "pending", "value": "normal"}


def test_rejected_contributions_change_nothing_and_personal_proposals_stay_sealed(
    sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User
) -> None:
    person = register_person(gaj_officer, gaj)
    services.save_record(
        actor=mzj_officer,
        department=mzj,
        dataset=Dataset.POPULATION,
        values={"id_number": person.value_of("id_number"), "address": "云浮市罗定市新民路8号"},
    )
    contribution = ContributedUpdate.objects.get()
    assert (
        "新民路" not in contribution.proposed_encrypted
        and contribution.proposed_display == "云浮市罗定市****"
    )
    services.decide_contribution(
        actor=gaj_officer, contribution=contribution, accept=False, note="与户籍不符"
    )
    person.refresh_from_db()
    assert person.value_of("address") == "云浮市云城区河滨路12号"
    assert AuditEvent.objects.filter(
        action="datahub.contribution.reject", object_id=str(contribution.pk)
    ).exists()
    assert not selectors.conflicts(gaj_officer)


def test_conflicts_list_each_field_once_with_every_proposal(
    sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User, swuju: Department
) -> None:
    person = register_person(gaj_officer, gaj)
    swuju_officer = StaffFactory(username="tax_officer")
    MembershipFactory(user=swuju_officer, department=swuju, role="department_admin")
    for officer, department, division in ((mzj_officer, mzj, "445381"), (swuju_officer, swuju, "445321")):
        services.save_record(
            actor=officer,
            department=department,
            dataset=Dataset.POPULATION,
            values={"id_number": person.value_of("id_number"), "household_division": division},
        )
    found = selectors.conflicts(gaj_officer)
    assert len(found) == 1
    assert found[0].field == "household_division" and found[0].distinct_values == 2
    assert {p.contributor_department.code for p in found[0].proposals} == {"MZJ", "SWUJU"}
    # Each contributor sees its own proposal; the source sees both.
    assert [c.contributor_department.code for c in selectors.contributions(mzj_officer)] == ["MZJ"]


def test_legal_person_updates_by_the_source_apply_and_are_audited(
    sources: None, scjgj: Department, scjgj_officer: User
) -> None:
    uscc = random_uscc("445302", "91")
    values = {"uscc": uscc, "name": "云浮市石艺有限公司", "registered_capital": "100.5", "status": "active"}
    services.save_record(actor=scjgj_officer, department=scjgj, dataset=Dataset.LEGAL_PERSON, values=values)
    plan = services.save_record(
        actor=scjgj_officer,
        department=scjgj,
        dataset=Dataset.LEGAL_PERSON,
        values={"uscc": uscc.lower(), "registered_capital": "200", "status": "revoked"},
    )
    assert plan.changed == {"registered_capital": ("100.5", "200"), "status": ("active", "revoked")}
    record = LegalPersonRecord.objects.get()
    assert record.registered_capital == Decimal("200") and record.name == "云浮市石艺有限公司"
    events = AuditEvent.objects.filter(action="datahub.legal_person.save").order_by("sequence")
    assert events.count() == 2 and events.last().after["changed"]["status"] == ["active", "revoked"]


def test_reading_a_person_needs_a_purpose_is_masked_and_audited(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    person = register_person(gaj_officer, gaj)
    id_number = person.value_of("id_number")
    with pytest.raises(DomainError) as caught:
        services.read_person(actor=gaj_officer, id_number=id_number, purpose=" ")
    assert caught.value.code == "purpose_required"
    view = services.read_person(actor=gaj_officer, id_number=id_number, purpose="核查户籍迁移申请")
    assert (
        view.masked and view.values["id_number"] == person.id_number_masked and view.values["name"] == "张*"
    )
    full = services.read_person(actor=gaj_officer, id_number=id_number, purpose="办理户籍迁移", unmasked=True)
    assert full.values["id_number"] == id_number and full.values["name"] == "张三"
    reads = AuditEvent.objects.filter(action="datahub.population.read", object_id=str(person.pk))
    assert [e.after["purpose"] for e in reads.order_by("sequence")] == ["核查户籍迁移申请", "办理户籍迁移"]
    assert reads.filter(after__unmasked=True).count() == 1


def test_citizens_and_departments_without_a_source_cannot_read_people(
    sources: None,
    gaj: Department,
    gaj_officer: User,
    citizen: User,
    swuju_officer: User,
    other_dept_approver: User,
) -> None:
    person = register_person(gaj_officer, gaj)
    for outsider in (citizen, swuju_officer, other_dept_approver):
        with pytest.raises(PermissionDenied):
            services.read_person(
                actor=outsider, id_number=person.value_of("id_number"), purpose="想看看他的住址"
            )
        from govhall.core import permissions

        assert not permissions.restrict(PersonRecord.objects.all(), outsider).exists()


def test_real_name_verification_answers_yes_only_for_a_living_person_with_that_name(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    person = register_person(gaj_officer, gaj, name="陈静")
    id_number = person.value_of("id_number")
    assert services.verify_real_name(id_number, "陈静")
    assert services.verify_real_name(id_number.lower(), " 陈静 ")
    assert not services.verify_real_name(id_number, "陈晶")
    assert not services.verify_real_name(random_id_number(), "陈静")
    assert not services.verify_real_name("", "陈静")
    person.status = PersonRecord.Status.DECEASED
    person.save()
    assert not services.verify_real_name(id_number, "陈静")
    checks = AuditEvent.objects.filter(action="datahub.population.verify_real_name")
    assert checks.count() == 6 and all(id_number not in str(e.after) for e in checks)


def test_department_admins_appoint_data_officers(
    department_admin: User, dept_a: Department, clerk: User
) -> None:
    from govhall.datahub import permissions as hub_permissions

    assert hub_permissions.officer_department_ids(department_admin) == {dept_a.pk}
    assert not hub_permissions.officer_department_ids(clerk)
    with pytest.raises(PermissionDenied):
        services.appoint_data_officer(actor=clerk, user=clerk, department=dept_a)
    officer = services.appoint_data_officer(actor=department_admin, user=clerk, department=dept_a)
    assert hub_permissions.officer_department_ids(clerk) == {dept_a.pk}
    services.revoke_data_officer(actor=department_admin, officer=officer)
    assert not DataOfficer.objects.exists()
    assert not hub_permissions.officer_department_ids(User.objects.get(pk=clerk.pk))


def test_only_platform_admins_name_sources(gaj: Department, gaj_officer: User) -> None:
    with pytest.raises(PermissionDenied):
        services.set_field_source(actor=gaj_officer, dataset=Dataset.POPULATION, field="name", department=gaj)


def test_default_sources_command(platform_admin: User, gaj: Department, scjgj: Department) -> None:
    from io import StringIO

    from django.core.management import call_command

    from govhall.datahub.models import FieldSource

    out = StringIO()
    call_command("datahub_sources", actor=platform_admin.username, stdout=out)
    sources = dict(FieldSource.objects.values_list("dataset", "department__code").distinct())
    assert sources == {"population": "GAJ", "legal_person": "SCJGJ"}
    assert "field sources set: 16" in out.getvalue()
    call_command("datahub_sources", actor=platform_admin.username, stdout=out)
    assert FieldSource.objects.count() == 16
