"""Who sees which figures: region leaders their region, department heads their department, and
nobody else anything (persona tests of who must not see)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from govhall.analytics import queries, warehouse
from govhall.analytics.models import WarehouseRun
from govhall.analytics.permissions import scope_for
from govhall.analytics.queries import Period
from govhall.core import permissions
from govhall.testing import personas

pytestmark = pytest.mark.django_db

PERIOD_ARGS = "?from=2024-01-01&to=2027-12-31"


def _received(user: Any) -> int:
    scope = scope_for(user)
    assert scope is not None
    kpis = queries.chart(
        "kpis",
        scope,
        Period(date(2024, 1, 1), date(2027, 12, 31)),
    )
    return dict((r[0], r[1]) for r in kpis.rows)["收件量"]


@pytest.fixture
def filled(item: Any, county_item: Any, history: Any) -> dict[str, int]:
    history([item], count=12, seed=1)
    history([county_item], count=5, seed=2)
    warehouse.refresh()
    return {"city": 12, "county": 5}


def test_scopes_of_leaders_and_heads(
    filled: Any, platform_admin: Any, supervisor: Any, county_supervisor: Any, department_admin: Any
) -> None:
    assert _received(platform_admin) == 17
    assert _received(supervisor) == 17  # the city supervisor's region holds the county too
    assert _received(county_supervisor) == 5  # only the departments of 云城区
    assert _received(department_admin) == 12  # only 市市场监管局


@pytest.mark.parametrize("username", ["clerk", "reviewer", "approver", "county_clerk", "other_dept_approver"])
def test_working_staff_see_no_dashboard(username: str) -> None:
    user = personas.staff(username)
    assert scope_for(user) is None
    assert not permissions.can_act(user, WarehouseRun, "view_dashboard")
    client = Client()
    client.force_login(user)
    assert client.get("/analytics/").status_code == 403
    assert client.get(f"/analytics/charts/kpis.json{PERIOD_ARGS}").status_code == 403
    assert client.get("/analytics/charts/trend.xlsx").status_code == 403
    assert client.get("/analytics/report.pdf").status_code == 403


def test_citizens_and_enterprises_see_nothing(citizen: Any, enterprise: Any) -> None:
    for user in (citizen, enterprise):
        client = Client()
        client.force_login(user)
        assert client.get("/analytics/").status_code == 403
        assert client.get("/analytics/screen/").status_code == 403
        assert client.get(f"/analytics/charts/departments.json{PERIOD_ARGS}").status_code == 403


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/analytics/charts/kpis.json")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_county_leader_json_holds_no_city_department(filled: Any, county_supervisor: Any) -> None:
    client = Client()
    client.force_login(county_supervisor)
    data = client.get(f"/analytics/charts/departments.json{PERIOD_ARGS}").json()
    names = [row[0] for row in data["rows"]]
    assert names == ["云城区市场监管局"]
    assert "市市场监管局" not in names


def test_only_platform_admins_refresh(
    supervisor: Any, department_admin: Any, platform_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for user in (supervisor, department_admin):
        client = Client()
        client.force_login(user)
        assert client.post("/analytics/refresh/").status_code == 403
    client = Client()
    client.force_login(platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/analytics/refresh/").status_code == 302
    assert WarehouseRun.objects.filter(status=WarehouseRun.Status.DONE).exists()
