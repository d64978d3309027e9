"""Dashboard pages, chart JSON and Excel, and the monthly report as PDF and Excel."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from govhall.analytics import queries, report, warehouse
from govhall.analytics.permissions import Scope

pytestmark = pytest.mark.django_db

PERIOD_ARGS = "from=2024-01-01&to=2027-12-31"


@pytest.fixture
def leader(platform_admin: Any, item: Any, county_item: Any, history: Any) -> Client:
    history([item, county_item], count=60)
    warehouse.refresh()
    client = Client()
    client.force_login(platform_admin)
    return client


def test_dashboard_and_big_screen_render(leader: Client) -> None:
    page = leader.get("/analytics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "决策辅助" in html and "收件量" in html and "vendor/echarts/echarts.min.js" in html
    assert 'data-chart="map"' in html and "analytics/geo/445300.json" in html
    screen = leader.get("/analytics/screen/")
    assert screen.status_code == 200 and 'data-refresh-seconds="60"' in screen.content.decode()


@pytest.mark.parametrize("name", queries.CHART_NAMES)
def test_every_chart_as_json_and_excel(leader: Client, name: str) -> None:
    data = leader.get(f"/analytics/charts/{name}.json?{PERIOD_ARGS}").json()
    assert data["title"] and data["columns"]
    assert all(len(row) == len(data["columns"]) for row in data["rows"])
    sheet = load_workbook(
        io.BytesIO(leader.get(f"/analytics/charts/{name}.xlsx?{PERIOD_ARGS}").content)
    ).active
    assert sheet is not None
    assert sheet.cell(row=1, column=1).value == data["title"]
    assert [c.value for c in sheet[5]][: len(data["columns"])] == data["columns"]


def test_figures_agree_with_the_cases(leader: Client) -> None:
    kpis = dict((r[0], r[1]) for r in leader.get(f"/analytics/charts/kpis.json?{PERIOD_ARGS}").json()["rows"])
    assert kpis["收件量"] == 60
    trend = leader.get(f"/analytics/charts/trend.json?{PERIOD_ARGS}").json()
    assert sum(row[1] for row in trend["rows"]) == 60
    regions = leader.get(f"/analytics/charts/regions.json?{PERIOD_ARGS}").json()
    assert sum(row[1] for row in regions["rows"]) == 60
    satisfaction = leader.get(f"/analytics/charts/satisfaction.json?{PERIOD_ARGS}").json()
    assert satisfaction["kind"] in {"empty", "pie"}


def test_day_trend_lists_every_day(leader: Client) -> None:
    data = leader.get("/analytics/charts/trend.json?from=2026-01-01&to=2026-01-31&by=day").json()
    assert len(data["rows"]) == 31 and data["columns"][0] == "日期"
    data = leader.get("/analytics/charts/trend.json?from=2025-01-01&to=2026-01-31&by=day").json()
    assert data["columns"][0] == "月份"  # more than three months: by month


def test_monthly_report_pdf_and_excel(leader: Client) -> None:
    month = timezone.localdate().strftime("%Y-%m")
    pdf = leader.get(f"/analytics/report.pdf?month={month}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(leader.get(f"/analytics/report.xlsx?month={month}").content))
    assert len(book.sheetnames) >= 9


def test_report_for_an_empty_month_renders() -> None:
    warehouse.refresh()
    built = report.build(date(2021, 2, 1), Scope(everything=True, label="全市"))
    assert report.render_pdf(built).startswith(b"%PDF")
