"""Who may see and do what, persona by persona; mostly what each one must NOT see or do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from govhall.core import permissions
from govhall.core.models import AuditEvent
from govhall.identity import selectors, services
from govhall.identity.models import ApiToken, Department, Membership, Role, User
from govhall.testing.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


def usernames(users: object) -> set[str]:
    return {user.username for user in users}  # type: ignore[attr-defined]


@pytest.fixture
def everyone(
    citizen: User,
    other_citizen: User,
    enterprise: User,
    clerk: User,
    reviewer: User,
    approver: User,
    other_dept_approver: User,
    department_admin: User,
    supervisor: User,
    county_supervisor: User,
    platform_admin: User,
    county_clerk: User,
    other_county_clerk: User,
) -> dict[str, User]:
    return {user.username: user for user in User.objects.all()}


# --- Anonymous ----------------------------------------------------------------------------------


def test_anonymous_sees_nothing_private(everyone: dict[str, User], dept_a: Department) -> None:
    for anonymous in (AnonymousUser(), None):
        assert not selectors.visible_users(anonymous).exists()
        assert not selectors.visible_memberships(anonymous).exists()
        assert not any(permissions.can_view(anonymous, user) for user in everyone.values())
        assert not permissions.can_act(anonymous, dept_a, "edit")
        assert not permissions.can_act(anonymous, Department, "create")
        assert not permissions.can_act(anonymous, everyone["citizen"], "edit")
        assert permissions.roles_of(anonymous) == frozenset()
        assert not permissions.is_platform_admin(anonymous)
        assert permissions.supervised_regions(anonymous) == []
        assert permissions.grantable_roles(anonymous, dept_a) == frozenset()
        assert selectors.find_user_by_id_number(anonymous, everyone["citizen"].id_number) is None


def test_public_sees_active_departments_only(dept_a: Department, dept_b: Department, clerk: User) -> None:
    dept_b.is_active = False
    dept_b.save()
    assert list(selectors.visible_departments(AnonymousUser())) == [dept_a]
    assert permissions.can_view(AnonymousUser(), dept_a)
    assert not permissions.can_view(AnonymousUser(), dept_b)
    assert not permissions.can_view(clerk, dept_b)


def test_unregistered_models_are_denied_even_to_platform_admin(platform_admin: User) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    assert not permissions.can_view(platform_admin, event)
    assert not permissions.restrict(AuditEvent.objects.all(), platform_admin).exists()


# --- Citizens and enterprises -------------------------------------------------------------------


def test_citizen_sees_only_itself(everyone: dict[str, User]) -> None:
    citizen = everyone["citizen"]
    assert usernames(selectors.visible_users(citizen)) == {"citizen"}
    assert not permissions.can_view(citizen, everyone["other_citizen"])
    assert not permissions.can_view(citizen, everyone["clerk"])
    assert permissions.can_view(citizen, citizen)
    assert selectors.find_user_by_id_number(citizen, everyone["other_citizen"].id_number) is None
    assert selectors.find_user_by_id_number(citizen, citizen.id_number) == citizen
    assert not permissions.can_act(citizen, everyone["other_citizen"], "edit")
    assert permissions.can_act(citizen, citizen, "edit")
    assert not permissions.can_act(citizen, citizen, "set_real_name_level")


def test_enterprise_sees_only_itself(everyone: dict[str, User]) -> None:
    assert usernames(selectors.visible_users(everyone["enterprise"])) == {"enterprise"}
    assert not selectors.visible_memberships(everyone["enterprise"]).exists()


# --- Department staff ---------------------------------------------------------------------------


def test_clerk_sees_no_other_person_and_cannot_manage(everyone: dict[str, User], dept_a: Department) -> None:
    clerk = everyone["clerk"]
    assert usernames(selectors.visible_users(clerk)) == {"clerk"}
    assert not permissions.can_view(clerk, everyone["citizen"])
    assert not permissions.can_view(clerk, everyone["approver"])
    assert permissions.grantable_roles(clerk, dept_a) == frozenset()
    assert not permissions.can_act(clerk, dept_a, "edit")
    assert not permissions.can_act(clerk, dept_a, "manage_staff")
    assert [m.role for m in selectors.visible_memberships(clerk)] == [Role.WINDOW_CLERK]


def test_department_admin_sees_and_edits_own_staff_only(
    everyone: dict[str, User], dept_a: Department
) -> None:
    admin = everyone["department_admin"]
    assert usernames(selectors.visible_users(admin)) == {"department_admin", "clerk", "reviewer", "approver"}
    assert permissions.can_act(admin, everyone["clerk"], "edit")
    assert permissions.can_act(admin, everyone["clerk"], "deactivate")
    assert not permissions.can_act(admin, admin, "deactivate")
    for outsider in ("other_dept_approver", "county_clerk", "citizen", "supervisor", "platform_admin"):
        assert not permissions.can_view(admin, everyone[outsider]), outsider
        assert not permissions.can_act(admin, everyone[outsider], "edit"), outsider
    assert not permissions.can_act(admin, everyone["clerk"], "set_real_name_level")
    assert {m.department_id for m in selectors.visible_memberships(admin)} == {dept_a.pk}


def test_department_admin_of_a_cannot_edit_department_b(
    department_admin: User, dept_a: Department, dept_b: Department
) -> None:
    assert permissions.can_act(department_admin, dept_a, "edit")
    assert permissions.can_act(department_admin, dept_a, "manage_staff")
    assert not permissions.can_act(department_admin, dept_b, "edit")
    assert not permissions.can_act(department_admin, dept_b, "manage_staff")
    assert not permissions.can_act(department_admin, dept_a, "deactivate")
    assert not permissions.can_act(department_admin, Department, "create")
    assert list(permissions.restrict(Department.objects.all(), department_admin, "edit")) == [dept_a]
    assert Role.PLATFORM_ADMIN not in permissions.grantable_roles(department_admin, dept_a)
    assert permissions.grantable_roles(department_admin, dept_b) == frozenset()


def test_department_admin_cannot_edit_a_platform_admin_in_the_department(
    department_admin: User, platform_admin: User, dept_a: Department
) -> None:
    services.grant_role(actor=None, user=platform_admin, department=dept_a, role=Role.APPROVER)
    assert permissions.can_view(department_admin, platform_admin)
    assert not permissions.can_act(department_admin, platform_admin, "edit")
    # The role in department A is the department's to take back; the platform role is not.
    assert permissions.can_act(
        department_admin, Membership.objects.get(department=dept_a, user=platform_admin), "revoke"
    )
    platform_role = Membership.objects.get(user=platform_admin, role=Role.PLATFORM_ADMIN)
    assert not permissions.can_act(department_admin, platform_role, "revoke")
    assert not permissions.can_view(department_admin, platform_role)


def test_roles_vanish_with_an_inactive_department(
    department_admin: User, clerk: User, dept_a: Department
) -> None:
    dept_a.is_active = False
    dept_a.save()
    permissions.forget_grants(department_admin)
    assert not permissions.can_act(department_admin, dept_a, "edit")
    assert not permissions.can_view(department_admin, clerk)
    assert permissions.roles_of(department_admin) == frozenset()


def test_inactive_user_has_no_rights(platform_admin: User, citizen: User) -> None:
    platform_admin.is_active = False
    assert not permissions.is_platform_admin(platform_admin)
    assert not permissions.can_view(platform_admin, citizen)


# --- Supervisors --------------------------------------------------------------------------------


def test_city_supervisor_sees_staff_of_the_whole_city(everyone: dict[str, User], city_region: object) -> None:
    supervisor = everyone["supervisor"]
    assert permissions.supervised_regions(supervisor) == [city_region]
    visible = usernames(selectors.visible_users(supervisor))
    assert {"clerk", "approver", "other_dept_approver", "county_clerk", "other_county_clerk"} <= visible
    assert not visible & {"citizen", "other_citizen", "enterprise"}
    assert not permissions.can_act(supervisor, everyone["clerk"], "edit")
    assert not permissions.can_act(supervisor, Department.objects.get(code="SCJG"), "edit")


def test_county_supervisor_sees_only_own_county(everyone: dict[str, User], county_region: object) -> None:
    supervisor = everyone["county_supervisor"]
    assert permissions.supervised_regions(supervisor) == [county_region]
    assert usernames(selectors.visible_users(supervisor)) == {"county_supervisor", "county_clerk"}
    for outside in ("clerk", "approver", "other_dept_approver", "other_county_clerk", "supervisor"):
        assert not permissions.can_view(supervisor, everyone[outside]), outside
    departments = {m.department.code for m in selectors.visible_memberships(supervisor)}
    assert departments == {"YCSCJG", "YCJCW"}


# --- Platform admin -----------------------------------------------------------------------------


def test_platform_admin_sees_and_manages_everything(everyone: dict[str, User], dept_b: Department) -> None:
    admin = everyone["platform_admin"]
    assert usernames(selectors.visible_users(admin)) == set(everyone)
    assert permissions.can_act(admin, dept_b, "edit")
    assert permissions.can_act(admin, Department, "create")
    assert permissions.can_act(admin, everyone["citizen"], "set_real_name_level")
    assert permissions.grantable_roles(admin, dept_b) == frozenset(Role.values)
    assert selectors.find_user_by_id_number(admin, everyone["citizen"].id_number) == everyone["citizen"]


def test_superuser_counts_as_platform_admin(citizen: User) -> None:
    root = StaffFactory(is_superuser=True)
    assert permissions.is_platform_admin(root)
    assert permissions.has_role(root, Role.PLATFORM_ADMIN)
    assert permissions.can_view(root, citizen)


# --- Role helpers and other identity objects ----------------------------------------------------


def test_role_helpers(approver: User, dept_a: Department, dept_b: Department) -> None:
    assert permissions.roles_of(approver) == {Role.APPROVER}
    assert permissions.roles_of(approver, dept_a) == {Role.APPROVER}
    assert permissions.roles_of(approver, dept_b.pk) == frozenset()
    assert permissions.has_role(approver, Role.APPROVER, dept_a)
    assert not permissions.has_role(approver, Role.APPROVER, dept_b)
    assert list(permissions.departments_with_role(approver, Role.APPROVER)) == [dept_a]
    assert not permissions.departments_with_role(approver, Role.DEPARTMENT_ADMIN).exists()


def test_departments_in_region(
    dept_a: Department, county_dept: Department, other_county_dept: Department
) -> None:
    city = dept_a.region
    county = county_dept.region
    assert set(selectors.departments_in_region(city)) == {dept_a, county_dept, other_county_dept}
    assert list(selectors.departments_in_region(city, include_subregions=False)) == [dept_a]
    assert list(selectors.departments_in_region(county)) == [county_dept]


def test_api_tokens_belong_to_their_owner(citizen: User, other_citizen: User, platform_admin: User) -> None:
    expires = timezone.now() + timedelta(hours=1)
    mine = ApiToken.objects.create(user=citizen, token_hash="a" * 64, prefix="gh_a", expires_at=expires)
    theirs = ApiToken.objects.create(
        user=other_citizen, token_hash="b" * 64, prefix="gh_b", expires_at=expires
    )
    assert list(permissions.restrict(ApiToken.objects.all(), citizen)) == [mine]
    assert permissions.can_act(citizen, mine, "revoke")
    assert not permissions.can_act(citizen, theirs, "revoke")
    assert permissions.restrict(ApiToken.objects.all(), platform_admin).count() == 2


def test_registry_falls_back_to_the_queryset_rule_and_can_be_extended(dept_a: Department) -> None:
    department = DepartmentFactory(is_active=False)
    previous = permissions._REGISTRY[Department]
    try:
        permissions.register(
            Department,
            queryset=lambda qs, user, action: qs.filter(is_active=True) if action == "view" else qs.none(),
        )
        assert permissions.can_view(None, dept_a)
        assert not permissions.can_view(None, department)
        assert not permissions.can_act(None, dept_a, "edit")
    finally:
        permissions._REGISTRY[Department] = previous
