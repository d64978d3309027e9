"""Writes of the notifications app: :func:`notify` and marking messages read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from govhall.core.queue import enqueue_on_commit
from govhall.notifications import events
from govhall.notifications.models import Delivery, Message
from govhall.notifications.tasks import deliver


def notify(
    *,
    recipients: Iterable[Any],
    event: str,
    context: Mapping[str, Any],
    channels: Iterable[str] | None = None,
    link: str = "",
    related: models.Model | None = None,
) -> list[Message]:
    """Tell ``recipients`` about ``event``: one in-site message each, plus e-mail and SMS.

    The messages and their delivery rows are written in the caller's transaction, so they exist
    exactly when the change they describe does; e-mail and SMS are sent by tasks enqueued when
    that transaction commits. ``channels`` (default: the event's) picks the outside channels; the
    in-site message is always written, being what the others send. A recipient without an e-mail
    address or phone number simply gets no delivery on that channel.
    """
    spec = events.spec_for(event)
    wanted = frozenset(spec.channels if channels is None else channels)
    unknown = wanted - events.CHANNELS
    if unknown:
        raise ValueError(f"unknown notification channels {sorted(unknown)}")
    people = _unique_active(recipients)
    if not people:
        return []
    title = events.render_title(spec, context)
    body = events.render_body(spec, context)
    params = events.sms_params(spec, context) if spec.sms_code else {}
    related_type = ContentType.objects.get_for_model(related) if related is not None else None
    related_id = str(related.pk) if related is not None else ""
    with transaction.atomic():
        messages = Message.objects.bulk_create(
            [
                Message(
                    recipient=person,
                    event=event,
                    title=title,
                    body=body,
                    link=link[:300],
                    related_type=related_type,
                    related_id=related_id,
                    params=params,
                )
                for person in people
            ]
        )
        rows = []
        for person, message in zip(people, messages, strict=True):
            if events.EMAIL in wanted and person.email:
                rows.append(Delivery(message=message, channel=Delivery.Channel.EMAIL))
            if events.SMS in wanted and spec.sms_code and person.phone_encrypted:
                rows.append(Delivery(message=message, channel=Delivery.Channel.SMS))
        if rows:
            if any(m.pk is None for m in messages):  # pragma: no cover - backends without RETURNING
                raise RuntimeError("bulk_create did not return primary keys")
            for row in Delivery.objects.bulk_create(rows):
                if row.pk is None:  # pragma: no cover
                    raise RuntimeError("bulk_create did not return primary keys")
                enqueue_on_commit(deliver, row.pk)
    return messages


def _unique_active(recipients: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or not getattr(person, "is_active", False) or person.pk in seen:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


# Reading a message is not a change to anything the audit log protects (it is the reader's own
# inbox state), so it writes no audit event: that would put every page view on the audit chain.
def mark_read(*, user: Any, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's messages read (all unread ones when ``message_ids`` is None); returns how many."""
    qs = Message.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=list(message_ids))
    return qs.update(read_at=timezone.now())
