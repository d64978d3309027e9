"""Calling a WSGI application in-process, the way an HTTP client would (for tests and tooling).

Lets the platform's gateway adapter talk to the sandbox without a socket, with every byte of the
request and the signed answer going through the same code as over HTTP.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class WsgiResult:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(app: WsgiApp, method: str, url: str, *, form: dict[str, str] | None = None) -> WsgiResult:
    parts = urlsplit(url)
    body = urlencode(form).encode("utf-8") if form is not None else b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "HTTP_HOST": parts.netloc or "localhost",
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }
    if form is not None:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = dict(headers)

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return WsgiResult(captured["status"], captured["headers"], data)


class WsgiTransport:
    """The gateway adapter's transport, served by a WSGI application instead of the network."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        result = call(self.app, "POST", url, form=params)
        return result.status, result.text

    def get(self, url: str) -> tuple[int, bytes]:
        result = call(self.app, "GET", url)
        return result.status, result.body
