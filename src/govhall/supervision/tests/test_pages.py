"""Supervision pages by persona: who sees what, explaining and deciding, exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from govhall.supervision.models import Alert

pytestmark = pytest.mark.django_db

PAGES = ["/supervision/", "/supervision/alerts/", "/supervision/metrics/", "/supervision/ranking/"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_citizens_and_strangers_see_nothing(citizen: Any, client: Client) -> None:
    for url in PAGES:
        assert client.get(url).status_code == 302  # to the login page
    logged_in = client_for(citizen)
    for url in [*PAGES, "/supervision/metrics/export.xlsx", "/supervision/alerts/export.xlsx"]:
        assert logged_in.get(url).status_code == 403, url


def test_board_shows_open_cases_with_time_left(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    response = client_for(supervisor).get("/supervision/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "实时监察" in html and html.count("tone-overdue") >= 2
    assert cards[0].case is not None and cards[0].case.case_no in html
    assert cards[1].case is not None and cards[1].case.case_no in html  # the city watches its counties


def test_a_county_supervisor_does_not_see_another_countys_alerts(
    cards: tuple[Alert, Alert], county_supervisor: Any
) -> None:
    client = client_for(county_supervisor)
    listing = client.get("/supervision/alerts/").content.decode()
    assert cards[1].title not in listing and "没有符合条件的告警" in listing
    assert client.get(f"/supervision/alerts/{cards[1].pk}/").status_code == 404
    assert cards[1].case is not None
    assert cards[1].case.case_no not in client.get("/supervision/").content.decode()


def test_department_clerk_explains_but_cannot_decide(cards: tuple[Alert, Alert], clerk: Any) -> None:
    city_card, county_card = cards
    client = client_for(clerk)
    listing = client.get("/supervision/alerts/").content.decode()
    assert f"/supervision/alerts/{city_card.pk}/" in listing
    assert f"/supervision/alerts/{county_card.pk}/" not in listing
    page = client.get(f"/supervision/alerts/{city_card.pk}/").content.decode()
    assert "提交情况说明" in page and "提交审核" not in page
    client.post(f"/supervision/alerts/{city_card.pk}/explain/", {"explanation": "专家评审延误，已办结"})
    city_card.refresh_from_db()
    assert city_card.status == Alert.Status.EXPLAINED
    response = client.post(f"/supervision/alerts/{city_card.pk}/decide/", {"decision": "close"}, follow=True)
    assert "您无权办理该告警" in response.content.decode()
    city_card.refresh_from_db()
    assert city_card.status == Alert.Status.EXPLAINED


def test_supervisor_decides_an_explained_card(
    cards: tuple[Alert, Alert], clerk: Any, supervisor: Any
) -> None:
    city_card = cards[0]
    client_for(clerk).post(f"/supervision/alerts/{city_card.pk}/explain/", {"explanation": "已整改"})
    client = client_for(supervisor)
    page = client.get(f"/supervision/alerts/{city_card.pk}/").content.decode()
    assert "提交审核" in page and "已整改" in page
    response = client.post(
        f"/supervision/alerts/{city_card.pk}/decide/",
        {"decision": "uphold", "note": "理由不充分"},
        follow=True,
    )
    assert "已审核：维持" in response.content.decode()
    city_card.refresh_from_db()
    assert (city_card.status, city_card.decided_by) == (Alert.Status.UPHELD, supervisor)


def test_alert_filters_and_export(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    client = client_for(supervisor)
    only_county = client.get("/supervision/alerts/", {"department": cards[1].department_id}).content.decode()
    assert f"/supervision/alerts/{cards[1].pk}/" in only_county
    assert f"/supervision/alerts/{cards[0].pk}/" not in only_county
    assert "没有符合条件" in client.get("/supervision/alerts/", {"level": "red"}).content.decode()
    assert "没有符合条件" in client.get("/supervision/alerts/", {"period": "2026-10"}).content.decode()
    response = client.get("/supervision/alerts/export.xlsx", {"level": "yellow"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "级别", "规则") and len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"黄牌"}


def test_metrics_table_and_export(cards: tuple[Alert, Alert], supervisor: Any, clerk: Any) -> None:
    client = client_for(supervisor)
    page = client.get("/supervision/metrics/", {"period": "2026-11"}).content.decode()
    assert "办件统计 · 2026-11" in page and "市市场监管局" in page and "合计" in page
    response = client.get("/supervision/metrics/export.xlsx", {"period": "2026Q4"})
    assert response["Content-Disposition"].endswith('supervision-metrics-2026Q4.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["2026Q4 按部门", "按月"]
    by_department = list(workbook["2026Q4 按部门"].iter_rows(values_only=True))
    assert by_department[0][:4] == ("部门", "收件", "受理", "办结")
    assert by_department[-1][0] == "合计" and by_department[-1][1] == 2  # two cases received
    monthly = list(workbook["按月"].iter_rows(values_only=True))
    assert {row[0] for row in monthly[1:]} == {
        "2026-11",
        "2026-12",
    }  # received in November, cards in December
    # A department clerk sees only the own department's figures.
    clerk_page = client_for(clerk).get("/supervision/metrics/", {"period": "2026-11"}).content.decode()
    assert "市市场监管局" in clerk_page and "罗定市市场监管局" not in clerk_page
    assert "统计周期格式" in client.get("/supervision/metrics/", {"period": "bad"}).content.decode()
    quarter = client.get("/supervision/metrics/", {"period": "2026Q4"}).content.decode()
    assert "按月合计" in quarter and "?period=2026-11" in quarter and "?period=2026-10" in quarter


def test_ranking_page(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    page = client_for(supervisor).get("/supervision/ranking/", {"period": "2026Q4"}).content.decode()
    assert "绩效排名 · 2026Q4" in page and "评分办法" in page
    assert "云浮市市场监督管理局" in page and "罗定市市场监督管理局" in page


def test_rules_page(platform_admin: Any, supervisor: Any, county_region: Any) -> None:
    from govhall.supervision.models import SupervisionRule

    page = client_for(supervisor).get("/supervision/rules/").content.decode()
    assert "临期预警" in page and "设置规则" not in page
    form = {"kind": "deadline_approaching", "region": county_region.pk, "threshold": 3, "level": "warning"}
    assert client_for(supervisor).post("/supervision/rules/", {**form, "enabled": "on"}).status_code == 403
    admin = client_for(platform_admin)
    assert "设置规则" in admin.get("/supervision/rules/").content.decode()
    response = admin.post("/supervision/rules/", {**form, "enabled": "on"}, follow=True)
    assert "已保存：临期预警（云城区）" in response.content.decode()
    rule = SupervisionRule.objects.get(kind="deadline_approaching", region=county_region)
    assert (rule.enabled, rule.threshold, rule.updated_by) == (True, 3, platform_admin)
    bad = admin.post("/supervision/rules/", {**form, "threshold": ""}, follow=True).content.decode()
    assert "阈值须在 0 至 365 之间" in bad
