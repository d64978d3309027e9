"""Conformance-style tests of the OpenID Connect provider: discovery, JWKS, code + PKCE, token,
userinfo, ID-token signature and claims, invalid redirect URIs, replayed codes, logout."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.core.models import AuditEvent
from govhall.identity import services as identity_services
from govhall.sso.models import SigningKey
from govhall.sso.tests.conftest import (
    ISSUER,
    LOGOUT_URI,
    REDIRECT_URI,
    Rp,
    authorize_code,
    callback_params,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def _tokens(client: Client, rp: Rp, scope: str = "openid profile realname") -> dict[str, Any]:
    response = rp.token(client, authorize_code(client, rp, scope))
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_discovery_document(client: Client) -> None:
    doc = client.get("/o/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == f"{ISSUER}/authorize/"
    assert doc["token_endpoint"] == f"{ISSUER}/token/"
    assert doc["userinfo_endpoint"] == f"{ISSUER}/userinfo/"
    assert doc["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert doc["end_session_endpoint"] == f"{ISSUER}/logout/"
    assert doc["revocation_endpoint"] == f"{ISSUER}/revoke_token/"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "realname", "roles"} <= set(doc["scopes_supported"])
    assert {"sub", "name", "real_name_level", "acr", "roles"} <= set(doc["claims_supported"])
    assert "none" in doc["prompt_values_supported"]
    # The OAuth metadata document names the same issuer and keys.
    meta = client.get("/o/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == ISSUER
    assert meta["jwks_uri"] == doc["jwks_uri"]
    assert "implicit" not in meta["grant_types_supported"] and "password" not in meta["grant_types_supported"]


def test_jwks_publishes_the_signing_key_without_private_parts(client: Client) -> None:
    body = client.get("/o/.well-known/jwks.json").json()
    active = SigningKey.objects.get(is_active=True)
    assert [key["kid"] for key in body["keys"]] == [active.kid]
    key = body["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert "v1:" in active.private_key_encrypted and "PRIVATE" not in active.private_key_encrypted


def test_code_flow_with_pkce_issues_verifiable_tokens(client: Client, citizen: Any, gov_rp: Rp) -> None:
    identity_services.set_real_name_level(actor=None, user=citizen, level=2)
    client.force_login(citizen)
    response = client.get(gov_rp.authorize_url())
    params = callback_params(response)
    assert response["Location"].startswith(REDIRECT_URI + "?")
    assert params["state"] == gov_rp.state and params["iss"] == ISSUER

    token_response = gov_rp.token(Client(), params["code"])  # the RP's server, without the browser's cookie
    assert token_response.status_code == 200
    assert token_response["Cache-Control"] == "no-store"
    tokens = token_response.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    claims, header = verify_id_token(client, tokens["id_token"], gov_rp.client_id)
    assert header["kid"] == SigningKey.objects.get(is_active=True).kid
    assert claims["sub"] == str(citizen.pk)
    assert claims["nonce"] == gov_rp.nonce
    assert claims["name"] == "张三" and claims["preferred_username"] == "citizen"
    assert claims["real_name_level"] == "L2" and claims["acr"] == "urn:govhall:loa:L2"
    assert "roles" not in claims


def test_missing_code_challenge_is_refused(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    params = callback_params(
        client.get(gov_rp.authorize_url(code_challenge=None, code_challenge_method=None))
    )
    assert params["error"] == "invalid_request" and "code" not in params


def test_plain_code_challenge_is_refused(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    url = gov_rp.authorize_url(code_challenge="x" * 43, code_challenge_method="plain")
    params = callback_params(client.get(url))
    assert "code" not in params and params["error"] == "invalid_request"


@pytest.mark.parametrize("verifier", [None, "wrong-verifier-" + "x" * 40])
def test_missing_or_wrong_code_verifier_is_refused(
    client: Client, citizen: Any, gov_rp: Rp, verifier: str | None
) -> None:
    client.force_login(citizen)
    code = authorize_code(client, gov_rp)
    response = gov_rp.token(Client(), code, code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}
    assert "access_token" not in response.json()


def test_unregistered_redirect_uri_is_refused_without_redirecting(
    client: Client, citizen: Any, gov_rp: Rp
) -> None:
    client.force_login(citizen)
    evil = "https://evil.example.com/steal"
    response = client.get(gov_rp.authorize_url(redirect_uri=evil))
    assert response.status_code == 400
    assert "Location" not in response
    assert "登录请求无效" in response.content.decode()
    # A prefix of the registered address is not the registered address either.
    response = client.get(gov_rp.authorize_url(redirect_uri=REDIRECT_URI + "/../../evil"))
    assert response.status_code == 400 and "Location" not in response
    # Nor is an unknown client redirected anywhere, even when it asks for no interaction.
    anonymous = Client()
    response = anonymous.get(gov_rp.authorize_url(client_id="no-such-client", prompt="none"))
    assert response.status_code == 400 and "Location" not in response


def test_redirect_uri_must_match_at_the_token_endpoint(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    code = authorize_code(client, gov_rp)
    response = gov_rp.token(Client(), code, redirect_uri="https://bdc.yunfu.gov.cn/other")
    assert response.status_code == 400


def test_replayed_code_is_refused(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    code = authorize_code(client, gov_rp)
    assert gov_rp.token(Client(), code).status_code == 200
    replay = gov_rp.token(Client(), code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    code = authorize_code(client, gov_rp)
    response = gov_rp.token(Client(), code, client_secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def _userinfo(access_token: str) -> Any:
    return Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def test_userinfo_releases_claims_by_scope(client: Client, citizen: Any, approver: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    minimal = _userinfo(_tokens(client, gov_rp, "openid")["access_token"]).json()
    assert minimal == {"sub": str(citizen.pk)}

    full = _userinfo(_tokens(client, gov_rp, "openid profile realname")["access_token"]).json()
    assert full["name"] == "张三" and full["preferred_username"] == "citizen"
    assert full["user_kind"] == "citizen"
    assert full["real_name_level"] == "L1" and full["acr"] == "urn:govhall:loa:L1"
    assert "roles" not in full

    staff = Client()
    staff.force_login(approver)
    roles = _userinfo(_tokens(staff, gov_rp, "openid roles")["access_token"]).json()
    assert roles["roles"] == [
        {"department": "SCJG", "department_name": "云浮市市场监督管理局", "role": "approver"}
    ]
    assert "name" not in roles

    assert _userinfo("not-a-token").status_code == 401


def test_tokens_are_stored_hashed_and_issuance_is_audited(client: Client, citizen: Any, gov_rp: Rp) -> None:
    from oauth2_provider.models import AccessToken

    client.force_login(citizen)
    tokens = _tokens(client, gov_rp)
    stored = AccessToken.objects.get(user=citizen)
    assert stored.token == "" and tokens["access_token"] not in str(stored.__dict__)
    event = AuditEvent.objects.filter(action="sso.token_issued").latest("sequence")
    assert event.actor_id == citizen.pk and event.after["client_id"] == gov_rp.client_id
    assert event.after["grant_type"] == "authorization_code" and event.after["id_token"] is True
    assert tokens["access_token"] not in str(event.after)

    revoked = Client().post(
        "/o/revoke_token/",
        {
            "token": tokens["access_token"],
            "client_id": gov_rp.client_id,
            "client_secret": gov_rp.client_secret,
        },
    )
    assert revoked.status_code == 200
    assert not AccessToken.objects.filter(pk=stored.pk).exists()
    event = AuditEvent.objects.filter(action="sso.token_revoked").latest("sequence")
    assert event.object_id == str(stored.pk) and event.actor_id == citizen.pk
    assert _userinfo(tokens["access_token"]).status_code == 401


def test_refresh_token_cannot_be_used_twice(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    tokens = _tokens(client, gov_rp)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": gov_rp.client_id,
        "client_secret": gov_rp.client_secret,
    }
    first = Client().post("/o/token/", data)
    assert first.status_code == 200 and first.json()["refresh_token"] != tokens["refresh_token"]
    assert Client().post("/o/token/", data).status_code == 400


def test_prompt_none_without_a_session_answers_login_required(gov_rp: Rp) -> None:
    params = callback_params(Client().get(gov_rp.authorize_url(prompt="none")))
    assert params == {"error": "login_required", "state": gov_rp.state}


def test_anonymous_authorization_goes_to_the_login_page(gov_rp: Rp) -> None:
    response = Client().get(gov_rp.authorize_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/authorize/")


def test_third_party_clients_ask_for_consent_once(client: Client, citizen: Any, third_party_rp: Rp) -> None:
    client.force_login(citizen)
    page = client.get(third_party_rp.authorize_url("openid profile"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "授权确认" in text and "便民缴费小程序" in text and "姓名和用户名" in text

    no_interaction = callback_params(
        client.get(third_party_rp.authorize_url("openid profile", prompt="none"))
    )
    assert no_interaction["error"] == "consent_required"

    url = third_party_rp.authorize_url("openid profile")
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    denied = callback_params(client.post(url, data))
    assert denied["error"] == "access_denied"
    assert AuditEvent.objects.filter(action="sso.consent_denied", actor_id=citizen.pk).exists()

    granted = callback_params(client.post(url, {**data, "allow": "Authorize"}))
    assert "code" in granted
    assert AuditEvent.objects.filter(action="sso.consent_granted", actor_id=citizen.pk).exists()
    # A public client: PKCE alone authenticates the exchange.
    assert third_party_rp.token(Client(), granted["code"]).status_code == 200

    again = client.get(third_party_rp.authorize_url("openid profile"))
    assert "code" in callback_params(again)


def test_rp_initiated_logout_ends_the_session_and_returns(client: Client, citizen: Any, gov_rp: Rp) -> None:
    from oauth2_provider.models import AccessToken

    client.force_login(citizen)
    tokens = _tokens(client, gov_rp)
    response = client.get(
        "/o/logout/",
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI, "state": "bye"},
    )
    assert response.status_code == 302
    assert response["Location"] == LOGOUT_URI + "?state=bye"
    assert client.get("/accounts/me/").status_code == 302  # signed out of govhall
    assert not AccessToken.objects.filter(user=citizen).exists()
    event = AuditEvent.objects.filter(action="sso.logout").latest("sequence")
    assert event.actor_id == citizen.pk and event.after["access_tokens_revoked"] == 1
    assert AuditEvent.objects.filter(action="identity.logout", actor_id=citizen.pk).exists()


def test_logout_to_an_unregistered_address_is_refused(client: Client, citizen: Any, gov_rp: Rp) -> None:
    client.force_login(citizen)
    tokens = _tokens(client, gov_rp)
    response = client.get(
        "/o/logout/",
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example.com/"},
    )
    assert response.status_code == 400 and "Location" not in response
    assert client.get("/accounts/me/").status_code == 200  # still signed in
