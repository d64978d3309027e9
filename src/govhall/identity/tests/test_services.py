"""Identity services: validation, uniqueness, permissions and the audit event of every write."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from govhall.core.audit import verify_chain
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.identity import services
from govhall.identity.models import Department, Membership, Region, Role, User
from govhall.testing import personas
from govhall.testing.factories import (
    CitizenFactory,
    DepartmentFactory,
    EnterpriseFactory,
    StaffFactory,
    random_id_number,
    random_uscc,
)

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Stone-Carving-2026"


def citizen_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "liwei",
        "password": GOOD_PASSWORD,
        "display_name": "李伟",
        "id_number": "11010519491231002X",
        "phone": "138 0013 8000",
        "email": "liwei@example.cn",
    }
    return data | overrides


def enterprise_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "stone-co",
        "password": GOOD_PASSWORD,
        "name": "云浮市石材有限公司",
        "uscc": "91350100M000100Y43",
        "legal_representative": "何建国",
        "phone": "13900139000",
        "email": "",
    }
    return data | overrides


def events(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


# --- Regions ------------------------------------------------------------------------------------


def test_load_regions_subtree_with_parents_is_idempotent_and_audited_once() -> None:
    first = services.load_regions(codes_prefix="4453")
    assert first.created == 7  # 广东省, 云浮市 and its five counties
    yunan = Region.objects.get(code="445302")
    assert yunan.parent.code == "445300" and yunan.path == "440000/445300/445302/"
    assert Region.objects.get(code="440000").parent is None
    assert not Region.objects.filter(code="445323").exists()  # 云安县, abolished
    assert not Region.objects.filter(code="440100").exists()

    Region.objects.filter(code="445381").update(name="旧名")
    second = services.load_regions(codes_prefix="4453")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 6)
    assert Region.objects.get(code="445381").name == "罗定市"
    assert len(events("identity.regions_loaded")) == 2
    assert verify_chain().ok


def test_load_province_builds_a_consistent_tree() -> None:
    result = services.load_regions(codes_prefix="44")
    assert result.created == Region.objects.count() > 100
    for region in Region.objects.select_related("parent"):
        expected = (region.parent.path if region.parent else "") + region.code + "/"
        assert region.path == expected


def test_load_regions_unknown_prefix_and_refused_actor(citizen: User) -> None:
    with pytest.raises(DomainError) as caught:
        services.load_regions(codes_prefix="99")
    assert caught.value.code == "division_unknown"
    with pytest.raises(PermissionDenied):
        services.load_regions(codes_prefix="4453", actor=citizen)
    assert not Region.objects.filter(code="445381").exists()


# --- Departments --------------------------------------------------------------------------------


def test_create_department_by_platform_admin(platform_admin: User, city_region: Region) -> None:
    uscc = random_uscc("445300", "11")
    department = services.create_department(
        actor=platform_admin,
        name="云浮市人力资源和社会保障局",
        short_name="市人社局",
        code="rsj",
        uscc=uscc.lower(),
        region=city_region,
        kind=Department.Kind.GOVERNMENT,
    )
    assert department.code == "RSJ" and department.uscc == uscc
    (event,) = events("identity.department_created", object_id=str(department.pk))
    assert event.object_id == str(department.pk) and event.actor_id == platform_admin.pk


def test_create_department_rejects_bad_credit_code(platform_admin: User, city_region: Region) -> None:
    before = AuditEvent.objects.count()
    bad = random_uscc("445300", "11")
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        services.create_department(
            actor=platform_admin,
            name="某局",
            short_name="某局",
            code="MJ",
            uscc=bad,
            region=city_region,
            kind=Department.Kind.GOVERNMENT,
        )
    assert caught.value.code == "uscc_checksum"
    assert caught.value.message_zh == "统一社会信用代码校验位错误"
    assert caught.value.details == {"field": "uscc"}
    assert not Department.objects.filter(code="MJ").exists()
    assert AuditEvent.objects.count() == before


def test_create_department_conflicts_and_region_rules(platform_admin: User, dept_a: Department) -> None:
    county = personas.region(personas.COUNTY)
    common = {"actor": platform_admin, "short_name": "新局", "kind": Department.Kind.GOVERNMENT}
    with pytest.raises(Conflict) as caught:
        services.create_department(**common, name="新局", code=dept_a.code, uscc=random_uscc(), region=county)
    assert caught.value.code == "department_code_taken"
    with pytest.raises(Conflict) as caught:
        services.create_department(**common, name="新局", code="XJ", uscc=dept_a.uscc, region=county)
    assert caught.value.code == "uscc_registered"
    with pytest.raises(Conflict) as caught:
        services.create_department(
            **common, name=dept_a.name, code="XJ", uscc=random_uscc(), region=dept_a.region
        )
    assert caught.value.code == "department_name_taken"
    # A county unit may sit under a city unit, never the other way round.
    county_unit = services.create_department(
        **common, name="新局", code="XJ", uscc=random_uscc(), region=county, parent=dept_a
    )
    with pytest.raises(DomainError) as caught:
        services.create_department(
            **common, name="市新局", code="SXJ", uscc=random_uscc(), region=dept_a.region, parent=county_unit
        )
    assert caught.value.code == "parent_region_mismatch"


def test_only_platform_admin_creates_departments(department_admin: User, city_region: Region) -> None:
    for actor in (department_admin, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.create_department(
                actor=actor,
                name="私设局",
                short_name="私设局",
                code="SSJ",
                uscc=random_uscc(),
                region=city_region,
                kind=Department.Kind.GOVERNMENT,
            )
    assert not Department.objects.filter(code="SSJ").exists()


# --- Registration -------------------------------------------------------------------------------


def test_register_citizen_stores_personal_data_encrypted_and_audits() -> None:
    user = services.register_citizen(**citizen_data(id_number="11010519491231002x"))
    user.refresh_from_db()
    assert user.kind == User.Kind.CITIZEN and user.real_name_level == User.RealNameLevel.L1
    assert user.id_number == "11010519491231002X" and user.id_number_masked == "1101**********002X"
    assert user.phone == "13800138000" and user.phone_masked == "138****8000"
    assert user.check_password(GOOD_PASSWORD)
    (event,) = events("identity.citizen_registered")
    assert event.object_id == str(user.pk) and event.actor_id == user.pk
    assert "11010519491231002X" not in str(event.after) and "13800138000" not in str(event.after)
    assert event.after["id_number_masked"] == "1101**********002X"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number_checksum", "id_number"),
        ({"id_number": "1101051949123100"}, "id_number_length", "id_number"),
        ({"id_number": "110105194913310029"}, "id_number_checksum", "id_number"),
        ({"phone": "1380013800"}, "phone_format", "phone"),
        ({"email": "not-an-address"}, "email_format", "email"),
        ({"username": "bad name!"}, "username_format", "username"),
        ({"display_name": "  "}, "display_name_required", "display_name"),
        ({"password": "12345678"}, "password_invalid", "password"),
        ({"password": "liwei123"}, "password_invalid", "password"),
    ],
)
def test_register_citizen_rejects_bad_input_and_writes_nothing(
    overrides: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        services.register_citizen(**citizen_data(**overrides))
    assert caught.value.code == code
    assert caught.value.details["field"] == field
    assert caught.value.message_zh and caught.value.message_en
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_register_citizen_uniqueness() -> None:
    services.register_citizen(**citizen_data())
    with pytest.raises(Conflict) as caught:
        services.register_citizen(**citizen_data(username="LiWei", id_number=random_id_number()))
    assert caught.value.code == "username_taken"
    with pytest.raises(Conflict) as caught:
        services.register_citizen(**citizen_data(username="liwei2"))
    assert caught.value.code == "id_number_registered"
    assert User.objects.count() == 1
    assert len(events("identity.citizen_registered")) == 1


def test_registration_event_belongs_to_the_callers_transaction() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.register_citizen(**citizen_data())
        assert AuditEvent.objects.filter(action="identity.citizen_registered").count() == 1
        raise RuntimeError("the surrounding work failed")
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
    assert verify_chain().ok


def test_register_enterprise_and_its_errors() -> None:
    user = services.register_enterprise(**enterprise_data(uscc="91350100m000100y43"))
    assert user.kind == User.Kind.ENTERPRISE and user.uscc == "91350100M000100Y43"
    assert user.display_name == "云浮市石材有限公司" and user.real_name_level == 1
    assert len(events("identity.enterprise_registered")) == 1
    with pytest.raises(Conflict) as caught:
        services.register_enterprise(**enterprise_data(username="stone-co-2"))
    assert caught.value.code == "uscc_registered"
    with pytest.raises(DomainError) as caught:
        services.register_enterprise(**enterprise_data(username="other", uscc="91350100M000100Y44"))
    assert caught.value.code == "uscc_checksum"
    with pytest.raises(DomainError) as caught:
        services.register_enterprise(
            **enterprise_data(username="other", uscc=random_uscc(), legal_representative="")
        )
    assert caught.value.code == "legal_representative_required"
    assert User.objects.count() == 1


# --- Staff and roles ----------------------------------------------------------------------------


def test_department_admin_creates_staff_of_own_department(department_admin: User, dept_a: Department) -> None:
    user = services.create_staff(
        actor=department_admin,
        username="new-clerk",
        password=GOOD_PASSWORD,
        display_name="新窗口",
        memberships=[(dept_a, Role.WINDOW_CLERK), (dept_a, Role.REVIEWER)],
    )
    assert user.kind == User.Kind.STAFF and not user.is_staff
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        "window_clerk",
        "reviewer",
    }
    assert events("identity.staff_created", object_id=str(user.pk))[0].actor_id == department_admin.pk
    assert events("identity.roles_granted", object_id=str(user.pk))[0].after == {
        "memberships": [[dept_a.pk, "reviewer"], [dept_a.pk, "window_clerk"]]
    }


@pytest.mark.parametrize(
    ("actor_name", "department_name", "role"),
    [
        ("department_admin", "dept_b", Role.WINDOW_CLERK),  # another department
        ("department_admin", "dept_a", Role.PLATFORM_ADMIN),  # a role no department hands out
        ("department_admin", "dept_a", Role.SUPERVISOR),
        ("clerk", "dept_a", Role.WINDOW_CLERK),
        ("approver", "dept_a", Role.WINDOW_CLERK),
        ("supervisor", "dept_a", Role.WINDOW_CLERK),
        ("citizen", "dept_a", Role.WINDOW_CLERK),
    ],
)
def test_who_may_not_create_staff(
    request: pytest.FixtureRequest, actor_name: str, department_name: str, role: str
) -> None:
    actor = request.getfixturevalue(actor_name)
    department = request.getfixturevalue(department_name)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_staff(
            actor=actor,
            username="intruder",
            password=GOOD_PASSWORD,
            display_name="某人",
            memberships=[(department, role)],
        )
    assert not User.objects.filter(username="intruder").exists()
    assert AuditEvent.objects.count() == before


def test_grant_and_revoke_roles(
    platform_admin: User, clerk: User, dept_a: Department, dept_b: Department
) -> None:
    from govhall.core import permissions

    assert not permissions.has_role(clerk, Role.DEPARTMENT_ADMIN, dept_a)
    membership = services.grant_role(
        actor=platform_admin, user=clerk, department=dept_a, role=Role.DEPARTMENT_ADMIN
    )
    assert permissions.has_role(clerk, Role.DEPARTMENT_ADMIN, dept_a)  # cache on the object refreshed
    clerk.refresh_from_db()
    assert clerk.is_staff  # department admins work in the admin site
    again = services.grant_role(
        actor=platform_admin, user=clerk, department=dept_a, role=Role.DEPARTMENT_ADMIN
    )
    assert again.pk == membership.pk
    assert len(events("identity.role_granted")) == 1

    services.revoke_role(actor=platform_admin, user=clerk, department=dept_a, role=Role.DEPARTMENT_ADMIN)
    clerk.refresh_from_db()
    assert not clerk.is_staff and not permissions.has_role(clerk, Role.DEPARTMENT_ADMIN)
    (event,) = events("identity.role_revoked")
    assert event.before == {"user": clerk.pk, "department": dept_a.pk, "role": "department_admin"}
    with pytest.raises(NotFound):
        services.revoke_role(actor=platform_admin, user=clerk, department=dept_b, role=Role.APPROVER)


def test_roles_go_to_staff_only(platform_admin: User, citizen: User, dept_a: Department) -> None:
    with pytest.raises(DomainError) as caught:
        services.grant_role(actor=platform_admin, user=citizen, department=dept_a, role=Role.WINDOW_CLERK)
    assert caught.value.code == "not_staff"


def test_clerk_cannot_grant_or_revoke(clerk: User, approver: User, dept_a: Department) -> None:
    with pytest.raises(PermissionDenied):
        services.grant_role(actor=clerk, user=approver, department=dept_a, role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=clerk, user=approver, department=dept_a, role=Role.APPROVER)
    assert Membership.objects.filter(user=approver, role=Role.APPROVER).exists()
    assert not events("identity.role_granted") and not events("identity.role_revoked")


def test_department_admin_of_a_cannot_revoke_in_b(
    department_admin: User, other_dept_approver: User, dept_b: Department
) -> None:
    with pytest.raises(PermissionDenied):
        services.revoke_role(
            actor=department_admin, user=other_dept_approver, department=dept_b, role=Role.APPROVER
        )


def test_set_real_name_level(platform_admin: User, citizen: User, clerk: User) -> None:
    with pytest.raises(PermissionDenied):
        services.set_real_name_level(actor=clerk, user=citizen, level=3)
    with pytest.raises(PermissionDenied):
        services.set_real_name_level(actor=citizen, user=citizen, level=3)
    with pytest.raises(DomainError):
        services.set_real_name_level(actor=platform_admin, user=citizen, level=7)
    services.set_real_name_level(actor=platform_admin, user=citizen, level=User.RealNameLevel.L3)
    citizen.refresh_from_db()
    assert citizen.real_name_level == 3
    (event,) = events("identity.real_name_level_set")
    assert (event.before, event.after) == ({"real_name_level": 1}, {"real_name_level": 3})


def test_factories_produce_valid_codes() -> None:
    from govhall.core.codes import validate_id_number, validate_uscc

    for citizen in CitizenFactory.create_batch(5):
        assert validate_id_number(citizen.id_number) == citizen.id_number
    assert validate_uscc(EnterpriseFactory().uscc)
    department = DepartmentFactory()
    assert validate_uscc(department.uscc) and department.region.code == "445300"
    assert StaffFactory().check_password("Govhall-Test-Pass-2026")
