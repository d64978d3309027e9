"""Paying in a real browser: the case page → 去缴费 → the sandbox gateway's cashier → back to the
platform, paid; and the sandbox's asynchronous notification over real HTTP.

The sandbox runs as what it is, a separate WSGI application on its own port (a server thread in
the test process, its own SQLite file and key pair), talking to the live server over HTTP in both
directions: the browser is redirected between the two sites, the platform's server-to-server
query goes to the sandbox's port, and the sandbox's notifier posts to the live server's notify URL.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govhall.payments import conf
from govhall.payments.models import FeeOrder, GatewayNotification
from govhall.payments.tests.helpers import decide, publish_fee_item
from govhall.paysandbox import SANDBOX_APP_ID
from govhall.paysandbox.__main__ import QuietHandler, ThreadingServer
from govhall.paysandbox.app import Sandbox, SandboxConfig
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served_sandbox(
    key_dirs: dict[str, Path], tmp_path: Path, settings: Any, live_server: Any
) -> Iterator[Sandbox]:
    from wsgiref.simple_server import make_server

    var = tmp_path / "paysandbox"
    var.mkdir()
    for key in ("gateway_private.pem", "gateway_public.pem"):
        shutil.copy(key_dirs["gateway"] / key, var / key)
    sandbox = Sandbox(
        SandboxConfig(
            var_dir=var, app_id=SANDBOX_APP_ID, app_public_key_file=key_dirs["platform"] / "app_public.pem"
        )
    )
    server = make_server("127.0.0.1", 0, sandbox, server_class=ThreadingServer, handler_class=QuietHandler)
    port = server.server_address[1]
    stop = threading.Event()

    def notify_loop() -> None:
        while not stop.wait(0.2):
            sandbox.deliver_due()

    threads = [
        threading.Thread(target=server.serve_forever, daemon=True),
        threading.Thread(target=notify_loop, daemon=True),
    ]
    for thread in threads:
        thread.start()
    settings.GOVHALL_PAY_GATEWAY_URL = f"http://127.0.0.1:{port}/gateway.do"
    settings.GOVHALL_PAY_APP_ID = SANDBOX_APP_ID
    settings.GOVHALL_PAY_KEY_DIR = str(key_dirs["platform"])
    settings.GOVHALL_PAY_GATEWAY_PUBLIC_KEY_FILE = str(sandbox.public_key_path)
    settings.GOVHALL_PAY_NOTIFY_URL = f"{live_server.url}/payments/notify/"
    assert conf.gateway().gateway_url.endswith(f":{port}/gateway.do")
    yield sandbox
    stop.set()
    server.shutdown()
    server.server_close()


def test_pay_a_fee_online_through_the_sandbox(
    page: Any, served_sandbox: Sandbox, live_server: Any, screenshot: Any
) -> None:
    citizen = personas.citizen("citizen")
    for name in ("clerk", "reviewer", "approver"):
        personas.staff(name)
    case = decide(citizen, publish_fee_item(personas.department("dept_a")))
    order = FeeOrder.objects.get(case=case)

    page.goto(f"/accounts/login/?next=/my/cases/{case.case_no}/")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="去缴费").click()
    page.wait_for_url(f"**/my/payments/{order.payment_code}/")
    assert page.locator("#payment-code").inner_text() == order.code_display
    page.get_by_role("button", name="网上缴费").click()

    # The sandbox gateway's own site, on its own port.
    page.wait_for_url("http://127.0.0.1:*/gateway.do?**")
    assert page.get_by_label("应付金额").inner_text() == "¥ 20.00"
    assert page.get_by_text(order.payment_code).is_visible()
    screenshot(page, "payment-sandbox-cashier")
    page.get_by_role("button", name="确认付款").click()

    page.wait_for_url(f"{live_server.url}/my/payments/{order.payment_code}/result/")
    assert page.get_by_role("heading", name="缴费成功").is_visible()
    assert page.get_by_role("link", name="下载缴款书（PDF）").is_visible()
    screenshot(page, "payment-result")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID and order.payments.count() == 1

    # The notification follows over HTTP and is acknowledged without a second payment.
    deadline = time.monotonic() + 10
    while not GatewayNotification.objects.filter(order=order).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert GatewayNotification.objects.get(order=order).outcome in ("applied", "no_change")
    assert order.payments.count() == 1
    page.goto(f"/my/cases/{case.case_no}/")
    assert page.get_by_text("缴费完成").first.is_visible()
