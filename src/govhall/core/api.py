"""The API's one error shape and the handlers that produce it.

Every 4xx/5xx body from /api/v1/ is an :class:`ErrorOut`, whether the error came from a service
(:class:`~govhall.core.errors.DomainError`), from input validation, from authentication or from an
unknown object, so a client needs exactly one error path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from govhall.core.context import current_request_id
from govhall.core.errors import DomainError

logger = logging.getLogger("govhall.api")


class ErrorOut(Schema):
    code: str
    message: str
    message_zh: str
    message_en: str
    details: Any = None
    request_id: str = ""


ERROR_SHAPE_DESCRIPTION = """
## 错误格式 Error format

所有错误响应（4xx/5xx）都使用同一结构 Every error response (4xx/5xx) has the same body:

```json
{
  "code": "validation_error",
  "message": "请求参数无效 (invalid request)",
  "message_zh": "请求参数无效",
  "message_en": "invalid request",
  "details": [{"loc": ["body", "payload", "username"], "msg": "Field required", "type": "missing"}],
  "request_id": "4f1c…"
}
```

- `code` is stable and machine-readable; `message` is for people (Chinese, then English).
- `details` is present for validation errors (a list of field errors) and for some domain errors.
- `request_id` matches the `X-Request-ID` response header and the audit log.

Common codes: `validation_error` (422), `bad_request` (400), `unauthenticated` (401),
`invalid_credentials` (401), `forbidden` / `csrf_failed` (403), `not_found` (404),
`locked_out` (429), `throttled` (429), `server_error` (500), `database_unavailable` (503: the
database could not be reached or dropped the connection; nothing was saved by the failed request,
so retry after the `Retry-After` seconds, with the same `Idempotency-Key` for a submission).

## 认证 Authentication

`POST /api/v1/auth/token` with `{"username", "password"}` returns a bearer token; send it as
`Authorization: Bearer <token>`. Browsers that are logged in may use the session cookie instead
(unsafe methods then need the `X-CSRFToken` header).
"""

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "throttled",
}

_HTTP_MESSAGES = {
    400: ("请求无效", "bad request"),
    401: ("需要登录或有效的令牌", "authentication required"),
    403: ("没有权限执行此操作", "permission denied"),
    404: ("对象不存在", "not found"),
    405: ("不支持该请求方法", "method not allowed"),
    409: ("操作与当前状态冲突", "conflict with the current state"),
    413: ("请求内容过大", "request too large"),
    429: ("请求过于频繁，请稍后再试", "too many requests, try again later"),
}


def error_body(
    code: str, message_zh: str, message_en: str, *, details: Any = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "message": f"{message_zh} ({message_en})",
        "message_zh": message_zh,
        "message_en": message_en,
    }
    if extra:
        body.update(extra)
    if details is not None:
        body["details"] = details
    body["request_id"] = current_request_id()
    return body


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Pydantic's error dicts can carry the offending input and exception objects; echo back only
    # where and what, never the submitted value (it may be a password or an ID number).
    return [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


# Seconds a client should wait before retrying while the database is unreachable (a restart or a
# failover usually takes a few seconds).
DATABASE_RETRY_AFTER = 5

DATABASE_UNAVAILABLE = (
    "数据库暂时无法访问，请稍后重试",
    "the database is temporarily unavailable; retry shortly",
)


def database_unavailable_body() -> dict[str, Any]:
    return error_body("database_unavailable", *DATABASE_UNAVAILABLE)


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, {**exc.as_dict(), "request_id": current_request_id()}, exc.status)

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body(
            "validation_error", "请求参数无效", "invalid request", details=_validation_details(exc.errors)
        )
        return respond(request, body, 422)

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, error_body("unauthenticated", *_HTTP_MESSAGES[401]), 401)
        response["WWW-Authenticate"] = 'Bearer realm="govhall"'
        return response

    def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, error_body("forbidden", *_HTTP_MESSAGES[403]), 403)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        code = _HTTP_CODES.get(status, "http_error")
        zh, en = _HTTP_MESSAGES.get(status, ("请求失败", str(exc)))
        if status == 403 and "CSRF" in str(exc):
            code, zh, en = (
                "csrf_failed",
                "CSRF 校验失败，请刷新页面后重试",
                "CSRF check failed; reload the page",
            )
        elif status == 400 and str(exc):
            en = str(exc)
        return respond(request, error_body(code, zh, en), status)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, error_body("not_found", *_HTTP_MESSAGES[404]), 404)

    def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return respond(request, error_body("forbidden", *_HTTP_MESSAGES[403]), 403)

    def on_database_unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        # The transaction of the request was rolled back with the connection: nothing was saved.
        logger.warning("database unavailable (request %s): %s", current_request_id(), exc)
        response = respond(request, database_unavailable_body(), 503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error (request %s)", current_request_id())
        # Django's own 500 path sends this signal; error reporters and the test client listen to it.
        got_request_exception.send(sender=None, request=request)
        body = error_body("server_error", "服务器内部错误，请稍后再试", "internal server error")
        return respond(request, body, 500)

    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        DomainError: on_domain_error,
        ValidationError: on_validation_error,
        AuthenticationError: on_authentication_error,
        AuthorizationError: on_authorization_error,
        HttpError: on_http_error,
        Http404: on_not_found,
        DjangoPermissionDenied: on_permission_denied,
        OperationalError: on_database_unavailable,
        InterfaceError: on_database_unavailable,
        Exception: on_unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)
