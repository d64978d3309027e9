from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from govhall.notifications.selectors import unread_count


def unread_messages(request: HttpRequest) -> dict[str, Any]:
    """``unread_message_count`` for the header; counted only when a template uses it."""
    user = getattr(request, "user", None)
    return {"unread_message_count": SimpleLazyObject(lambda: unread_count(user))}
