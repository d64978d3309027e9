"""Fixtures for rating, consultation and complaint tests: a published item, completed cases, a clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govhall.cases.models import Case
from govhall.cases.tests.helpers import publish_item
from govhall.catalog.models import ServiceItem
from govhall.complaints import services as complaint_services
from govhall.core.calendar import SHANGHAI
from govhall.identity.models import Department
from govhall.ratings import services as rating_services

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_and_cache(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def item(dept_a: Department) -> ServiceItem:
    return publish_item(dept_a)


def make_case(applicant: Any, item: ServiceItem, *, status: str = Case.Status.COMPLETED) -> Case:
    moment = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    return Case.objects.create(
        case_no=f"T445300{next(_numbers):010d}",
        applicant=applicant,
        applicant_kind=Case.ApplicantKind.PERSON,
        applicant_name=str(applicant),
        item=item,
        item_version=item.current_version,
        lead_department=item.department,
        status=status,
        decision=Case.Decision.APPROVED if status == Case.Status.COMPLETED else "",
        submitted_at=moment,
        accepted_at=moment,
        completed_at=moment if status == Case.Status.COMPLETED else None,
    )


@pytest.fixture
def completed_case(citizen: Any, item: ServiceItem) -> Case:
    return make_case(citizen, item)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], datetime]:
    """``clock("2026-11-23 10:00")`` sets the interaction services' clock (Beijing time)."""

    def set_to(value: str) -> datetime:
        moment = datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
        monkeypatch.setattr(rating_services, "now", lambda: moment)
        monkeypatch.setattr(complaint_services, "now", lambda: moment)
        return moment

    return set_to
