"""Fixtures for analytics tests: a private warehouse file, a published item and historical cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govhall.analytics import warehouse
from govhall.analytics.demo import history_cases
from govhall.cases.models import Case
from govhall.cases.tests.helpers import publish_item
from govhall.catalog.models import ServiceItem
from govhall.identity.models import Department
from govhall.testing import personas


@pytest.fixture(autouse=True)
def _warehouse_file(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GOVHALL_WAREHOUSE_PATH = tmp_path / "warehouse.duckdb"
    settings.GOVHALL_WAREHOUSE_SOURCE = "default"
    return Path(settings.GOVHALL_WAREHOUSE_PATH)


@pytest.fixture
def item(dept_a: Department) -> ServiceItem:
    return publish_item(dept_a)


@pytest.fixture
def county_item(county_dept: Department) -> ServiceItem:
    return publish_item(county_dept, name="个体工商户登记")


@pytest.fixture
def history(citizen: Any, enterprise: Any) -> Callable[..., list[Case]]:
    """``history(items, count)`` writes historical cases and returns them."""

    def make(items: list[ServiceItem], count: int = 40, seed: int = 7) -> list[Case]:
        # Applicants living in two of the demo city's counties, for the map and the region chart.
        for user, code in ((citizen, personas.COUNTY), (enterprise, personas.OTHER_COUNTY)):
            user.region = personas.region(code)
            user.save(update_fields=["region"])
        cases = history_cases(random.Random(seed), count=count, items=items, applicants=[citizen, enterprise])
        for n, case in enumerate(cases):
            case.case_no = f"T{seed:03d}{n:06d}{case.case_no[-6:]}"
            case.idempotency_key = f"t-{seed}-{n}"
        return Case.objects.bulk_create(cases)

    return make


def warehouse_count(table: str, where: str = "TRUE") -> int:
    with warehouse.connect() as con:
        row = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()  # noqa: S608
    return int(row[0]) if row else 0
