"""Language switch for the public pages: 简体 (default), 繁體 (OpenCC over the rendered page), English.

``?lang=zh-hant`` / ``zh-hans`` / ``en`` switches and remembers the choice in a cookie. English uses
Django's translations of the UI strings; Traditional Chinese converts the whole rendered HTML with
OpenCC, so item names and guides read in Traditional characters too without a second catalogue.
The staff site and the API are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SCRIPT_COOKIE = "govhall_script"
COOKIE_AGE = 365 * 24 * 3600
EXCLUDED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/workbench/")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return str(_converter().convert(text))


class ChineseVariantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        choice = request.GET.get("lang", "")
        if choice not in {"zh-hans", "zh-hant", "en"}:
            choice = ""
        if choice:
            language = "en" if choice == "en" else "zh-hans"
            translation.activate(language)
            request.LANGUAGE_CODE = language
        traditional = choice == "zh-hant" or (not choice and request.COOKIES.get(SCRIPT_COOKIE) == "hant")
        traditional = traditional and not request.path.startswith(EXCLUDED_PREFIXES)
        request.traditional = traditional  # type: ignore[attr-defined]
        response = self.get_response(request)
        if choice:
            secure = settings.SESSION_COOKIE_SECURE
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                "en" if choice == "en" else "zh-hans",
                max_age=COOKIE_AGE,
                samesite="Lax",
                secure=secure,
            )
            if choice == "zh-hant":
                response.set_cookie(SCRIPT_COOKIE, "hant", max_age=COOKIE_AGE, samesite="Lax", secure=secure)
            else:
                response.delete_cookie(SCRIPT_COOKIE, samesite="Lax")
        if (
            traditional
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            charset = response.charset or "utf-8"
            html = to_traditional(response.content.decode(charset))
            html = html.replace('<html lang="zh-CN">', '<html lang="zh-Hant">', 1)
            response.content = html.encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response["Content-Language"] = "zh-Hant"
        return response
