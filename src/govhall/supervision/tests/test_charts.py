"""The board's chart data and the drill-down from a figure to its cases, by persona."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from govhall.supervision import charts, metrics
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import at
from govhall.supervision.tests.test_pages import client_for

pytestmark = pytest.mark.django_db


def test_trend_counts_each_day_and_level(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    trend = charts.trend(supervisor, at("2026-12-07 09:30"))
    assert len(trend["days"]) == charts.TREND_DAYS and trend["days"][-1] == "2026-12-07"
    received = dict(zip(trend["days"], trend["received"], strict=True))
    yellow = dict(zip(trend["days"], trend["alerts"]["yellow"], strict=True))
    assert received["2026-11-20"] == 2 and sum(trend["received"]) == 2
    assert yellow["2026-12-07"] == 2 and sum(trend["alerts"]["red"]) == 0
    assert sum(trend["completed"]) == 0


def test_load_by_department_and_region(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    city_card, county_card = cards
    load = charts.load(supervisor, at("2026-12-07 09:30"))
    by_department = {row["id"]: row for row in load["departments"]}
    assert by_department[city_card.department_id]["yellow"] == 1
    assert by_department[city_card.department_id]["overdue"] == 1
    assert by_department[county_card.department_id]["open"] == 1
    regions = {row["id"]: row for row in load["regions"]}
    assert regions[county_card.region_id]["overdue"] == 1
    assert sum(row["open"] for row in load["regions"]) == 2


def test_county_supervisor_charts_leave_out_other_places(
    cards: tuple[Alert, Alert], county_supervisor: Any
) -> None:
    now = at("2026-12-07 09:30")
    assert sum(charts.trend(county_supervisor, now)["received"]) == 0
    load = charts.load(county_supervisor, now)
    assert all(row["open"] == 0 and row["yellow"] == 0 for row in load["departments"])
    payload = client_for(county_supervisor).get("/supervision/board/charts.json").json()
    assert sum(payload["trend"]["alerts"]["yellow"]) == 0
    assert cards[1].department.short_name not in str(payload)


def test_clerk_sees_only_own_department(cards: tuple[Alert, Alert], clerk: Any) -> None:
    payload = client_for(clerk).get("/supervision/board/charts.json").json()
    assert sum(payload["trend"]["received"]) == 1
    assert {row["id"] for row in payload["departments"]} == {cards[0].department_id}


def test_citizen_gets_no_chart_data_or_case_lists(cards: tuple[Alert, Alert], citizen: Any) -> None:
    client = client_for(citizen)
    assert client.get("/supervision/board/charts.json").status_code == 403
    assert client.get("/supervision/cases/?figure=open").status_code == 403
    assert Client().get("/supervision/cases/?figure=open").status_code == 302


def test_metric_drilldown_lists_the_cases_counted(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    period = metrics.Period.parse("2026-11")
    figures = metrics.by_department(period)
    counted = sum(entry.received for entry in figures.values())
    listed = charts.figure_cases(supervisor, "received", now=at("2026-12-07 09:30"), period=period)
    assert listed.count() == counted == 2
    page = client_for(supervisor).get(
        f"/supervision/cases/?figure=received&period=2026-11&department={cards[0].department_id}"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "共 1 件" in html
    assert cards[0].case is not None and cards[0].case.case_no in html
    assert cards[1].case is not None and cards[1].case.case_no not in html
    metrics_page = client_for(supervisor).get("/supervision/metrics/?period=2026-11").content.decode()
    assert "/supervision/cases/?figure=received&amp;period=2026-11" in metrics_page


def test_board_tiles_drill_into_overdue_cases_and_export(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    client = client_for(supervisor)
    board = client.get("/supervision/").content.decode()
    assert "/supervision/cases/?figure=overdue_now" in board and 'id="sv-charts"' in board
    html = client.get("/supervision/cases/?figure=overdue_now").content.decode()
    assert "共 2 件" in html
    export = client.get("/supervision/cases/?figure=overdue_now&format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {card.case.case_no for card in cards if card.case is not None}


def test_pending_filter_lists_undecided_alerts(
    cards: tuple[Alert, Alert], supervisor: Any, clerk: Any
) -> None:
    from govhall.supervision import services

    services.explain_alert(actor=clerk, alert=cards[0], explanation="专家评审延误")
    html = client_for(supervisor).get("/supervision/alerts/?status=pending").content.decode()
    assert f"/supervision/alerts/{cards[0].pk}/" in html and f"/supervision/alerts/{cards[1].pk}/" in html
    html = client_for(supervisor).get("/supervision/alerts/?status=open").content.decode()
    assert f"/supervision/alerts/{cards[0].pk}/" not in html


def test_unknown_figure_or_bad_period_is_a_clear_error(supervisor: Any) -> None:
    client = client_for(supervisor)
    response = client.get("/supervision/cases/?figure=everything")
    assert response.status_code == 422 and "不能查看该指标的办件" in response.content.decode()
    response = client.get("/supervision/cases/?figure=received&period=2026-13")
    assert response.status_code == 422 and "月份无效" in response.content.decode()
