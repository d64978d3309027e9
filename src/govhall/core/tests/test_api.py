"""The API's wiring: one error shape, token-or-session auth with CSRF, OpenAPI and local docs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.test import Client
from django.urls import include, path
from ninja import NinjaAPI, Router, Schema

from govhall.api import api as project_api
from govhall.core.api import install_error_handlers
from govhall.core.errors import Conflict, DomainError
from govhall.identity.auth import api_auth
from govhall.identity.models import User
from govhall.identity.tokens import issue_token

pytestmark = pytest.mark.django_db

# A throwaway API with the project's handlers and auth, reached through the full middleware stack
# by pointing ROOT_URLCONF at this module.
probe = Router()


class EchoIn(Schema):
    text: str


@probe.get("/domain-error", auth=None)
def domain_error(request: HttpRequest) -> None:
    raise Conflict(
        "case_already_accepted", "办件已受理", "the case is already accepted", details={"case": "YF-1"}
    )


@probe.get("/users/{user_id}", auth=None)
def user_by_id(request: HttpRequest, user_id: int) -> dict[str, str]:
    return {"username": get_object_or_404(User, pk=user_id).username}


@probe.get("/page", auth=None)
def page_of_things(request: HttpRequest, limit: int = 10) -> dict[str, int]:
    return {"limit": limit}


@probe.post("/echo")
def echo(request: HttpRequest, payload: EchoIn) -> dict[str, str]:
    return {"text": payload.text, "user": request.auth.username}  # type: ignore[attr-defined]


@probe.get("/boom", auth=None)
def boom(request: HttpRequest) -> None:
    raise RuntimeError("unexpected failure for the test")


test_api = NinjaAPI(urls_namespace="api-probe", auth=api_auth)
install_error_handlers(test_api)
test_api.add_router("/", probe)
urlpatterns = [path("probe/", test_api.urls), path("", include("govhall.urls"))]


@pytest.fixture
def probe_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="probe_user", password="probe-password-1")


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert body["code"] == code
    assert body["message"] == f"{body['message_zh']} ({body['message_en']})"
    assert body["message_zh"] and body["message_en"]
    assert "request_id" in body


# --- error shape -------------------------------------------------------------------------------


def test_domain_error_keeps_its_status_code_and_details(client: Client, probe_urls: None) -> None:
    response = client.get("/probe/domain-error", HTTP_X_REQUEST_ID="probe-request-0001")
    assert response.status_code == 409
    body = response.json()
    assert_error_shape(body, "case_already_accepted")
    assert body["message"] == "办件已受理 (the case is already accepted)"
    assert body["details"] == {"case": "YF-1"}
    assert body["request_id"] == response["X-Request-ID"] == "probe-request-0001"


def test_plain_domain_error_defaults_to_400(client: Client, probe_urls: None) -> None:
    assert DomainError("x", "甲", "a").status == 400


def test_unknown_object_is_a_404_in_the_same_shape(client: Client, probe_urls: None, user: User) -> None:
    assert client.get(f"/probe/users/{user.pk}").json() == {"username": "probe_user"}
    response = client.get(f"/probe/users/{user.pk + 1000}")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_bad_query_parameter_is_a_validation_error(client: Client, probe_urls: None) -> None:
    response = client.get("/probe/page?limit=many")
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "validation_error")
    assert body["message_zh"] == "请求参数无效"
    assert body["details"] == [
        {"loc": ["query", "limit"], "msg": body["details"][0]["msg"], "type": "int_parsing"}
    ]
    assert "many" not in response.content.decode()


def test_unexpected_error_reaches_django_and_clients_get_json(client: Client, probe_urls: None) -> None:
    with pytest.raises(RuntimeError, match="unexpected failure"):
        client.get("/probe/boom")
    quiet = Client(raise_request_exception=False)
    response = quiet.get("/probe/boom")
    assert response.status_code == 500
    assert_error_shape(response.json(), "server_error")
    assert "unexpected failure" not in response.content.decode()


# --- authentication ------------------------------------------------------------------------------


def test_anonymous_unsafe_request_is_401_not_a_csrf_failure(probe_urls: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/probe/echo", data={"text": "hi"}, content_type="application/json")
    assert response.status_code == 401
    assert_error_shape(response.json(), "unauthenticated")


def test_bearer_requests_need_no_csrf_token(probe_urls: None, user: User) -> None:
    raw = issue_token(user=user).raw
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/probe/echo",
        data={"text": "你好"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    assert response.json() == {"text": "你好", "user": "probe_user"}


def test_session_requests_must_carry_the_csrf_token(probe_urls: None, user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post("/probe/echo", data={"text": "hi"}, content_type="application/json")
    assert refused.status_code == 403
    assert_error_shape(refused.json(), "csrf_failed")

    # The docs page hands the browser its CSRF token, as Swagger UI's "try it out" uses it.
    docs = client.get("/probe/docs").content.decode()
    csrf_token = re.search(r'data-csrf-token="([^"]+)"', docs)
    assert csrf_token is not None
    accepted = client.post(
        "/probe/echo",
        data={"text": "hi"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token.group(1),
    )
    assert accepted.status_code == 200
    assert accepted.json()["user"] == "probe_user"


def test_session_reads_need_no_csrf_token(probe_urls: None, user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/auth/me").status_code == 200


# --- OpenAPI and docs -----------------------------------------------------------------------------


def test_openapi_document_describes_auth_and_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "govhall API"
    assert "Error format" in spec["info"]["description"]
    assert '"code": "validation_error"' in spec["info"]["description"]

    token_post = spec["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in token_post
    assert token_post["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorOut"
    )
    assert "delete" in spec["paths"]["/api/v1/auth/token"]

    me = spec["paths"]["/api/v1/auth/me"]["get"]
    assert {name for requirement in me["security"] for name in requirement} == {
        "BearerTokenAuth",
        "SessionCookieAuth",
    }
    schemes = spec["components"]["securitySchemes"]
    assert schemes["BearerTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"code", "message", "message_zh", "message_en", "details"} <= set(
        spec["components"]["schemas"]["ErrorOut"]["properties"]
    )


def test_every_project_route_requires_auth_unless_it_opts_out() -> None:
    assert project_api.auth == api_auth


def test_docs_page_uses_only_assets_served_by_this_deployment(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://|//cdn|\bsrc=\"//|\bhref=\"//", html), (
        "docs page references an external URL"
    )

    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert any(asset.endswith("swagger-ui.css") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(b"".join(served.streaming_content)) > 100, asset  # type: ignore[attr-defined]

    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    assert settings_json is not None
    swagger_settings = json.loads(settings_json.group(1))
    assert swagger_settings["url"] == "/api/v1/openapi.json"
    # Without this Swagger UI loads a validator badge from validator.swagger.io.
    assert swagger_settings["validatorUrl"] is None


@pytest.mark.browser
def test_docs_render_in_a_browser_without_leaving_the_deployment(
    page: Any, live_server: Any, screenshot: Any
) -> None:
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "govhall API" in page.inner_text(".swagger-ui .info .title")
    page.locator(".opblock-summary-path", has_text="/api/v1/auth/me").wait_for()
    assert page.locator(".opblock").count() >= 3
    screenshot(page, "api-docs")
    assert outside == []
