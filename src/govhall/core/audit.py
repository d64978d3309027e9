"""The append-only, hash-chained audit log.

Every service that changes state calls :func:`record_event` inside its own transaction, so the event
commits or rolls back with the change. Appends are serialised by locking the single chain-head row;
each event's hash covers its content and the previous event's hash, so editing or deleting any row
breaks the chain at that point, which :func:`verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from govhall.core.context import current_request_id
from govhall.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"audit value of type {type(value).__name__} is not serialisable")


def to_jsonable(value: Any) -> Any:
    """Normalise a before/after snapshot to plain JSON so that it hashes the same after a reload."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def compute_hash(
    *,
    previous_hash: str,
    sequence: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    request_id: str,
) -> str:
    payload = {
        "previous_hash": previous_hash,
        "sequence": sequence,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "request_id": request_id,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _object_type(obj: models.Model | str) -> str:
    if isinstance(obj, str):
        return obj
    return obj._meta.label_lower


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | str,
    object_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one audit event; must run inside the caller's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    sequence = head.last_sequence + 1
    occurred_at = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_label = "" if actor is None else (getattr(actor, "username", "") or str(actor))
    if object_id is None and isinstance(obj, models.Model):
        object_id = obj.pk
    before_json = to_jsonable(before)
    after_json = to_jsonable(after)
    request_id = current_request_id()
    digest = compute_hash(
        previous_hash=head.last_hash,
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=_object_type(obj),
        object_id="" if object_id is None else str(object_id),
        before=before_json,
        after=after_json,
        request_id=request_id,
    )
    event = AuditEvent.objects.create(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=_object_type(obj),
        object_id="" if object_id is None else str(object_id),
        before=before_json,
        after=after_json,
        request_id=request_id,
        previous_hash=head.last_hash,
        hash=digest,
    )
    head.last_sequence = sequence
    head.last_hash = digest
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_sequence: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_sequence is None


def verify_chain(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first event whose link or content does not match."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if event.sequence != expected_sequence:
            return ChainReport(checked, expected_sequence, f"event #{expected_sequence} is missing")
        if event.previous_hash != expected_previous:
            return ChainReport(checked, event.sequence, "previous_hash does not match the preceding event")
        recomputed = compute_hash(
            previous_hash=event.previous_hash,
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            before=event.before,
            after=event.after,
            request_id=event.request_id,
        )
        if recomputed != event.hash:
            return ChainReport(checked, event.sequence, "content does not match its hash")
        expected_previous = event.hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_sequence != checked:
        return ChainReport(
            checked, checked + 1, f"chain head says {head.last_sequence} events, found {checked}"
        )
    return ChainReport(checked, None, "ok")
