"""Liveness of the parts a request depends on: database, task queue, cache.

Load balancers call /healthz every few seconds on every node, so each check is one cheap round
trip and never raises: a failure becomes ``ok: false`` with the reason.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import BaseCache, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _failure(started: float, exc: BaseException, **fields: Any) -> dict[str, Any]:
    # The exception class and first line say what broke without leaking connection strings.
    reason = str(exc).splitlines()[0][:200] if str(exc) else ""
    return {
        "ok": False,
        **fields,
        "latency_ms": _elapsed_ms(started),
        "error": f"{type(exc).__name__}: {reason}",
    }


def check_database(connection: BaseDatabaseWrapper | None = None) -> dict[str, Any]:
    db = connection if connection is not None else connections[DEFAULT_DB_ALIAS]
    started = time.perf_counter()
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failure(started, exc, vendor=db.vendor)
    return {"ok": True, "vendor": db.vendor, "latency_ms": _elapsed_ms(started)}


def default_huey() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def check_queue(huey: Any = None) -> dict[str, Any]:
    queue = huey if huey is not None else default_huey()
    started = time.perf_counter()
    fields: dict[str, Any] = {"backend": type(queue).__name__, "name": queue.name}
    if queue.immediate:
        fields["immediate"] = True
    try:
        pending = queue.pending_count()
    except Exception as exc:
        return _failure(started, exc, **fields)
    return {"ok": True, **fields, "pending": pending, "latency_ms": _elapsed_ms(started)}


def check_cache(cache: BaseCache | None = None) -> dict[str, Any]:
    target = cache if cache is not None else caches["default"]
    started = time.perf_counter()
    backend = type(target).__name__
    key = f"govhall:healthz:{uuid.uuid4().hex}"
    try:
        target.set(key, "1", timeout=10)
        value = target.get(key)
        target.delete(key)
    except Exception as exc:
        return _failure(started, exc, backend=backend)
    if value != "1":
        return {
            "ok": False,
            "backend": backend,
            "latency_ms": _elapsed_ms(started),
            "error": "value not read back",
        }
    return {"ok": True, "backend": backend, "latency_ms": _elapsed_ms(started)}


def run_checks(
    *,
    database: Callable[[], dict[str, Any]] = check_database,
    queue: Callable[[], dict[str, Any]] = check_queue,
    cache: Callable[[], dict[str, Any]] = check_cache,
) -> dict[str, Any]:
    """All checks; ``status`` is "ok" only when every part answers."""
    report: dict[str, Any] = {"status": "ok", "database": database(), "queue": queue(), "cache": cache()}
    if not all(report[part]["ok"] for part in ("database", "queue", "cache")):
        report["status"] = "error"
    return report
