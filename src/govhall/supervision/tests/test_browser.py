"""Browser: a case passes its deadline → the supervisor's board shows the yellow card → the
responsible reviewer explains → the supervisor closes it."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import handling
from govhall.cases.tests.helpers import submitted
from govhall.supervision import evaluation
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import at
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_yellow_card_from_board_to_closing(
    browser: Any,
    live_server: Any,
    screenshot: Any,
    citizen: Any,
    other_citizen: Any,
    item: Any,
    clerk: Any,
    reviewer: Any,
    supervisor: Any,
    clock: Any,
) -> None:
    clock("2026-11-20 10:00")  # due 4 December
    late = handling.accept_case(actor=clerk, case=submitted(citizen, item).case)
    clock("2026-11-24 10:00")  # due 8 December: one working day left on the 7th
    handling.accept_case(actor=clerk, case=submitted(other_citizen, item).case)
    clock("2026-12-07 09:00")
    evaluation.sweep(now=at("2026-12-07 09:00"))
    card = Alert.objects.get(case=late, rule_kind="overdue")
    assert card.level == "yellow"

    contexts: list[Any] = []

    def tab() -> Any:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        journey(tab, screenshot, late.case_no or "", card)
    finally:
        # Closed before the live server stops, so no request thread outlives it.
        for context in contexts:
            context.close()
    card.refresh_from_db()
    assert (card.status, card.decided_by) == (Alert.Status.CLOSED, supervisor)


def journey(tab: Any, screenshot: Any, case_no: str, card: Alert) -> None:
    watcher = tab()
    log_in(watcher, "supervisor", "/supervision/")
    row = watcher.locator("tr.tone-overdue", has_text=case_no)
    assert "已超期 1 个工作日" in row.inner_text()
    assert watcher.locator("tr.tone-due_soon").count() == 1
    assert watcher.locator(".gh-sv-stat.is-yellow strong").inner_text() == "1"
    watcher.wait_for_selector('#sv-charts[data-ready="true"]')
    assert watcher.locator("#sv-chart-trend canvas").count() == 1
    assert watcher.locator("#sv-chart-departments canvas").count() == 1
    screenshot(watcher, "supervision-board")
    watcher.locator(".gh-sv-stat.is-yellow").click()
    assert watcher.locator(f"a[href='/supervision/alerts/{card.pk}/']").count() >= 1

    clerk_tab = tab()
    log_in(clerk_tab, "reviewer", f"/supervision/alerts/{card.pk}/")
    clerk_tab.get_by_label("说明超期或违规原因及整改情况").fill("专家论证延误，已于当日完成审查。")
    clerk_tab.get_by_role("button", name="提交情况说明").click()
    assert clerk_tab.get_by_test_id("alert-status").inner_text() == "已说明待审核"
    assert clerk_tab.get_by_role("button", name="提交审核").count() == 0

    watcher.goto(f"/supervision/alerts/{card.pk}/")
    watcher.get_by_label("核销（说明属实，已整改）").check()
    watcher.get_by_label("审核意见（维持时必填）").fill("说明属实，予以核销。")
    watcher.get_by_role("button", name="提交审核").click()
    assert watcher.get_by_test_id("alert-status").inner_text() == "已核销"
    screenshot(watcher, "supervision-alert-closed")
