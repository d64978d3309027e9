"""Sending one :class:`Delivery` by e-mail or SMS, at most once per message and channel.

A delivery is claimed in a short transaction (status ``sending``), sent outside any transaction
(no row or table lock is held while a mail server or carrier answers — on SQLite that would stop
every writer), then its outcome is written in a second short transaction. A task that runs twice
finds the row sent, or claimed by another worker, and does nothing. A worker that dies mid-send
leaves a claim that expires after :data:`CLAIM_LEASE`, after which the delivery is tried again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from govhall.notifications import events, sms
from govhall.notifications.models import Delivery, Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claim older than the lease is taken to belong to a dead worker; a delivery untouched for
# STALE_AFTER had its task lost and is enqueued again by the periodic sweep (settings, so that a
# fault drill can shorten them; defaults 10 and 15 minutes).
CLAIM_LEASE = timedelta(seconds=settings.GOVHALL_DELIVERY_CLAIM_LEASE)
STALE_AFTER = timedelta(seconds=settings.GOVHALL_DELIVERY_STALE_AFTER)
MAX_ERROR = 2000


class DeliveryFailed(Exception):
    """Raised to the task runner so that it retries the delivery later."""


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    channel: str
    attempt: int
    message: Message


def send_delivery(delivery_id: int) -> str:
    """Send the delivery unless it is done or in hand; returns its status afterwards."""
    claim = _claim(delivery_id)
    if claim is None:
        return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or "missing"
    try:
        provider_id = _send(claim)
    except Exception as exc:
        status = _record_failure(claim, exc)
        if status == Delivery.Status.RETRYING:
            raise DeliveryFailed(f"delivery {delivery_id} attempt {claim.attempt} failed: {exc}") from exc
        return status
    _record_success(claim, provider_id)
    return Delivery.Status.SENT


def _claim(delivery_id: int) -> Claim | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("message", "message__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            return None
        if (
            delivery.status == Delivery.Status.SENDING
            and delivery.claimed_at is not None
            and delivery.claimed_at > now - CLAIM_LEASE
        ):
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
        return Claim(delivery.pk, delivery.channel, delivery.attempts, delivery.message)


def _send(claim: Claim) -> str:
    message = claim.message
    recipient = message.recipient
    if claim.channel == Delivery.Channel.EMAIL:
        return _send_email(message, recipient.email)
    if claim.channel == Delivery.Channel.SMS:
        spec = events.spec_for(message.event)
        # Decrypted here, at the last moment, and never stored or logged in clear.
        return sms.gateway().send(recipient.phone, spec.sms_code, message.params)
    raise ValueError(f"unknown channel {claim.channel!r}")


def _send_email(message: Message, address: str) -> str:
    site_name = settings.GOVHALL_SITE_NAME
    base = getattr(settings, "GOVHALL_SITE_URL", "").rstrip("/")
    link = f"{base}{message.link}" if base and message.link.startswith("/") else ""
    body = render_to_string(
        "notifications/email/message.txt", {"body": message.body, "link": link, "site_name": site_name}
    )
    message_id = make_msgid(domain="govhall")
    email = EmailMessage(
        subject=f"【{site_name}】{message.title}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": message_id, "X-Govhall-Message": str(message.pk)},
    )
    email.send(fail_silently=False)
    return message_id


def _record_success(claim: Claim, provider_id: str) -> None:
    Delivery.objects.filter(pk=claim.delivery_id).update(
        status=Delivery.Status.SENT,
        provider_message_id=(provider_id or "")[:100],
        sent_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )


def _record_failure(claim: Claim, exc: Exception) -> str:
    final = claim.attempt >= MAX_ATTEMPTS
    status = Delivery.Status.FAILED if final else Delivery.Status.RETRYING
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    Delivery.objects.filter(pk=claim.delivery_id).update(
        status=status, last_error=error, updated_at=timezone.now()
    )
    log = logger.error if final else logger.warning
    log("delivery %s (%s) attempt %s failed: %s", claim.delivery_id, claim.channel, claim.attempt, error)
    return status


def stale_delivery_ids(*, limit: int = 500) -> list[int]:
    """Unfinished deliveries nobody has touched for :data:`STALE_AFTER` (their task was lost)."""
    cutoff = timezone.now() - STALE_AFTER
    unfinished = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING, Delivery.Status.SENDING])
    return list(
        Delivery.objects.filter(unfinished, updated_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
