"""The Django admin follows the permission module: department admins see only their own staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.core.models import AuditEvent
from govhall.identity.models import Department, Membership, Role, User

pytestmark = pytest.mark.django_db


def change_url(user: User) -> str:
    return reverse("admin:identity_user_change", args=[user.pk])


def post_data(response: Any) -> dict[str, Any]:
    """What the browser would submit for the change page unchanged, inline forms included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data: dict[str, Any] = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data


def add_membership(data: dict[str, Any], department: Department, role: str) -> dict[str, Any]:
    index = int(data["memberships-TOTAL_FORMS"])
    return data | {
        "memberships-TOTAL_FORMS": str(index + 1),
        f"memberships-{index}-department": str(department.pk),
        f"memberships-{index}-role": role,
    }


def test_people_without_an_admin_role_cannot_enter(client: Client, clerk: User, citizen: User) -> None:
    for person in (clerk, citizen):
        client.force_login(person)
        assert client.get(reverse("admin:identity_user_changelist")).status_code == 302


def test_department_admin_lists_only_own_staff(
    client: Client,
    department_admin: User,
    clerk: User,
    approver: User,
    other_dept_approver: User,
    citizen: User,
) -> None:
    client.force_login(department_admin)
    response = client.get(reverse("admin:identity_user_changelist"))
    assert response.status_code == 200
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"department_admin", "clerk", "approver"}
    assert client.get(change_url(other_dept_approver)).status_code == 302  # "does not exist" for them
    assert client.get(change_url(citizen)).status_code == 302
    departments = client.get(reverse("admin:identity_department_changelist")).context["cl"].result_list
    assert [d.code for d in departments] == ["SCJG"]


def test_department_admin_edits_own_staff_without_privilege_fields(
    client: Client, department_admin: User, clerk: User
) -> None:
    client.force_login(department_admin)
    response = client.get(change_url(clerk))
    assert response.status_code == 200
    form_fields = set(response.context["adminform"].form.fields)
    assert not form_fields & {
        "is_superuser",
        "is_staff",
        "user_permissions",
        "groups",
        "real_name_level",
        "kind",
    }
    data = post_data(response) | {"display_name": "窗口 李明明"}
    assert client.post(change_url(clerk), data).status_code == 302
    clerk.refresh_from_db()
    assert clerk.display_name == "窗口 李明明" and not clerk.is_superuser
    assert AuditEvent.objects.filter(action="admin.user_changed", object_id=str(clerk.pk)).exists()


def test_department_admin_grants_department_roles_through_the_services(
    client: Client, department_admin: User, clerk: User, dept_a: Department
) -> None:
    client.force_login(department_admin)
    data = add_membership(post_data(client.get(change_url(clerk))), dept_a, Role.REVIEWER)
    response = client.post(change_url(clerk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert Membership.objects.filter(user=clerk, department=dept_a, role=Role.REVIEWER).exists()
    assert AuditEvent.objects.filter(action="identity.role_granted", actor_id=department_admin.pk).exists()


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.SUPERVISOR])
def test_department_admin_cannot_hand_out_platform_or_supervision_roles(
    client: Client, department_admin: User, clerk: User, dept_a: Department, role: str
) -> None:
    client.force_login(department_admin)
    data = add_membership(post_data(client.get(change_url(clerk))), dept_a, role)
    response = client.post(change_url(clerk), data)
    assert response.status_code == 200
    assert "无权在该部门授予该角色" in response.content.decode()
    assert not Membership.objects.filter(user=clerk, role=role).exists()


def test_department_admin_cannot_grant_in_another_department(
    client: Client, department_admin: User, clerk: User, dept_b: Department
) -> None:
    client.force_login(department_admin)
    data = add_membership(post_data(client.get(change_url(clerk))), dept_b, Role.APPROVER)
    response = client.post(change_url(clerk), data)
    assert response.status_code == 200
    assert not Membership.objects.filter(user=clerk, department=dept_b).exists()


def test_platform_admin_sets_an_id_number_which_is_stored_encrypted(
    client: Client, platform_admin: User, citizen: User
) -> None:
    client.force_login(platform_admin)
    response = client.get(change_url(citizen))
    assert citizen.id_number_masked in response.content.decode()
    assert citizen.id_number not in response.content.decode()
    bad = post_data(response) | {"new_id_number": "110105194912310021"}
    response = client.post(change_url(citizen), bad)
    assert "身份证号码校验位错误" in response.content.decode()
    good = post_data(client.get(change_url(citizen))) | {"new_id_number": "11010519491231002x"}
    assert client.post(change_url(citizen), good).status_code == 302
    citizen.refresh_from_db()
    assert citizen.id_number == "11010519491231002X" and citizen.id_number_masked == "1101**********002X"
    event = AuditEvent.objects.filter(action="admin.user_changed", object_id=str(citizen.pk)).get()
    assert event.actor_id == platform_admin.pk and "11010519491231002X" not in str(event.after)


def test_platform_admin_lists_everyone(
    client: Client, platform_admin: User, citizen: User, other_dept_approver: User
) -> None:
    client.force_login(platform_admin)
    response = client.get(reverse("admin:identity_user_changelist"))
    listed = {user.username for user in response.context["cl"].result_list}
    assert {"platform_admin", "citizen", "other_dept_approver"} <= listed
    assert client.get(reverse("admin:identity_region_changelist")).status_code == 200
