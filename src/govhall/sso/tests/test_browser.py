"""Single sign-on in a real browser: a citizen signs in to one government system through govhall,
opens a second system without typing the password again, and one logout ends both.

The two systems are two processes of the demo relying party (examples/relying_party/rp.py) on
their own loopback ports, each registered as a client of the live govhall server. They re-check
the govhall session with ``prompt=none`` on every protected page (``--recheck-seconds 0``), which
is how the second system learns of a logout made through the first.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from govhall.identity import services as identity_services
from govhall.sso import services
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RP_SCRIPT = Path(__file__).resolve().parents[4] / "examples" / "relying_party" / "rp.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def relying_party(issuer: str, name: str, log: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    registered = services.register_client(
        actor=None,
        name=name,
        redirect_uris=[f"{base}/callback/"],
        post_logout_redirect_uris=[f"{base}/"],
        is_government=True,
    )
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                str(RP_SCRIPT),
                "--port",
                str(port),
                "--issuer",
                issuer,
                "--client-id",
                registered.application.client_id,
                "--client-secret",
                registered.client_secret or "",
                "--name",
                name,
                "--recheck-seconds",
                "0",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{name} did not start: {log.read_text()}") from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_one_login_for_two_systems_and_one_logout_for_both(
    page: Any, live_server: Any, screenshot: Any, tmp_path: Path
) -> None:
    citizen = personas.citizen("citizen")
    identity_services.set_real_name_level(actor=None, user=citizen, level=2)
    issuer = f"{live_server.url}/o"
    visited: list[str] = []
    # Every page the browser asks for, redirects included.
    page.on(
        "request", lambda request: visited.append(request.url) if request.is_navigation_request() else None
    )

    with (
        relying_party(issuer, "不动产登记系统", tmp_path / "rp-a.log") as system_a,
        relying_party(issuer, "公积金服务系统", tmp_path / "rp-b.log") as system_b,
    ):
        # System A sends the visitor to govhall's sign-in page.
        page.goto(f"{system_a}/protected/")
        page.wait_for_url(f"{live_server.url}/accounts/login/**")
        assert page.get_by_role("heading", name="用户登录").is_visible()
        screenshot(page, "sso-1-govhall-login")
        page.get_by_label("用户名").fill("citizen")
        page.get_by_label("密码").fill(personas.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{system_a}/protected/")
        assert page.locator("#who").inner_text() == "已登录：张三 (实名等级 L2)"
        assert page.get_by_role("heading", name="不动产登记系统").is_visible()
        screenshot(page, "sso-2-system-a-signed-in")

        # System B: signed in through govhall's session, no password asked.
        visited.clear()
        page.goto(f"{system_b}/protected/")
        page.wait_for_url(f"{system_b}/protected/")
        assert page.locator("#who").inner_text() == "已登录：张三 (实名等级 L2)"
        assert page.get_by_role("heading", name="公积金服务系统").is_visible()
        assert any(url.startswith(f"{issuer}/authorize/") for url in visited)
        assert not any("/accounts/login/" in url for url in visited)
        screenshot(page, "sso-3-system-b-without-password")

        # Logout in system A ends the govhall session and comes back to A.
        page.goto(f"{system_a}/protected/")
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(f"{system_a}/")
        assert page.locator(".who").inner_text() == "未登录。"
        screenshot(page, "sso-4-system-a-signed-out")

        # System B finds the govhall session gone on its next page and asks for a sign-in.
        page.goto(f"{system_b}/protected/")
        page.wait_for_url(f"{live_server.url}/accounts/login/**")
        assert page.get_by_label("密码").is_visible()
        screenshot(page, "sso-5-system-b-asks-to-sign-in")
        page.goto(f"{system_b}/")
        assert page.locator(".who").inner_text() == "未登录。"

        page.goto(f"{system_a}/protected/")
        page.wait_for_url(f"{live_server.url}/accounts/login/**")
        page.goto(f"{live_server.url}/accounts/me/")
        page.wait_for_url(f"{live_server.url}/accounts/login/**")


def test_approver_enrols_an_authenticator_on_first_sign_in(
    page: Any, live_server: Any, screenshot: Any, settings: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from govhall.testing import otp as otp_helpers

    settings.GOVHALL_STAFF_OTP_REQUIRED = True
    personas.staff("approver")
    page.goto("/accounts/me/")
    page.get_by_label("用户名").fill("approver")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/sso/otp/setup/**")
    assert page.locator(".gh-otp-qr svg").is_visible()
    screenshot(page, "sso-otp-1-enrol")

    device = TOTPDevice.objects.get(user__username="approver")
    page.get_by_label("验证码").fill(otp_helpers.totp_code(device))
    page.get_by_role("button", name="完成绑定").click()
    assert page.get_by_role("heading", name="绑定成功，请保存恢复码").is_visible()
    assert page.locator(".gh-recovery-codes li").count() == 10
    screenshot(page, "sso-otp-2-recovery-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url("**/accounts/me/")
    assert page.get_by_role("heading", name="我的账号").is_visible()


def test_consent_page_of_a_third_party_system(page: Any, live_server: Any, screenshot: Any) -> None:
    from urllib.parse import urlencode

    personas.citizen("citizen")
    registered = services.register_client(
        actor=None,
        name="便民缴费小程序",
        redirect_uris=["https://pay.example.com/callback"],
        is_government=False,
        confidential=False,
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": registered.application.client_id,
            "redirect_uri": "https://pay.example.com/callback",
            "scope": "openid profile realname",
            "state": "s1",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"/o/authorize/?{query}")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/o/authorize/**")
    assert page.get_by_role("heading", name="授权确认").is_visible()
    assert page.get_by_text("实名认证等级").is_visible()
    screenshot(page, "sso-consent")
