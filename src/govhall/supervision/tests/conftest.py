"""Fixtures for supervision tests: a published item, a fixed clock, and case builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govhall.cases import deadlines
from govhall.cases.tests.helpers import publish_item
from govhall.catalog.models import ServiceItem
from govhall.core.calendar import SHANGHAI
from govhall.identity.models import Department
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import accepted_case, check, only_rules
from govhall.testing import personas


@pytest.fixture(autouse=True)
def _media_and_throttle(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def item(dept_a: Department) -> ServiceItem:
    return publish_item(dept_a)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], datetime]:
    """``clock("2026-09-28 10:00")`` sets the case services' clock (Beijing time)."""

    def set_to(value: str) -> datetime:
        moment = datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
        monkeypatch.setattr(deadlines, "now", lambda: moment)
        return moment

    return set_to


@pytest.fixture
def cards(citizen: Any, item: Any, clerk: Any, other_county_clerk: Any, clock: Any) -> tuple[Alert, Alert]:
    """A yellow card in the city's dept A and one in 罗定市 (another county)."""
    only_rules("overdue")
    city = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")
    county_item = publish_item(personas.department("other_county_dept"))
    county = accepted_case(citizen, county_item, other_county_clerk, clock, "2026-11-20 10:00")
    (city_card,) = check(city, "2026-12-07 09:00")
    (county_card,) = check(county, "2026-12-07 09:00")
    clock("2026-12-07 09:30")
    return city_card, county_card
