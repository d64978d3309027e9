"""Helpers for putting work on the task queue (Huey)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction


def enqueue_on_commit(task: Any, *args: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits.

    A task enqueued mid-transaction can run before the commit and read rows that are not there
    yet, or run for a change that is then rolled back; after commit it sees what the caller saw.
    Outside a transaction the task is enqueued at once.
    """
    transaction.on_commit(lambda: task(*args, **kwargs), using=using)
