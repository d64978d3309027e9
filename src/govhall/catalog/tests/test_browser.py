"""A visitor finds an item by theme, reads its guide, and finds another by a plain-language search."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.catalog.content import MaterialSpec
from govhall.catalog.demo import ensure_themes
from govhall.catalog.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _catalogue() -> None:
    ensure_themes()
    police = f.department("GAJ", name="云浮市公安局")
    market = f.department("SCJGJ", name="云浮市市场监督管理局")
    f.published_item(
        police,
        name="普通护照签发",
        aliases=["办护照", "出国证件"],
        target="person",
        theme_codes=["P10", "P09"],
        online_depth=4,
        trips=0,
        original_check="none",
        legal_basis="《中华人民共和国护照法》第四条：普通护照由公安部出入境管理机构或者公安部委托的县级以上地方人民政府公安机关出入境管理机构签发。",
        conditions="中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国的，可以申请普通护照。",
        materials=[
            MaterialSpec(name="中国公民出入境证件申请表", original=True, has_form=True, has_sample=True),
            MaterialSpec(name="居民身份证", source="licence", licence_type="居民身份证", medium="electronic"),
        ],
        popularity=90,
    )
    f.published_item(market, name="食品经营许可", popularity=80)
    f.published_item(
        market, kind="20", name="个体工商户登记", aliases=["开小店"], target="person", theme_codes=["P03"]
    )


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_home_theme_guide_search(page: Any, screenshot: Any) -> None:
    _catalogue()
    page.goto("/")
    screenshot(page, "catalog-1-home")
    page.get_by_role("link", name="证件办理").first.click()
    page.wait_for_url("**/themes/P10/")
    assert page.get_by_role("heading", name="证件办理", level=1).is_visible()
    screenshot(page, "catalog-2-theme")

    page.get_by_role("link", name="普通护照签发").click()
    page.wait_for_url("**/items/*/")
    assert page.get_by_role("heading", name="普通护照签发", level=1).is_visible()
    assert "★★★★★" in page.locator(".gh-guide-stars").inner_text()
    apply = page.get_by_role("link", name="在线办理")
    assert apply.is_visible() and apply.get_attribute("href", timeout=1000).startswith("/apply/")  # type: ignore[union-attr]
    assert page.locator("table.gh-materials tbody tr").count() == 2
    screenshot(page, "catalog-3-guide")

    # Keyboard only: focus the search box, type a plain-language phrase, press Enter.
    page.get_by_label("搜索办事事项").focus()
    page.keyboard.type("开饭店")
    page.keyboard.press("Enter")
    page.wait_for_url("**/items/?q=*")
    first = page.locator(".gh-item-name a").first
    assert first.inner_text() == "食品经营许可"
    screenshot(page, "catalog-4-search")


def test_guide_on_a_phone(page: Any, screenshot: Any) -> None:
    _catalogue()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/items/?audience=citizen")
    assert _no_horizontal_scroll(page)
    page.get_by_role("link", name="普通护照签发").click()
    page.wait_for_url("**/items/*/")
    assert page.get_by_role("link", name="在线办理").is_visible()
    assert _no_horizontal_scroll(page)
    screenshot(page, "catalog-5-guide-phone")
    page.goto(page.url + "?lang=zh-hant")
    assert page.get_by_role("heading", name="普通護照簽發", level=1).is_visible()
