"""Reads of the single sign-on app, narrowed by :mod:`govhall.core.permissions`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.core.permissions import restrict
from govhall.sso.models import ClientProfile, UserSession


def sessions_of(user: Any) -> QuerySet[UserSession]:
    """The user's own recorded sign-in sessions, most recently used first."""
    if not getattr(user, "is_authenticated", False):
        return UserSession.objects.none()
    return restrict(UserSession.objects.all(), user, "view").filter(user_id=user.pk).order_by("-last_seen_at")


def visible_clients(user: Any) -> QuerySet[ClientProfile]:
    return restrict(
        ClientProfile.objects.select_related("application", "department", "registered_by"), user, "view"
    ).order_by("-created_at")
