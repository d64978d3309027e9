"""Suite-wide test wiring: database choice, Redis, the browser harness."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run while a
# loop is present unless told the access is deliberate (the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["govhall.testing.fixtures"]

CHROMIUM = os.environ.get("GOVHALL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("GOVHALL_TEST_ARTIFACTS", Path(__file__).parent / "test-artifacts"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    redis_url = os.environ.get("GOVHALL_TEST_REDIS_URL", "not available")
    chromium = CHROMIUM if shutil.which(CHROMIUM) else "absent"
    return [f"govhall: database={engine} redis={redis_url} chromium={chromium}"]


def _browser_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("GOVHALL_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if _browser_required():
            pytest.fail(f"browser tests are required but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    """Save a full-page screenshot under test-artifacts/ for people to look at."""

    def take(tab: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(target), full_page=True)
        return target

    return take
