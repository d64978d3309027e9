"""Client systems and a small OpenID Connect client (code flow with PKCE) for the sso tests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from jwcrypto import jwk, jwt

from govhall.sso import services

REDIRECT_URI = "https://bdc.yunfu.gov.cn/oidc/callback"
LOGOUT_URI = "https://bdc.yunfu.gov.cn/"
THIRD_PARTY_REDIRECT = "https://app.example.com/callback"
ISSUER = "http://testserver/o"


@dataclass
class Rp:
    """A registered client and what it remembers between the authorization request and the callback."""

    client_id: str
    client_secret: str | None
    redirect_uri: str
    verifier: str = ""
    state: str = ""
    nonce: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def authorize_url(self, scope: str = "openid profile realname", **overrides: Any) -> str:
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)
        self.nonce = secrets.token_urlsafe(12)
        params: dict[str, Any] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return "/o/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})

    def token(self, client: Client, code: str, **overrides: Any) -> Any:
        data: dict[str, Any] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
            "client_id": self.client_id,
        }
        if self.client_secret:
            data["client_secret"] = self.client_secret
        data.update(overrides)
        return client.post("/o/token/", {k: v for k, v in data.items() if v is not None})


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def callback_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    query = parse_qs(urlsplit(response["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def authorize_code(client: Client, rp: Rp, scope: str = "openid profile realname") -> str:
    params = callback_params(client.get(rp.authorize_url(scope)))
    assert params.get("state") == rp.state
    return params["code"]


def verify_id_token(client: Client, token: str, audience: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Claims and header of an ID token after checking its signature against the published JWKS."""
    keyset = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    verified = jwt.JWT(
        jwt=token, key=keyset, algs=["RS256"], check_claims={"iss": ISSUER, "aud": audience, "exp": None}
    )
    return json.loads(verified.claims), json.loads(verified.header)


@pytest.fixture
def gov_rp(db: None) -> Rp:
    registered = services.register_client(
        actor=None,
        name="云浮市不动产登记系统",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[LOGOUT_URI],
        is_government=True,
    )
    return Rp(registered.application.client_id, registered.client_secret, REDIRECT_URI)


@pytest.fixture
def third_party_rp(db: None) -> Rp:
    registered = services.register_client(
        actor=None,
        name="便民缴费小程序",
        redirect_uris=[THIRD_PARTY_REDIRECT],
        is_government=False,
        confidential=False,
    )
    return Rp(registered.application.client_id, None, THIRD_PARTY_REDIRECT)


@pytest.fixture
def otp_required(settings: Any) -> None:
    settings.GOVHALL_STAFF_OTP_REQUIRED = True
