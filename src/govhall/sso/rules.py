"""Permission rules of the single sign-on app, registered with :mod:`govhall.core.permissions`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.core import permissions
from govhall.sso.models import ClientProfile, UserSession


def _client_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    # Client systems, their secrets' existence and redirect addresses are the platform's business.
    return qs if permissions.is_platform_admin(user) else qs.none()


def _client_act(user: Any, obj: Any, action: str) -> bool:
    return permissions.is_platform_admin(user) and action in {"create", "edit", "delete"}


def _session_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action in {"view", "revoke"}:
        return qs.filter(user_id=user.pk)
    return qs.none()


def _session_act(user: Any, obj: Any, action: str) -> bool:
    if not isinstance(obj, UserSession) or action != "revoke" or not permissions.is_authenticated(user):
        return False
    return obj.user_id == user.pk or permissions.is_platform_admin(user)


permissions.register(ClientProfile, act=_client_act, queryset=_client_queryset)
permissions.register(UserSession, act=_session_act, queryset=_session_queryset)
