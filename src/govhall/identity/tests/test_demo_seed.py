"""The demo city seed: valid national codes, idempotence, demo accounts only in demo mode."""

from __future__ import annotations

import random
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import transaction
from stdnum.cn import ric, uscc

from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.models import AuditEvent
from govhall.identity import demo
from govhall.identity.demo_departments import CITY_DEPARTMENTS, COUNTY_CODES, COUNTY_DEPARTMENT_TEMPLATES
from govhall.identity.management.commands.seed_demo import discover_seeders
from govhall.identity.models import Department, Membership, Region, Role, User

pytestmark = pytest.mark.django_db

SMALL = {"citizens": 40, "enterprises": 12}


def seed(**options: int) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = True
    settings.GOVHALL_DEMO_PASSWORD = "demo-pass-for-tests-1"


def test_refuses_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="GOVHALL_DEMO=1"):
        seed()
    assert counts() == {"regions": 0, "departments": 0, "users": 0, "memberships": 0, "audit": 0}


def test_seed_creates_the_city_and_a_second_run_changes_nothing(demo_mode: None) -> None:
    first_output = seed()
    after_first = counts()
    assert after_first["regions"] == 7
    expected_departments = len(CITY_DEPARTMENTS) + len(COUNTY_CODES) * len(COUNTY_DEPARTMENT_TEMPLATES)
    assert after_first["departments"] == expected_departments >= 37
    assert User.objects.filter(kind=User.Kind.CITIZEN, username__startswith=demo.CITIZEN_PREFIX).count() == 40
    assert (
        User.objects.filter(kind=User.Kind.ENTERPRISE, username__startswith=demo.ENTERPRISE_PREFIX).count()
        == 12
    )
    assert "citizens: 40" in first_output
    # The region loader's event first and one event for the seed run last; apps whose demo data goes
    # through their own services (disclosure requests, for instance) audit those writes in between.
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[0] == "identity.regions_loaded"
    assert actions[-1] == "demo.seeded"
    assert actions.count("demo.seeded") == 1
    passwords_before = dict(User.objects.values_list("username", "password"))

    second_output = seed()
    assert counts() == after_first
    assert dict(User.objects.values_list("username", "password")) == passwords_before
    assert "nothing created" in second_output


def test_growing_the_population_adds_only_the_missing_people(demo_mode: None) -> None:
    seed(citizens=10, enterprises=3)
    first_ten = set(
        User.objects.filter(kind=User.Kind.CITIZEN, is_superuser=False).values_list("id_number_hash")
    )
    seed(citizens=25, enterprises=3)
    citizens = User.objects.filter(username__startswith=demo.CITIZEN_PREFIX)
    assert citizens.count() == 25
    # The first ten are the same people: the random stream does not depend on the count.
    assert first_ten <= set(User.objects.filter(kind=User.Kind.CITIZEN).values_list("id_number_hash"))


def test_every_credit_code_and_id_number_is_valid(demo_mode: None) -> None:
    seed()
    departments = list(Department.objects.select_related("region"))
    assert len({d.uscc for d in departments}) == len(departments)
    for department in departments:
        code = validate_uscc(department.uscc)
        assert code[:2] == ("12" if department.kind == Department.Kind.INSTITUTION else "11")
        assert code[2:8] == department.region.code
        assert demo.is_valid_org_code(code[8:17]), department
        assert len(department.code) <= 12
    assert Department.objects.get(code="SCJGJ-5302").region.code == "445302"

    enterprises = list(User.objects.filter(kind=User.Kind.ENTERPRISE))
    assert len({e.uscc for e in enterprises}) == len(enterprises)
    for enterprise in enterprises:
        code = validate_uscc(enterprise.uscc)
        assert code[:2] == "91" and code[2:8] in COUNTY_CODES
        assert demo.is_valid_org_code(code[8:17])
        assert enterprise.display_name.endswith("公司") and enterprise.legal_representative

    citizens = list(User.objects.filter(kind=User.Kind.CITIZEN).select_related("region"))
    assert len({c.id_number_hash for c in citizens}) == len(citizens)
    for citizen in citizens:
        number = validate_id_number(citizen.id_number)
        # Today's code of the county the person lives in, or a code that covered it when they were born.
        assert number[:6] in demo.AREA_CODE_LINEAGE[citizen.region.code]
        assert citizen.id_number_masked == number[:4] + "*" * 10 + number[-4:]
        assert len(citizen.phone) == 11 and citizen.phone.startswith("1")
        assert citizen.display_name
    generated = [c for c in citizens if c.username.startswith(demo.CITIZEN_PREFIX)]
    assert all(not c.has_usable_password() and c.is_demo for c in generated)


