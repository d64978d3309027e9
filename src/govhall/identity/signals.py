"""Sign-in, sign-out and failed sign-in become audit events, whichever page or backend caused them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from govhall.identity import services


def _ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


@receiver(user_logged_in, dispatch_uid="govhall.identity.audit_login")
def _audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.record_login(user=user, ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="govhall.identity.audit_logout")
def _audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.record_logout(user=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="govhall.identity.audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.record_login_failure(username=str(credentials.get("username", "")), ip=_ip(request))
