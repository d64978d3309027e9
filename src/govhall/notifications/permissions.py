"""A message is its recipient's alone (registered with core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.core import permissions
from govhall.notifications.models import Message


def _queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user) or action not in {"view", "mark_read"}:
        return qs.none()
    return qs.filter(recipient_id=user.pk)


def _view(user: Any, obj: Any) -> bool:
    return permissions.is_authenticated(user) and isinstance(obj, Message) and obj.recipient_id == user.pk


def _act(user: Any, obj: Any, action: str) -> bool:
    return action == "mark_read" and _view(user, obj)


def register() -> None:
    permissions.register(Message, view=_view, act=_act, queryset=_queryset)