def test_demo_accounts_log_in_with_the_configured_password(demo_mode: None) -> None:
    seed()
    accounts = {u.username: u for u in User.objects.filter(username__in=demo.DEMO_USERNAMES)}
    assert set(accounts) == set(demo.DEMO_USERNAMES)
    for user in accounts.values():
        assert user.is_demo
        assert check_password("demo-pass-for-tests-1", user.password)
    admin = accounts["demo-admin"]
    assert admin.is_superuser and admin.is_staff
    assert Membership.objects.filter(user=admin, role=Role.PLATFORM_ADMIN).exists()
    assert not accounts["demo-citizen"].is_staff
    assert accounts["demo-citizen"].id_number == demo.DEMO_CITIZEN_ID
    assert accounts["demo-enterprise"].uscc == demo.DEMO_ENTERPRISE_USCC
    roles = set(
        Membership.objects.filter(user=accounts["demo-approver"]).values_list("department__code", "role")
    )
    assert roles == {("SCJGJ", Role.REVIEWER), ("SCJGJ", Role.APPROVER)}


def test_changed_demo_password_is_followed_on_the_next_run(demo_mode: None, settings: Any) -> None:
    seed()
    settings.GOVHALL_DEMO_PASSWORD = "another-demo-pass-2"
    seed()
    user = User.objects.get(username="demo-clerk")
    assert check_password("another-demo-pass-2", user.password)


def test_staff_cover_every_role_in_at_least_five_departments(demo_mode: None) -> None:
    seed()
    full = {Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN}
    by_department: dict[str, set[str]] = {}
    for code, role in Membership.objects.values_list("department__code", "role"):
        by_department.setdefault(code, set()).add(role)
    fully_staffed = {code for code, roles in by_department.items() if full <= roles}
    assert len(fully_staffed) >= 5 and {"SCJGJ", "ZWFW"} <= fully_staffed
    supervisors = Membership.objects.filter(role=Role.SUPERVISOR).select_related("department__region")
    assert {m.department.region.level for m in supervisors} == {Region.Level.CITY, Region.Level.COUNTY}
    assert Membership.objects.filter(role=Role.PLATFORM_ADMIN).exists()
    # Department admins work in the Django admin site; clerks do not.
    assert User.objects.get(username="scjgj-admin").is_staff
    assert not User.objects.get(username="scjgj-clerk").is_staff


def test_demo_accounts_are_never_created_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    # Even called directly, bypassing the command's refusal, the seed makes no login accounts.
    with transaction.atomic():
        demo.seed(StringIO(), random.Random(1), citizens=3, enterprises=1)
    assert not User.objects.filter(username__in=demo.DEMO_USERNAMES).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    assert not any(u.has_usable_password() for u in User.objects.all())


def test_plans_are_reproducible() -> None:
    first = demo.citizen_plans(random.Random(7), 20)
    again = demo.citizen_plans(random.Random(7), 20)
    other = demo.citizen_plans(random.Random(8), 20)
    assert first == again != other
    assert demo.enterprise_plans(random.Random(7), 5) == demo.enterprise_plans(random.Random(7), 5)
    assert [p.uscc for p in demo.department_plans()] == [p.uscc for p in demo.department_plans()]


def test_code_arithmetic_matches_published_examples() -> None:
    # 91110000600037341L is python-stdnum's documented example; its organisation code is 600037341.
    assert demo.org_code_check("60003734") == "1"
    assert demo.make_uscc("91", "110000", "60003734") == "91110000600037341L"
    assert not demo.is_valid_org_code("600037342")
    number = demo.make_id_number("445302", date(1995, 6, 15), 12)
    assert ric.is_valid(number) and uscc.is_valid(demo.DEMO_ENTERPRISE_USCC)


def test_identity_seeds_before_other_apps() -> None:
    labels = [label for label, _ in discover_seeders()]
    assert labels[0] == "identity"
