"""The warehouse refresh: incremental by watermark, upserts of changed rows, rebuild on new columns."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from govhall.analytics import facts, warehouse
from govhall.analytics.models import WarehouseRun
from govhall.analytics.tests.conftest import warehouse_count
from govhall.cases import handling
from govhall.cases.models import Case
from govhall.cases.tests.helpers import submitted

pytestmark = pytest.mark.django_db


def test_refresh_copies_then_only_changed_rows(settings: Any, item: Any, history: Any) -> None:
    settings.GOVHALL_WAREHOUSE_OVERLAP_SECONDS = 0
    cases = history([item], count=30)
    first = warehouse.refresh()
    assert first.rows["cases"] == 30
    assert "cases" in first.rebuilt
    assert warehouse_count("cases") == 30

    second = warehouse.refresh()
    assert second.rows["cases"] == 0  # nothing changed since the watermark

    case = cases[0]
    case.status = Case.Status.WITHDRAWN
    case.save()
    third = warehouse.refresh()
    assert third.rows["cases"] == 1
    assert warehouse_count("cases") == 30  # upserted, not duplicated
    assert warehouse_count("cases", f"id = {case.pk} AND status = 'withdrawn'") == 1
    run = WarehouseRun.objects.first()
    assert run is not None and run.status == WarehouseRun.Status.DONE and run.rows["cases"] == 1


def test_overlap_rereads_recent_rows_without_duplicates(item: Any, history: Any) -> None:
    history([item], count=10)
    warehouse.refresh()
    again = warehouse.refresh()
    assert again.rows["cases"] == 10  # within the ten-minute overlap: read again, upserted
    assert warehouse_count("cases") == 10


def test_live_case_and_its_tasks_and_timeline(citizen: Any, item: Any, clerk: Any) -> None:
    case = submitted(citizen, item).case
    warehouse.refresh()
    assert warehouse_count("cases", f"id = {case.pk} AND status = 'submitted' AND channel = 'online'") == 1
    handling.accept_case(actor=clerk, case=case)
    warehouse.refresh()
    assert warehouse_count("cases", f"id = {case.pk} AND accepted_at IS NOT NULL") == 1
    assert warehouse_count("case_events", f"case_id = {case.pk}") >= 2
    assert warehouse_count("tasks", f"case_id = {case.pk}") >= 1


def test_full_rebuild_and_new_columns(item: Any, history: Any) -> None:
    history([item], count=5)
    warehouse.refresh()
    original = facts.get("cases")
    extended = facts.Fact(
        name="cases",
        queryset=original.queryset,
        watermarks=original.watermarks,
        columns=(*original.columns, facts.Column("case_uid", "uid")),
    )
    facts.register(extended)
    try:
        result = warehouse.refresh()
        assert "cases" in result.rebuilt and result.rows["cases"] == 5
        assert warehouse_count("cases", "case_uid IS NOT NULL") == 5
    finally:
        facts.register(original)
    assert warehouse.refresh(full=True).rows["cases"] == 5
    assert warehouse_count("cases") == 5


def test_readers_see_an_empty_warehouse_before_the_first_refresh() -> None:
    assert warehouse_count("cases") == 0
    assert warehouse_count("payments") == 0


def test_fact_definitions_are_checked() -> None:
    with pytest.raises(ValueError):
        facts.Column("x", "x", "TEXT")
    with pytest.raises(ValueError):
        facts.Fact(name="bad name", queryset=Case.objects.all, columns=(facts.Column("id", "id", "BIGINT"),))
    with pytest.raises(ValueError):
        facts.Fact(name="nokey", queryset=Case.objects.all, columns=(facts.Column("x", F("id"), "BIGINT"),))


def test_satisfaction_from_ratings(item: Any, history: Any) -> None:
    from datetime import date

    from django.apps import apps
    from django.utils import timezone

    from govhall.analytics import queries
    from govhall.analytics.permissions import Scope

    if not apps.is_installed("govhall.ratings"):
        pytest.skip("the ratings app is not installed")
    from govhall.ratings.models import Rating

    cases = [c for c in history([item], count=12) if c.status == Case.Status.COMPLETED][:4]
    for case, level in zip(cases, (5, 4, 2, 5), strict=True):
        Rating.objects.create(
            source="case",
            case=case,
            department_id=case.lead_department_id,
            level=level,
            created_at=timezone.now(),
        )
    Rating.objects.filter(level=2).update(excluded=True)  # an upheld appeal leaves the figures
    warehouse.refresh()
    today = timezone.localdate()
    chart = queries.chart(
        "satisfaction", Scope(everything=True), queries.Period(date(today.year - 1, 1, 1), today)
    )
    assert chart.kind == "pie"
    assert dict((r[0], r[1]) for r in chart.rows) == {
        "非常满意": 2,
        "满意": 1,
        "基本满意": 0,
        "不满意": 0,
        "非常不满意": 0,
    }
    assert "满意率 100.00%" in chart.note
