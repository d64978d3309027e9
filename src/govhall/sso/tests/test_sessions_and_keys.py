"""One's sign-in sessions (listed, ended, on database and cache sessions), key rotation, and the
platform admin's registration of client systems."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from jwcrypto.jwt import JWTMissingKey
from oauth2_provider.models import Application

from govhall.core.audit import verify_chain
from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.sso import services
from govhall.sso.models import ClientProfile, SigningKey, UserSession
from govhall.sso.tests.conftest import Rp, authorize_code, verify_id_token
from govhall.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _browser(username: str, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _sessions_are_listed_and_ended(citizen: Any) -> None:
    phone = _browser("citizen", "Mozilla/5.0 (iPhone) Safari")
    desk = _browser("citizen", "Mozilla/5.0 (X11; Linux) Firefox")
    page = desk.get("/sso/sessions/")
    text = page.content.decode()
    assert page.status_code == 200 and "iPhone" in text and "Firefox" in text and "当前会话" in text
    rows = list(UserSession.objects.filter(user=citizen))
    assert len(rows) == 2
    other = next(row for row in rows if "iPhone" in row.user_agent)

    assert desk.post(f"/sso/sessions/{other.pk}/revoke/").status_code == 302
    assert phone.get("/accounts/me/").status_code == 302  # that browser is signed out
    assert desk.get("/accounts/me/").status_code == 200
    event = AuditEvent.objects.get(action="sso.session_revoked")
    assert event.actor_id == citizen.pk and event.before["user_agent"].endswith("Safari")

    current = UserSession.objects.get(user=citizen)
    assert desk.post(f"/sso/sessions/{current.pk}/revoke/")["Location"] == "/accounts/login/"
    assert desk.get("/accounts/me/").status_code == 302


def test_sessions_on_the_database(citizen: Any) -> None:
    _sessions_are_listed_and_ended(citizen)


def test_sessions_in_the_cache(settings: Any, citizen: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    _sessions_are_listed_and_ended(citizen)


@pytest.mark.redis
def test_sessions_in_redis(settings: Any, citizen: Any, redis_url: str) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    _sessions_are_listed_and_ended(citizen)


def test_nobody_ends_another_users_session(citizen: Any, other_citizen: Any) -> None:
    _browser("citizen", "Phone")
    intruder = _browser("other_citizen", "Desk")
    theirs = UserSession.objects.get(user=citizen)
    assert intruder.post(f"/sso/sessions/{theirs.pk}/revoke/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.revoke_session(actor=other_citizen, session=theirs)
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_signing_out_and_expired_sessions_leave_the_list(citizen: Any) -> None:
    browser = _browser("citizen", "Phone")
    assert UserSession.objects.filter(user=citizen).count() == 1
    browser.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=citizen).exists()

    gone = _browser("citizen", "Tablet")
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()  # as if expired and cleared
    viewer = _browser("citizen", "Desk")
    page = viewer.get("/sso/sessions/").content.decode()
    assert "Tablet" not in page and "Desk" in page
    assert gone.get("/accounts/me/").status_code == 302


def test_key_rotation_keeps_the_old_key_published(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    old_token = gov_rp.token(Client(), authorize_code(client, gov_rp)).json()["id_token"]
    old_kid = SigningKey.objects.get(is_active=True).kid

    out = StringIO()
    call_command("sso_rotate_key", stdout=out)
    new_kid = SigningKey.objects.get(is_active=True).kid
    assert new_kid != old_kid and f"signing key: {new_kid}" in out.getvalue()
    kids = [key["kid"] for key in client.get("/o/.well-known/jwks.json").json()["keys"]]
    assert kids == [new_kid, old_kid]
    verify_id_token(client, old_token, gov_rp.client_id)  # tokens signed before still verify

    new_token = gov_rp.token(Client(), authorize_code(client, gov_rp)).json()["id_token"]
    _claims, header = verify_id_token(client, new_token, gov_rp.client_id)
    assert header["kid"] == new_kid
    assert AuditEvent.objects.filter(action="sso.signing_key_rotated").count() == 1
    assert verify_chain().ok

    # A leaked key is withdrawn at once: it leaves the JWKS and its tokens stop verifying.
    call_command("sso_rotate_key", "--withdraw-previous", stdout=StringIO())
    kids = [key["kid"] for key in client.get("/o/.well-known/jwks.json").json()["keys"]]
    assert len(kids) == 1 and kids[0] not in {old_kid, new_kid}
    with pytest.raises(JWTMissingKey):
        verify_id_token(client, new_token, gov_rp.client_id)
    hint = client.get("/o/logout/", {"id_token_hint": new_token})
    assert hint.status_code == 400


def test_platform_admin_registers_a_client(client: Client, platform_admin: Any, dept_a: Any) -> None:
    client.force_login(platform_admin)
    form = client.get("/sso/clients/new/")
    assert form.status_code == 200 and "登记接入应用" in form.content.decode()
    bad = client.post(
        "/sso/clients/new/", {"name": "市场监管业务系统", "redirect_uris": "ftp://x", "is_government": "on"}
    )
    assert bad.status_code == 200 and "地址“ftp://x”无效" in bad.content.decode()
    created = client.post(
        "/sso/clients/new/",
        {
            "name": "市场监管业务系统",
            "is_government": "on",
            "confidential": "on",
            "department": dept_a.pk,
            "redirect_uris": "https://scjg.yunfu.gov.cn/callback\nhttps://scjg.yunfu.gov.cn/callback2",
            "post_logout_redirect_uris": "https://scjg.yunfu.gov.cn/",
        },
    )
    assert created.status_code == 200
    registered = created.context["registered"]
    application = Application.objects.get(pk=registered.application.pk)
    assert application.skip_authorization and application.algorithm == "RS256"
    assert (
        application.redirect_uris == "https://scjg.yunfu.gov.cn/callback https://scjg.yunfu.gov.cn/callback2"
    )
    assert registered.client_secret in created.content.decode()
    assert application.client_secret != registered.client_secret  # only the hash is stored
    event = AuditEvent.objects.get(action="sso.client_registered")
    assert event.actor_id == platform_admin.pk and event.after["department"] == dept_a.pk
    assert registered.client_secret not in json.dumps(event.after)
    assert "市场监管业务系统" in client.get("/sso/clients/").content.decode()

    profile = ClientProfile.objects.get(application=application)
    assert client.post(f"/sso/clients/{profile.pk}/remove/").status_code == 302
    assert not Application.objects.filter(pk=application.pk).exists()
    assert AuditEvent.objects.filter(action="sso.client_removed").exists()


def test_only_platform_admins_register_clients(client: Client, department_admin: Any) -> None:
    client.force_login(department_admin)
    assert client.get("/sso/clients/").status_code == 403
    assert (
        client.post("/sso/clients/new/", {"name": "x", "redirect_uris": "https://a.b/c"}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        services.register_client(
            actor=department_admin, name="x", redirect_uris=["https://a.b/c"], is_government=True
        )
    with pytest.raises(DomainError):
        services.register_client(actor=None, name="x", redirect_uris=[], is_government=True)
    assert not Application.objects.exists()


def test_django_admin_does_not_offer_unaudited_client_or_device_pages(admin_client: Client) -> None:
    assert admin_client.get("/admin/oauth2_provider/application/").status_code == 404
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_register_client_command() -> None:
    out = StringIO()
    call_command(
        "sso_register_client",
        "--name",
        "不动产登记系统",
        "--redirect-uri",
        "http://127.0.0.1:8101/callback/",
        "--post-logout-uri",
        "http://127.0.0.1:8101/",
        "--government",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    application = Application.objects.get(client_id=printed["client_id"])
    assert application.skip_authorization and application.client_type == "confidential"
    assert printed["client_secret"] and application.client_secret != printed["client_secret"]
    assert application.post_logout_redirect_uris == "http://127.0.0.1:8101/"
    assert AuditEvent.objects.get(action="sso.client_registered").actor_id is None
