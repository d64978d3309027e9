"""In a real browser: the holder opens 我的证照, shares a licence, and the verification page says it
is valid; screenshots under test-artifacts/ for people to look at."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.licences.models import Licence
from govhall.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_holder_shares_and_anyone_verifies(
    page: Any, screenshot: Any, issued: Licence, enterprise: Any
) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(enterprise.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.get_by_role("link", name="我的证照").click()
    row = page.get_by_role("row").filter(has_text="营业执照")
    assert issued.identifier in row.inner_text()
    row.get_by_label("分享有效期").select_option("168")
    row.get_by_role("button", name="生成分享链接").click()
    link = page.get_by_label("分享链接").input_value()
    assert "/licences/shared/" in link and "168 小时内有效" in page.get_by_role("status").inner_text()
    screenshot(page, "licences-1-mine")
    page.goto(link)
    assert "证照真实有效" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="证照核验").click()
    page.get_by_label("证照标识").fill(issued.identifier)
    page.get_by_role("button", name="核验").click()
    outcome = page.locator("[data-outcome]")
    assert outcome.get_attribute("data-outcome") == "valid"
    assert enterprise.uscc in page.content() and "石材加工、销售" in page.content()
    screenshot(page, "licences-2-verify")
