"""The on-commit trigger: a case whose timeline grew is checked once its transaction commits.

Connected to ``post_save`` of :class:`~govhall.cases.models.CaseEvent` (every case transition
writes one, through ``cases.transitions.log``), so the cases app needs no call into supervision.
One check per case per transaction, however many entries the transaction wrote; nothing is
enqueued for a transaction that rolls back. A failure here is logged, never raised into the
change that triggered it: the periodic sweep catches up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_save

from govhall.cases.models import CaseEvent

logger = logging.getLogger(__name__)

_local = threading.local()


def _check(case_id: int) -> None:
    from govhall.supervision.tasks import evaluate_subjects

    try:
        evaluate_subjects("cases", [case_id])
    except Exception:
        logger.exception("supervision check of case %s failed", case_id)


def _pending() -> dict[int, Callable[[], None]]:
    pending: dict[int, Callable[[], None]] | None = getattr(_local, "pending", None)
    if pending is None:
        pending = {}
        _local.pending = pending
    return pending


def case_event_saved(sender: Any, instance: CaseEvent, created: bool = False, **kwargs: Any) -> None:
    from govhall.supervision.case_rules import QUIET_KINDS

    if not created or kwargs.get("raw") or instance.kind in QUIET_KINDS:
        return
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    connection = connections[using]
    case_id = instance.case_id
    if not connection.in_atomic_block:
        _check(case_id)
        return
    pending = _pending()
    queued = {id(entry[1]) for entry in connection.run_on_commit}
    for known in [key for key, callback in pending.items() if id(callback) not in queued]:
        del pending[known]  # committed or rolled back since
    if case_id in pending:
        return

    def committed() -> None:
        pending.pop(case_id, None)
        _check(case_id)

    pending[case_id] = committed
    transaction.on_commit(committed, using=using)


def connect() -> None:
    post_save.connect(case_event_saved, sender=CaseEvent, dispatch_uid="govhall.supervision.case_event")
