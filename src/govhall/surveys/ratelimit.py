"""Fixed-window attempt limits in the shared cache (local memory, or Redis when scaled out)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from govhall.core.errors import DomainError


def hit(scope: str, subject: str, *, limit: int, window: int = 60, now: float | None = None) -> None:
    """Count one attempt of ``subject`` in ``scope``; raise 429 beyond ``limit`` per ``window`` seconds."""
    if not subject or limit <= 0:
        return
    slot = int((now if now is not None else time.time()) // window)
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]
    key = f"govhall:rate:{scope}:{digest}:{slot}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        raise DomainError(
            "throttled",
            "操作过于频繁，请稍后再试",
            "too many attempts, please try again later",
            status=429,
            details={"retry_after": window},
        )
