"""Authentication for the JSON API: bearer tokens for programs, the session for the browser.

Routers use ``api_auth`` (the API's default) so that a script with a token and a page running in a
logged-in browser reach the same endpoints. Session requests that change state must carry the CSRF
token; bearer requests need none because a browser never attaches them on its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from govhall.core.errors import DomainError
from govhall.identity.models import ApiToken, User
from govhall.identity.tokens import find_usable_token


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer gh_…`` with a token from ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = find_usable_token(token.strip())
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionCookieAuth(SessionAuth):
    """The Django session, with CSRF checked on unsafe methods.

    Ninja checks CSRF before it knows whether a session exists, which answers an anonymous POST with
    "CSRF failed" instead of 401; the check only matters when the cookie would authenticate.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


bearer_auth = BearerTokenAuth()
session_auth = SessionCookieAuth()
api_auth: list[Any] = [bearer_auth, session_auth]


def current_token(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)


def check_credentials(request: HttpRequest, *, username: str, password: str) -> User:
    """The active user with these credentials; failures count towards the axes lockout."""
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # The lockout is recorded in axes' own tables; clearing the flag only stops its middleware
        # from replacing this API's JSON answer with the HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise DomainError(
            "locked_out",
            "登录失败次数过多，账号已暂时锁定，请稍后再试",
            "too many failed logins; the account is locked for a while, try again later",
            status=429,
        )
    if user is None or not isinstance(user, User) or not user.is_active:
        raise DomainError(
            "invalid_credentials",
            "用户名或密码错误",
            "wrong username or password",
            status=401,
        )
    # A token is a login without a session: the signal lets axes reset the failure count and
    # Django record last_login, as the web login does.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return user
