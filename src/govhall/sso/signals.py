"""Keep the list of a user's signed-in sessions in step with sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from govhall.identity.models import User
from govhall.sso import services


def _session_key(request: HttpRequest | None) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None) if session is not None else None


@receiver(user_logged_in, dispatch_uid="govhall.sso.remember_session")
def _remember(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = _session_key(request)
    # An API token sign-in has no session; there is nothing a browser could end.
    if request is None or not key or not isinstance(user, User):
        return
    services.remember_session(
        user=user,
        session_key=key,
        user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
        ip=str(request.META.get("REMOTE_ADDR", "")) or None,
    )


@receiver(user_logged_out, dispatch_uid="govhall.sso.forget_session")
def _forget(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = _session_key(request)
    if key:
        services.forget_session(session_key=key)
