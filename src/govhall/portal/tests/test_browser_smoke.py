"""The home page in a real Chromium: it renders, its CSS loads, CJK text has real glyphs, phones work."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_city(settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", citizens=30, enterprises=8, stdout=StringIO())


def glyph_pictures(page: Any, text: str) -> list[str]:
    """Each character drawn alone in the page's body font, as a string of its pixels' alpha values.

    Without a CJK font every ideograph falls back to the same tofu box, so the pictures of distinct
    characters come out identical.
    """
    return page.evaluate(
        """(text) => {
            const font = '32px ' + getComputedStyle(document.body).fontFamily;
            return Array.from(text).map((ch) => {
                const ctx = document.createElement('canvas').getContext('2d');
                ctx.canvas.width = ctx.canvas.height = 40;
                ctx.font = font;
                ctx.textBaseline = 'top';
                ctx.fillText(ch, 4, 4);
                const alpha = ctx.getImageData(0, 0, 40, 40).data.filter((_, i) => i % 4 === 3);
                return Array.from(alpha, (a) => (a > 127 ? '#' : '.')).join('');
            });
        }""",
        text,
    )


def test_home_page_renders_in_chromium(page: Any, screenshot: Any, demo_city: None) -> None:
    page.goto("/")
    site_name = django_settings.GOVHALL_SITE_NAME
    assert page.title() == f"{site_name} · 首页"
    assert page.locator("h1").inner_text() == site_name
    search = page.get_by_label("搜索办事事项")
    assert search.is_visible()
    assert page.get_by_role("button", name="搜索").is_visible()
    # The vendored stylesheet applied: the header band is the government blue, not unstyled white.
    header_bg = page.evaluate("getComputedStyle(document.querySelector('.gh-header')).backgroundImage")
    assert "linear-gradient" in header_bg
    assert page.evaluate("typeof window.htmx") == "object"
    # Live counts from the seeded demo city.
    figures = page.locator(".gh-figures dd").all_inner_texts()
    assert figures[0].startswith("66") and figures[2].startswith("31")  # 30 generated + demo-citizen

    pictures = glyph_pictures(page, "办事大厅政务")
    assert all("#" in picture for picture in pictures)
    assert len(set(pictures)) == len(pictures), "CJK characters render as identical boxes (no CJK font)"

    screenshot(page, "portal-home-desktop")

    # Keyboard users: the first Tab reaches the skip link, and it is then visible.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    assert page.locator(".gh-skip-link").is_visible()
    # The focus ring is drawn (yellow inside, near-black outside), not suppressed.
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"

    search.fill("营业执照")
    with page.expect_navigation():
        page.get_by_role("button", name="搜索").click()
    assert page.url.endswith("/items/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7")


def test_home_page_on_a_phone(page: Any, screenshot: Any, demo_city: None) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    # Nothing overflows sideways: a phone user never scrolls horizontally.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("首页", "个人办事", "法人办事", "部门"):
        assert (
            page.get_by_role("navigation", name="主导航")
            .get_by_role("link", name=name, exact=True)
            .is_visible()
        )
    assert page.get_by_label("搜索办事事项").is_visible()
    screenshot(page, "portal-home-phone")
