"""A database that drops out answers 503 ``database_unavailable`` with ``Retry-After``, never a bare 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client

from govhall.identity.tokens import issue_token
from govhall.testing import personas

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(exc: Exception) -> Iterator[None]:
    """Every query on this thread's connection fails the way a restarting server makes it fail."""

    def fail(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        raise exc

    with connection.execute_wrapper(fail):
        yield


def assert_unavailable(response: Any) -> dict[str, Any]:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    body: dict[str, Any] = response.json()
    assert body["code"] == "database_unavailable"
    assert body["message_zh"] == "数据库暂时无法访问，请稍后重试"
    assert body["message_en"].startswith("the database is temporarily unavailable")
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_api_call_answers_503_when_the_server_goes_away(client: Client) -> None:
    citizen = personas.citizen("citizen")
    token = issue_token(user=citizen).raw
    with database_down(OperationalError("terminating connection due to administrator command")):
        response = client.get("/api/v1/cases?mine=true", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = assert_unavailable(response)
    # The server's own words (host names, ports) are not echoed to the client.
    assert "administrator" not in response.content.decode()
    assert set(body) >= {"code", "message", "message_zh", "message_en", "request_id"}
    # Back up: the same call works again.
    assert client.get("/api/v1/cases?mine=true", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_api_write_answers_503_on_a_closed_connection(client: Client) -> None:
    with database_down(InterfaceError("connection already closed")):
        response = client.post(
            "/api/v1/auth/token",
            data={"username": "nobody", "password": "secret-secret"},
            content_type="application/json",
        )
    assert_unavailable(response)


def test_page_answers_a_bilingual_503_page(client: Client) -> None:
    # The session's user is loaded by a middleware, before any view: the failure goes through
    # Django's exception handling to handler500 (the test client would re-raise it otherwise).
    client.raise_request_exception = False
    client.force_login(personas.citizen("citizen"))
    with database_down(OperationalError("could not connect to server")):
        response = client.get("/my/cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "服务暂时不可用" in text and "Service unavailable" in text
    assert "could not connect" not in text


def test_page_asked_for_json_gets_the_error_shape(client: Client) -> None:
    client.raise_request_exception = False
    client.force_login(personas.citizen("citizen"))
    with database_down(OperationalError("could not connect to server")):
        response = client.get("/my/cases/", HTTP_ACCEPT="application/json")
    assert_unavailable(response)


def test_a_view_that_loses_the_database_answers_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from govhall.cases import views_applicant

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views_applicant.selectors, "status_query", lost)
    response = client.post("/status/", {"case_no": "x", "identifier": "y", "code": "z"})
    assert response.status_code == 503, response.content
    assert "服务暂时不可用" in response.content.decode()


def test_other_database_errors_stay_server_errors(client: Client) -> None:
    from django.db.utils import ProgrammingError

    client.raise_request_exception = False
    client.force_login(personas.citizen("citizen"))
    with database_down(ProgrammingError("relation does not exist")):
        response = client.get("/my/cases/")
    assert response.status_code == 500
