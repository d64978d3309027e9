"""Browser: a region leader opens the dashboard and the command centre's big screen; every chart
draws (screenshots in test-artifacts/ to look at)."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.analytics import warehouse
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_DRAWN = "document.querySelectorAll('[data-chart]:not([data-loaded])').length === 0"


def test_dashboard_and_big_screen(
    browser: Any,
    live_server: Any,
    screenshot: Any,
    supervisor: Any,
    item: Any,
    county_item: Any,
    history: Any,
) -> None:
    history([item, county_item], count=240)
    warehouse.refresh()
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1400, "height": 900}, base_url=live_server.url
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/?next=/analytics/")
        page.get_by_label("用户名").fill(supervisor.username)
        page.get_by_label("密码").fill(personas.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/analytics/")
        page.wait_for_function(ALL_DRAWN)
        assert page.locator("[data-loaded='error']").count() == 0
        assert page.get_by_role("link", name="决策辅助").count() == 1
        assert "云浮市" in page.locator("main").inner_text()
        page.wait_for_timeout(800)  # let the chart animations finish
        screenshot(page, "analytics-dashboard")

        page.select_option("#map-figure", "online_rate")
        page.wait_for_function(
            "document.getElementById('chart-map').getAttribute('data-url').includes('online_rate')"
        )
        with page.expect_download() as download:
            page.get_by_role("link", name="下载数据（Excel）").first.click()
        assert download.value.suggested_filename == "analytics-trend.xlsx"

        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto("/analytics/screen/")
        page.wait_for_function(ALL_DRAWN)
        page.wait_for_function("document.querySelector('[data-kpi=\"收件量\"]').textContent !== '—'")
        assert page.locator("[data-loaded='error']").count() == 0
        page.wait_for_timeout(800)
        screenshot(page, "analytics-big-screen")
    finally:
        context.close()
