"""The CalendarDay admin and the periodic calendar refresh."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import pytest
from django.urls import reverse

from govhall.core import calendar
from govhall.core.calendar import SHANGHAI
from govhall.core.models import AuditEvent, CalendarDay
from govhall.core.tasks import refresh_working_calendar

pytestmark = pytest.mark.django_db


def test_changelist_filters_by_kind_and_year_and_searches(admin_client: Any) -> None:
    CalendarDay.objects.create(date=date(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date=date(2027, 2, 13), kind=CalendarDay.Kind.WORKDAY, name="春节调休")
    CalendarDay.objects.create(date=date(2028, 10, 2), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    url = reverse("admin:core_calendarday_changelist")

    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "工作日历调整" in text and "年份 year" in text and "2004–2026" in text

    def names(query: dict[str, str]) -> set[str]:
        response = admin_client.get(url, query)
        assert response.status_code == 200
        return {day.name for day in response.context["cl"].result_list}

    assert names({"kind__exact": "workday"}) == {"春节调休"}
    assert names({"year": "2028"}) == {"国庆节"}
    assert names({"year": "2027", "kind__exact": "holiday"}) == {"春节"}
    assert names({"q": "春节"}) == {"春节", "春节调休"}


def test_adding_a_ruling_in_the_admin_is_audited_and_used(admin_client: Any) -> None:
    monday = date(2027, 5, 3)
    assert calendar.is_working_day(monday)
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2027-05-03", "kind": "holiday", "name": "劳动节", "note": "国办发明电〔2026〕X号"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date=monday)
    assert not calendar.is_working_day(monday)
    event = AuditEvent.objects.get(action="calendar_day.create")
    assert event.object_id == str(day.pk)
    assert event.after == {
        "date": "2027-05-03",
        "kind": "holiday",
        "name": "劳动节",
        "note": "国办发明电〔2026〕X号",
    }

    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[day.pk]),
        {"date": "2027-05-03", "kind": "workday", "name": "劳动节", "note": ""},
    )
    assert response.status_code == 302
    assert calendar.is_working_day(monday)
    update = AuditEvent.objects.get(action="calendar_day.update")
    assert update.before is not None and update.before["kind"] == "holiday"
    assert update.after is not None and update.after["kind"] == "workday"

    response = admin_client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_day.delete", object_id=str(day.pk)).count() == 1


def test_bulk_delete_in_the_admin_audits_each_row(admin_client: Any) -> None:
    rows = [
        CalendarDay.objects.create(date=date(2027, 1, day), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        for day in (1, 2, 3)
    ]
    assert not calendar.is_working_day(date(2027, 1, 1))
    response = admin_client.post(
        reverse("admin:core_calendarday_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk for row in rows], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_day.delete").count() == 3
    assert calendar.is_working_day(date(2027, 1, 1))  # a Friday again


def test_refresh_warns_when_next_year_is_unknown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="govhall.core.calendar"):
        status = calendar.refresh_calendar(today=date(2027, 11, 21))
    assert status["status"] == "missing_next_year"
    assert status["next_year"] == 2028 and status["next_year_source"] is None
    assert any("2028" in record.getMessage() for record in caplog.records)

    CalendarDay.objects.create(date=date(2028, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="govhall.core.calendar"):
        status = calendar.refresh_calendar(today=date(2027, 11, 21))
    assert status["status"] == "ok" and status["next_year_source"] == "table"
    assert status["table_rows"] == 1
    assert not caplog.records


def test_refresh_is_quiet_for_years_the_package_covers(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="govhall.core.calendar"):
        status = calendar.refresh_calendar(today=date(2025, 3, 1))
    assert status == status | {"status": "ok", "next_year": 2026, "next_year_source": "package"}
    assert not caplog.records


def test_refresh_warns_when_next_year_is_past_the_configured_range(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.GOVHALL_CALENDAR_YEARS = (2004, 2027)
    with caplog.at_level(logging.WARNING, logger="govhall.core.calendar"):
        status = calendar.refresh_calendar(today=date(2027, 11, 21))
    assert status["status"] == "out_of_range"
    assert "GOVHALL_CALENDAR_LAST_YEAR" in caplog.text


def test_periodic_task_runs_and_reports_next_year(caplog: pytest.LogCaptureFixture) -> None:
    next_year = datetime.now(SHANGHAI).year + 1
    expected_without_rows = "ok" if calendar.year_source(next_year) == "package" else "missing_next_year"
    built = calendar.rebuild_calendar()
    # Enqueued through Huey (immediate mode in tests); Huey keeps no results of periodic tasks, so
    # the run shows in its effects: a fresh index and, when next year is unknown, the warning.
    with caplog.at_level(logging.WARNING, logger="govhall.core.calendar"):
        refresh_working_calendar()
    assert calendar._shared.index is not None and calendar._shared.index is not built
    assert bool(caplog.records) == (expected_without_rows != "ok")

    status = refresh_working_calendar.call_local()
    assert status["next_year"] == next_year
    assert status["status"] == expected_without_rows
    CalendarDay.objects.create(date=date(next_year, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    assert refresh_working_calendar.call_local()["status"] == "ok"


def test_periodic_task_is_scheduled_at_one_in_the_morning_beijing_time() -> None:
    task = refresh_working_calendar.task_class()
    # Huey matches crontabs against UTC; 17:00 UTC is 01:00 in Beijing.
    assert task.validate_datetime(datetime(2026, 11, 21, 17, 0))
    assert not task.validate_datetime(datetime(2026, 11, 21, 1, 0))
    assert not task.validate_datetime(datetime(2026, 11, 21, 17, 1))
