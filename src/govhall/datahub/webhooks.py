"""Delivering change notices: a signed HTTP POST per notice, in sequence order, retried with backoff.

The body is JSON; ``X-Govhall-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes
with the subscription's secret, and ``X-Govhall-Delivery`` is the notice's delivery id, the same on
every attempt, so a receiver drops a notice it has already seen. A notice is claimed for a short
lease before sending, so two workers do not send it at once; an answer lost in transit still
causes a repeat, which the delivery id makes harmless.

Notices of one subscription go out in order: after a failure the later ones wait for the retry.
A revoked or expired grant, or a cancelled subscription, stops delivery and drops what is pending.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q
from django.utils import timezone

from govhall.core.crypto import decrypt_text
from govhall.datahub.exchange import is_usable
from govhall.datahub.models import ChangeNotice, Subscription
from govhall.datahub.subscriptions import _is_loopback, drop_pending

logger = logging.getLogger("govhall.datahub")

# Delay before attempt n+1 after n failed attempts; after the last, the notice is given up.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10
BATCH = 100
SIGNATURE_HEADER = "X-Govhall-Signature"
DELIVERY_HEADER = "X-Govhall-Delivery"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(notice: ChangeNotice) -> dict[str, Any]:
    subscription = notice.subscription
    return {
        "delivery_id": str(notice.delivery_id),
        "subscription": subscription.pk,
        "resource": subscription.resource.code,
        "sequence": notice.sequence,
        "event": notice.event,
        "record_key": notice.record_key,
        "fields": list(notice.fields),
        "changed_at": notice.changed_at.isoformat(),
    }


def body_of(notice: ChangeNotice) -> bytes:
    return json.dumps(payload(notice), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the signed body anywhere, past the URL check made at subscription.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[Any] = [_NoRedirect()]
    if _is_loopback(urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # a local receiver is never behind a proxy
    return urllib.request.build_opener(*handlers)


def post(url: str, body: bytes, headers: dict[str, str]) -> str:
    """Send; return "" on a 2xx answer, else what went wrong."""
    # The scheme was checked when the subscription was made (https, or http to loopback).
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with _opener(url).open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(exc).__name__}: {reason}"[:300]
    return "" if 200 <= status < 300 else f"HTTP {status}"


def _due(now: datetime) -> Q:
    return Q(status=ChangeNotice.Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def deliver_notices(subscription_id: int, *, now: datetime | None = None) -> int:
    """Send the subscription's due notices in order until one fails; return how many arrived."""
    subscription = Subscription.objects.select_related("grant", "resource").filter(pk=subscription_id).first()
    if subscription is None:
        return 0
    if not subscription.is_active or not is_usable(subscription.grant):
        drop_pending(subscription, "授权已失效或订阅已取消 grant not in force or subscription cancelled")
        return 0
    secret = decrypt_text(subscription.secret_encrypted)
    delivered = 0
    while True:
        now = now or timezone.now()
        pending = ChangeNotice.objects.filter(subscription=subscription, status=ChangeNotice.Status.PENDING)
        first = pending.order_by("sequence").first()
        if first is None or not ChangeNotice.objects.filter(pk=first.pk).filter(_due(now)).exists():
            return delivered  # nothing left, or the oldest waits for its retry: keep the order
        for notice in pending.filter(_due(now)).order_by("sequence")[:BATCH]:
            if not _claim(notice, now):
                return delivered  # another worker is on this subscription
            notice.subscription = subscription
            if not _send(notice, secret, now):
                return delivered
            delivered += 1
        now = None


def _claim(notice: ChangeNotice, now: datetime) -> bool:
    claimed = ChangeNotice.objects.filter(pk=notice.pk).filter(_due(now)).update(next_attempt_at=now + LEASE)
    return claimed == 1


def _send(notice: ChangeNotice, secret: str, now: datetime) -> bool:
    body = body_of(notice)
    error = post(
        notice.subscription.url,
        body,
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "govhall-datahub",
            SIGNATURE_HEADER: signature(secret, body),
            DELIVERY_HEADER: str(notice.delivery_id),
        },
    )
    attempts = notice.attempts + 1
    if not error:
        ChangeNotice.objects.filter(pk=notice.pk).update(
            status=ChangeNotice.Status.DELIVERED,
            attempts=attempts,
            last_error="",
            next_attempt_at=None,
            delivered_at=timezone.now(),
        )
        return True
    logger.info("webhook delivery %s failed (attempt %s): %s", notice.delivery_id, attempts, error)
    given_up = attempts >= MAX_ATTEMPTS
    ChangeNotice.objects.filter(pk=notice.pk).update(
        status=ChangeNotice.Status.FAILED if given_up else ChangeNotice.Status.PENDING,
        attempts=attempts,
        last_error=error[:300],
        next_attempt_at=None if given_up else now + BACKOFF[attempts - 1],
    )
    return False


def deliver_due(*, now: datetime | None = None) -> int:
    """The periodic sweep: every subscription with a notice due (retries, and anything missed)."""
    now = now or timezone.now()
    ids = (
        ChangeNotice.objects.filter(_due(now))
        .values_list("subscription_id", flat=True)
        .distinct()
        .order_by("subscription_id")
    )
    return sum(deliver_notices(subscription_id, now=now) for subscription_id in list(ids))
