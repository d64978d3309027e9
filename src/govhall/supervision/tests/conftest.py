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
