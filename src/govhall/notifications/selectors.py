"""Reads of messages, narrowed to the user's own (core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.core import permissions
from govhall.notifications.models import Message


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Message]:
    qs = permissions.restrict(Message.objects.all(), user, "view")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if not permissions.is_authenticated(user):
        return 0
    return Message.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
