from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from govhall.core.context import reset_request_id, set_request_id

logger = logging.getLogger("govhall.db")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (from a trusted proxy's X-Request-ID or a new one) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class SiteLanguageMiddleware:
    """Simplified Chinese unless the visitor chose another language (cookie set by ``?lang=``).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor whose browser
    prefers English would land on an English government site; here the choice is explicit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The server cannot be reached or dropped the connection (a restart, a failover, a full pool)."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: the API's error shape for API and JSON clients, a short page otherwise."""
    from govhall.core.api import DATABASE_RETRY_AFTER, database_unavailable_body

    body = database_unavailable_body()
    response: HttpResponse
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            _UNAVAILABLE_PAGE.format(zh=body["message_zh"], en=body["message_en"], rid=body["request_id"]),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A page whose view finds the database unreachable answers 503 instead of Django's bare 500.

    The API has its own handler (same body, see :mod:`govhall.core.api`); a failure inside another
    middleware (loading the session's user, say) reaches :func:`govhall.core.views.server_error`,
    which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable on %s: %s", request.path, exception)
        return database_unavailable_response(request)


# Plain HTML on purpose: rendering the site's templates would query the database again.
_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>服务暂时不可用 Service unavailable</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>服务暂时不可用</h1><p>{zh}。您填写的内容尚未提交，请过几秒刷新页面。</p>
<p lang="en">Service unavailable: {en}. Nothing was submitted; reload the page in a few seconds.</p>
<p style="color: #666; font-size: .85rem">请求编号 request id: {rid}</p>
</body></html>
"""
