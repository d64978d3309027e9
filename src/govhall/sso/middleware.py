"""Request-time parts of strong staff authentication and the session list.

``StaffOTPMiddleware`` keeps staff who owe the second factor on the verification pages: every
other page redirects there (the API answers 403 ``otp_required``). ``SessionActivityMiddleware``
records when a session was last used, at most every few minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone

from govhall.core.errors import DomainError
from govhall.sso import otp, services

_SEEN_KEY = "_govhall_seen"


class StaffOTPMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def _open_prefixes(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("sso:otp_verify"),  # the verification and enrolment pages live below it
                reverse("identity:logout"),
                # The authorization endpoint asks for the second factor itself (it must answer
                # prompt=none requests without a page); the other /o/ endpoints use no session.
                "/o/",
                str(settings.STATIC_URL or "/static/"),
                "/healthz",
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if otp.needs_second_factor(request.user) and not request.path.startswith(self._open_prefixes()):
            if request.path.startswith("/api/"):
                error = DomainError(
                    "otp_required",
                    "请先完成两步验证",
                    "complete two-step verification first",
                    status=403,
                )
                return JsonResponse(error.as_dict(), status=error.status)
            return redirect_to_login(request.get_full_path(), reverse("sso:otp_verify"))
        return self.get_response(request)


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        key = getattr(session, "session_key", None)
        if session is None or not key or user is None or not user.is_authenticated:
            return response
        now = timezone.now()
        seen = session.get(_SEEN_KEY)
        try:
            last = datetime.fromisoformat(seen) if seen else None
        except ValueError:
            last = None
        if last is None or now - last >= services.LAST_SEEN_RESOLUTION:
            session[_SEEN_KEY] = now.isoformat()
            services.touch_session(
                user=user,
                session_key=key,
                user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
                ip=str(request.META.get("REMOTE_ADDR", "")) or None,
            )
        return response
