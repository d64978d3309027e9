"""Staff second factor: who is asked, enrolment, verification, recovery codes, the admin's reset."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.core.errors import PermissionDenied
from govhall.core.models import AuditEvent
from govhall.sso import services
from govhall.sso.tests.conftest import Rp, callback_params
from govhall.testing import otp as otp_helpers
from govhall.testing.personas import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_required")]


def _login(username: str, next_url: str = "/accounts/me/") -> tuple[Client, Any]:
    """Sign in through the real login form (password only), as a browser would."""
    client = Client()
    response = client.post(f"/accounts/login/?next={next_url}", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client, client.get(next_url)


def test_approver_without_device_must_enrol_first(approver: Any) -> None:
    client, response = _login("approver")
    assert response.status_code == 302
    assert response["Location"] == "/sso/otp/?next=/accounts/me/"
    response = client.get(response["Location"])
    assert response["Location"] == "/sso/otp/setup/?next=%2Faccounts%2Fme%2F"
    # Every other page sends the approver back, and the API refuses the session.
    assert client.get("/").status_code == 302
    api = client.get("/api/v1/auth/me")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"

    setup = client.get("/sso/otp/setup/?next=/accounts/me/")
    page = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in page and "绑定身份验证器" in page
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page)
    assert secret is not None
    assert base64.b32decode(secret.group(1).replace(" ", "")) == device.bin_key

    done = client.post("/sso/otp/setup/", {"code": otp_helpers.totp_code(device), "next": "/accounts/me/"})
    assert done.status_code == 200
    codes = re.findall(r"<li class=\"col\"><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/accounts/me/").status_code == 200
    assert AuditEvent.objects.filter(action="sso.otp_enrolled", actor_id=approver.pk).exists()


def test_wrong_codes_are_rejected(approver: Any) -> None:
    client, _ = _login("approver")
    client.get("/sso/otp/setup/")
    wrong = client.post("/sso/otp/setup/", {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=approver, confirmed=True).exists()
    assert client.get("/accounts/me/").status_code == 302

    device = TOTPDevice.objects.get(user=approver)
    device.confirmed = True
    device.throttle_reset()
    device.save()
    otp_helpers.recovery_codes(approver)
    response = client.post("/sso/otp/", {"code": "123456", "next": "/accounts/me/"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert client.get("/accounts/me/").status_code == 302
    assert AuditEvent.objects.filter(action="sso.otp_failed", actor_id=approver.pk).count() == 2
    # Failures slow further guesses down (django-otp's growing delay).
    throttled = client.post("/sso/otp/", {"code": otp_helpers.totp_code(device)})
    assert throttled.status_code == 429 and "尝试次数过多" in throttled.content.decode()


def test_enrolled_approver_verifies_with_the_authenticator(approver: Any) -> None:
    device = otp_helpers.totp_device(approver)
    client, response = _login("approver")
    assert response["Location"] == "/sso/otp/?next=/accounts/me/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "两步验证" in page.content.decode()
    # With an authenticator in place, enrolment is closed: a stolen password cannot add another.
    assert client.get("/sso/otp/setup/")["Location"].startswith("/sso/otp/?next=")
    verified = client.post("/sso/otp/", {"code": otp_helpers.totp_code(device), "next": "/accounts/me/"})
    assert verified["Location"] == "/accounts/me/"
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200


def test_a_recovery_code_works_once(approver: Any) -> None:
    otp_helpers.totp_device(approver)
    codes = otp_helpers.recovery_codes(approver)
    client, _ = _login("approver")
    used = client.post(
        "/sso/otp/", {"code": codes[3].upper()[:4] + "-" + codes[3][4:], "next": "/accounts/me/"}
    )
    assert used["Location"] == "/accounts/me/"
    assert "还剩 9 个" in client.get("/accounts/me/").content.decode()
    event = AuditEvent.objects.filter(action="sso.otp_verified", actor_id=approver.pk).latest("sequence")
    assert event.after == {"kind": "recovery_code", "recovery_codes_left": 9}

    again, _ = _login("approver")
    response = again.post("/sso/otp/", {"code": codes[3], "next": "/accounts/me/"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert again.get("/accounts/me/").status_code == 302


def test_recovery_codes_can_be_regenerated_by_a_verified_user(approver: Any) -> None:
    old = otp_helpers.recovery_codes(approver)
    client = Client()
    client.force_login(approver)
    refused = client.post("/sso/otp/recovery-codes/")
    assert refused.status_code == 302 and refused["Location"].startswith("/sso/otp/")
    otp_helpers.verify_session(client, approver)
    page = client.post("/sso/otp/recovery-codes/")
    new = re.findall(r"<li class=\"col\"><code>([a-z2-7]+)</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticDevice.objects.get(user=approver).token_set.count() == 10


def test_platform_admin_resets_a_lost_authenticator(approver: Any, platform_admin: Any) -> None:
    otp_helpers.totp_device(approver)
    otp_helpers.recovery_codes(approver)
    admin = Client()
    admin.force_login(platform_admin)
    assert admin.get("/sso/otp-reset/").status_code == 302  # the admin passes the second factor too
    otp_helpers.verify_session(admin, platform_admin)
    response = admin.post("/sso/otp-reset/", {"username": "approver"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=approver).exists()
    assert not StaticDevice.objects.filter(user=approver).exists()
    event = AuditEvent.objects.get(action="sso.otp_reset")
    assert event.actor_id == platform_admin.pk and event.object_id == str(approver.pk)

    client, response = _login("approver")
    assert client.get(response["Location"])["Location"].startswith("/sso/otp/setup/")


def test_only_platform_admins_reset(approver: Any, department_admin: Any) -> None:
    otp_helpers.totp_device(approver)
    client = Client()
    client.force_login(department_admin)
    otp_helpers.verify_session(client, department_admin)
    assert client.post("/sso/otp-reset/", {"username": "approver"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.reset_second_factor(actor=department_admin, user=approver)
    assert TOTPDevice.objects.filter(user=approver).exists()


@pytest.mark.parametrize("username", ["clerk", "reviewer", "citizen"])
def test_clerks_reviewers_and_citizens_are_not_asked(
    username: str, clerk: Any, reviewer: Any, citizen: Any
) -> None:
    _, response = _login(username)
    assert response.status_code == 200
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("username", ["supervisor", "department_admin", "platform_admin"])
def test_supervisors_and_admins_are_asked(
    username: str, supervisor: Any, department_admin: Any, platform_admin: Any
) -> None:
    _, response = _login(username)
    assert response.status_code == 302 and response["Location"].startswith("/sso/otp/")


def test_the_requirement_can_be_switched_off(settings: Any, approver: Any) -> None:
    settings.GOVHALL_STAFF_OTP_REQUIRED = False
    _, response = _login("approver")
    assert response.status_code == 200


def test_single_sign_on_waits_for_the_second_factor(approver: Any, gov_rp: Rp) -> None:
    device = otp_helpers.totp_device(approver)
    client, _ = _login("approver")
    silent = callback_params(client.get(gov_rp.authorize_url(prompt="none")))
    assert silent == {"error": "interaction_required", "state": gov_rp.state}
    url = gov_rp.authorize_url()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/sso/otp/?next=/o/authorize/")
    verified = client.post("/sso/otp/", {"code": otp_helpers.totp_code(device), "next": url})
    assert verified["Location"] == url
    assert "code" in callback_params(client.get(url))


def _token(username: str, otp: str | None = None) -> Any:
    body: dict[str, str] = {"username": username, "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return Client().post("/api/v1/auth/token", body, content_type="application/json")


def test_api_tokens_for_approvers_need_the_second_factor(approver: Any, clerk: Any) -> None:
    assert _token("clerk").status_code == 200
    not_enrolled = _token("approver")
    assert not_enrolled.status_code == 403 and not_enrolled.json()["code"] == "otp_enrolment_required"

    device = otp_helpers.totp_device(approver)
    missing = _token("approver")
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong = _token("approver", "000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    device.throttle_reset()
    issued = _token("approver", otp_helpers.totp_code(device))
    assert issued.status_code == 200 and issued.json()["token"].startswith("gh_")
