"""Shared pytest fixtures (registered from the root conftest)."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("GOVHALL_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required in CI (GOVHALL_TEST_REDIS_URL unset)")
        pytest.skip("Redis not available")
    return url


# --- Identity personas (see govhall.testing.personas) -------------------------------------------
# Log personas in with ``client.force_login(persona)``: django-axes requires a request on
# authenticate(), which ``client.login()`` does not pass. Their password is personas.PASSWORD.


@pytest.fixture
def city_region(db: None) -> Any:
    from govhall.testing import personas

    return personas.region(personas.CITY)


@pytest.fixture
def county_region(db: None) -> Any:
    from govhall.testing import personas

    return personas.region(personas.COUNTY)


@pytest.fixture
def other_county_region(db: None) -> Any:
    from govhall.testing import personas

    return personas.region(personas.OTHER_COUNTY)


def _department_fixture(key: str) -> Any:
    @pytest.fixture(name=key)
    def fixture(db: None) -> Any:
        from govhall.testing import personas

        return personas.department(key)

    return fixture


def _staff_fixture(key: str) -> Any:
    @pytest.fixture(name=key)
    def fixture(db: None) -> Any:
        from govhall.testing import personas

        return personas.staff(key)

    return fixture


dept_a = _department_fixture("dept_a")
dept_b = _department_fixture("dept_b")
county_dept = _department_fixture("county_dept")
other_county_dept = _department_fixture("other_county_dept")
clerk = _staff_fixture("clerk")
reviewer = _staff_fixture("reviewer")
approver = _staff_fixture("approver")
other_dept_approver = _staff_fixture("other_dept_approver")
department_admin = _staff_fixture("department_admin")
supervisor = _staff_fixture("supervisor")
county_supervisor = _staff_fixture("county_supervisor")
platform_admin = _staff_fixture("platform_admin")
county_clerk = _staff_fixture("county_clerk")
other_county_clerk = _staff_fixture("other_county_clerk")


@pytest.fixture
def citizen(db: None) -> Any:
    from govhall.testing import personas

    return personas.citizen("citizen")


@pytest.fixture
def other_citizen(db: None) -> Any:
    from govhall.testing import personas

    return personas.citizen("other_citizen")


@pytest.fixture
def enterprise(db: None) -> Any:
    from govhall.testing import personas

    return personas.enterprise("enterprise")
