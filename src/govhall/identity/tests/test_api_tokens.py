"""Bearer tokens: issue, use, expire, revoke, lockout — through real HTTP requests."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from govhall.core.models import AuditEvent
from govhall.identity.models import ApiToken, Role, User
from govhall.testing.factories import (
    PASSWORD,
    CitizenFactory,
    DepartmentFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


@pytest.fixture
def citizen() -> User:
    return CitizenFactory(username="zhang_san", display_name="张三", real_name_level=User.RealNameLevel.L2)


def post_json(client: Client, url: str, payload: Any, **headers: str) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def obtain(client: Client, username: str = "zhang_san", password: str = PASSWORD) -> Any:
    return post_json(client, TOKEN_URL, {"username": username, "password": password})


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert body["code"] == code
    assert body["message"] == f"{body['message_zh']} ({body['message_en']})"
    assert body["message_zh"] and body["message_en"]


def test_obtain_token_stores_only_its_hash_and_audits_the_issue(client: Client, citizen: User) -> None:
    before = timezone.now()
    response = obtain(client)
    assert response.status_code == 200, response.content
    body = response.json()
    raw = body["token"]
    assert body["token_type"] == "Bearer"
    assert raw.startswith("gh_") and len(raw) > 40

    token = ApiToken.objects.get(user=citizen)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.token_hash, token.prefix}
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + ttl <= token.expires_at <= timezone.now() + ttl
    assert body["expires_at"].startswith(token.expires_at.isoformat()[:19])

    event = AuditEvent.objects.get(action="identity.api_token.issue")
    assert event.actor_id == citizen.pk
    assert event.object_id == str(token.pk)
    assert raw not in json.dumps(event.after)
    citizen.refresh_from_db()
    assert citizen.last_login is not None and citizen.last_login >= before


@pytest.mark.parametrize(
    ("username", "password"),
    [("zhang_san", "wrong-password-1"), ("nobody_here", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_get_401_and_nothing_is_written(
    client: Client, citizen: User, username: str, password: str
) -> None:
    response = obtain(client, username, password)
    assert response.status_code == 401
    assert_error_shape(response.json(), "invalid_credentials")
    assert response.json()["message_zh"] == "用户名或密码错误"
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="identity.api_token").exists()


def test_inactive_user_cannot_obtain_a_token(client: Client, citizen: User) -> None:
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    response = obtain(client)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: Client, citizen: User
) -> None:
    codes = [obtain(client, password=f"wrong-{n}").json()["code"] for n in range(settings.AXES_FAILURE_LIMIT)]
    # The attempt that reaches the limit is itself answered as a lockout.
    assert codes[:-1] == ["invalid_credentials"] * (settings.AXES_FAILURE_LIMIT - 1)
    assert codes[-1] == "locked_out"

    response = obtain(client)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert_error_shape(response.json(), "locked_out")
    assert not ApiToken.objects.exists()

    # Another account from the same address is not locked by these failures.
    UserFactory(username="li_si")
    assert obtain(client, "li_si").status_code == 200


def test_success_before_the_limit_resets_the_failure_count(client: Client, citizen: User) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(client, password=f"wrong-{n}").status_code == 401
    assert obtain(client).status_code == 200
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(client, password=f"again-{n}").status_code == 401
    assert obtain(client).status_code == 200


def test_missing_field_is_a_validation_error_that_does_not_echo_input(client: Client, citizen: User) -> None:
    response = post_json(client, TOKEN_URL, {"username": "zhang_san-secret-marker"})
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "validation_error")
    assert body["message"] == "请求参数无效 (invalid request)"
    assert any(detail["loc"][-1] == "password" and detail["type"] == "missing" for detail in body["details"])
    assert "secret-marker" not in response.content.decode()


def test_malformed_json_is_a_bad_request(client: Client) -> None:
    response = client.post(TOKEN_URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert_error_shape(response.json(), "bad_request")


def test_me_with_a_bearer_token_shows_the_public_profile(client: Client, citizen: User) -> None:
    raw = obtain(client).json()["token"]
    response = client.get(ME_URL, **bearer(raw))
    assert response.status_code == 200, response.content
    profile = response.json()
    assert profile["username"] == "zhang_san"
    assert profile["kind"] == "citizen"
    assert profile["display_name"] == "张三"
    assert profile["real_name_level"] == 2
    assert profile["id_number_masked"] == citizen.id_number_masked
    assert citizen.id_number_masked != citizen.id_number
    assert citizen.id_number not in response.content.decode()
    assert profile["departments"] == []
    assert ApiToken.objects.get().last_used_at is not None


def test_me_lists_a_staff_members_roles_per_department(client: Client) -> None:
    tax = DepartmentFactory(name="云浮市税务局", code="SW")
    market = DepartmentFactory(name="云浮市市场监督管理局", code="SC")
    retired = DepartmentFactory(name="云浮市已撤销局", code="OLD", is_active=False)
    staff = StaffFactory(username="wang_wu")
    MembershipFactory(user=staff, department=tax, role=Role.REVIEWER)
    MembershipFactory(user=staff, department=tax, role=Role.APPROVER)
    MembershipFactory(user=staff, department=market, role=Role.WINDOW_CLERK)
    # Roles in a department that is no longer active confer nothing and are not shown.
    MembershipFactory(user=staff, department=retired, role=Role.APPROVER)

    raw = obtain(client, "wang_wu").json()["token"]
    departments = client.get(ME_URL, **bearer(raw)).json()["departments"]
    assert [(d["department_code"], [r["code"] for r in d["roles"]]) for d in departments] == [
        ("SC", ["window_clerk"]),
        ("SW", ["approver", "reviewer"]),
    ]
    assert departments[1]["roles"][0]["label"] == Role.APPROVER.label


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("gh_not-a-real-token"), {"HTTP_AUTHORIZATION": "Basic emhhbmc6c2Fu"}],
    ids=["no-header", "unknown-token", "wrong-scheme"],
)
def test_me_without_valid_credentials_is_401(client: Client, headers: dict[str, str]) -> None:
    response = client.get(ME_URL, **headers)
    assert response.status_code == 401
    assert_error_shape(response.json(), "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(client: Client, citizen: User) -> None:
    raw = obtain(client).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ME_URL, **bearer(raw)).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client: Client, citizen: User) -> None:
    raw = obtain(client).json()["token"]
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert client.get(ME_URL, **bearer(raw)).status_code == 401


def test_revoke_ends_the_token_and_is_audited(client: Client, citizen: User) -> None:
    raw = obtain(client).json()["token"]
    other_raw = obtain(client).json()["token"]

    response = client.delete(TOKEN_URL, **bearer(raw))
    assert response.status_code == 204
    token = ApiToken.objects.get(token_hash=ApiToken.hash_token(raw))
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="identity.api_token.revoke")
    assert (event.actor_id, event.object_id) == (citizen.pk, str(token.pk))
    assert event.before == {"revoked_at": None}

    assert client.get(ME_URL, **bearer(raw)).status_code == 401
    assert client.delete(TOKEN_URL, **bearer(raw)).status_code == 401
    # Only the presented token is revoked.
    assert client.get(ME_URL, **bearer(other_raw)).status_code == 200


def test_revoke_needs_a_token_not_a_session(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    assert client.delete(TOKEN_URL).status_code == 401


def test_session_login_reaches_the_api_for_reads(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    response = client.get(ME_URL)
    assert response.status_code == 200
    assert response.json()["username"] == "zhang_san"
