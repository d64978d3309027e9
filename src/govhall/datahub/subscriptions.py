"""Change subscriptions: subscribing to a granted resource, and recording changes as notices.

The services that change records (single saves, confirmed contributions, imports) call
:func:`record_changes` inside their own transaction, so a notice exists exactly when its change was
committed; delivery is queued for after the commit (:mod:`govhall.datahub.webhooks`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from govhall.core.audit import record_event
from govhall.core.crypto import encrypt_text, lookup_hash
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.queue import enqueue_on_commit
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.exchange import is_usable
from govhall.datahub.models import (
    AccessGrant,
    ChangeNotice,
    Dataset,
    FieldSource,
    Resource,
    Subscription,
)
from govhall.datahub.rows import elements_of

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200


@dataclass(frozen=True)
class Change:
    """One record that changed: its stored key, the fields whose values changed, and whether it is new."""

    record_key: str
    fields: frozenset[str]
    created: bool = False


def _invalid(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(code, zh, en, status=422, details={"field": field})


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_webhook_url(url: str) -> str:
    """HTTPS anywhere; plain HTTP only to this machine (a receiver behind a local relay or in tests)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        raise _invalid("webhook_url", "回调地址无效", "the webhook URL is not valid", "url") from None
    if not parts.hostname or parts.username or parts.password or len(url) > 500:
        raise _invalid("webhook_url", "回调地址无效", "the webhook URL is not valid", "url")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname)):
        return url
    raise _invalid(
        "webhook_url",
        "回调地址须为 https，或本机 (127.0.0.1) 的 http 地址",
        "a webhook URL must be https, or http on the loopback address",
        "url",
    )


def subscribe(*, actor: Any, grant: AccessGrant, url: str, secret: str) -> Subscription:
    """The consumer's data officer subscribes a webhook to changes of the granted resource."""
    if not hub_permissions.is_officer_of(actor, grant.consumer_id):
        raise PermissionDenied(
            "forbidden", "只有申请部门的数据专员可以订阅", "only the consumer's data officer subscribes"
        )
    url = validate_webhook_url(url)
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH or secret != secret.strip():
        raise _invalid(
            "webhook_secret",
            f"签名密钥须为 {MIN_SECRET_LENGTH}–{MAX_SECRET_LENGTH} 个字符，首尾不含空格",
            f"the secret has {MIN_SECRET_LENGTH}–{MAX_SECRET_LENGTH} characters without surrounding spaces",
            "secret",
        )
    with transaction.atomic():
        locked = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        if not is_usable(locked):
            raise Conflict(
                "grant_not_usable", "授权未批准或已失效", "the grant is not approved or has expired"
            )
        if Subscription.objects.filter(grant=locked, url=url, is_active=True).exists():
            raise Conflict("subscription_exists", "该地址已订阅", "this URL is already subscribed")
        subscription = Subscription.objects.create(
            grant=locked,
            resource_id=locked.resource_id,
            consumer_id=locked.consumer_id,
            url=url,
            secret_encrypted=encrypt_text(secret),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="datahub.subscription.create",
            obj=subscription,
            after={"grant": locked.pk, "resource": locked.resource_id, "url": url},
        )
    return subscription


def cancel_subscription(*, actor: Any, subscription: Subscription) -> Subscription:
    if not hub_permissions.is_officer_of(actor, subscription.consumer_id):
        raise PermissionDenied(
            "forbidden", "只有订阅部门的数据专员可以取消", "only the consumer's data officer cancels"
        )
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if not locked.is_active:
            raise Conflict("not_active", "订阅已取消", "the subscription is already cancelled")
        locked.is_active = False
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["is_active", "cancelled_at"])
        drop_pending(locked, "订阅已取消 subscription cancelled")
        record_event(
            actor=actor,
            action="datahub.subscription.cancel",
            obj=locked,
            before={"active": True},
            after={"active": False},
        )
    return locked


def drop_pending(subscription: Subscription, reason: str) -> int:
    return ChangeNotice.objects.filter(subscription=subscription, status=ChangeNotice.Status.PENDING).update(
        status=ChangeNotice.Status.DROPPED, last_error=reason[:300], next_attempt_at=None
    )


# --- Recording changes -------------------------------------------------------------------------


def _in_share(resource: Resource, record_key: str, macro_indicators: dict[int, set[str]]) -> bool:
    """Whether a base record is among the rows ``resource`` publishes (see ``rows.rows_queryset``)."""
    if resource.dataset == Dataset.CREDIT:
        return record_key.startswith(f"{resource.provider.code}:")
    if resource.dataset == Dataset.MACRO:
        return record_key.split("|", 1)[0] in macro_indicators.get(resource.provider_id, set())
    return True


def _notice_key(resource: Resource, allowed: set[str], record_key: str) -> str:
    element = elements_of(resource).get(resource.key_element)
    if resource.key_element in allowed and element is not None and not element.is_personal:
        return record_key
    # The receiver still gets a stable handle to drop repeats by, without a value it was not granted.
    return lookup_hash(f"{resource.code}|{record_key}")


def _subscriptions_for(dataset: str, resource: Resource | None) -> QuerySet[Subscription]:
    qs = Subscription.objects.filter(is_active=True).select_related("grant", "resource__provider")
    if resource is not None:
        return qs.filter(resource=resource)
    return qs.filter(resource__dataset=dataset)


def record_changes(*, changes: Sequence[Change], dataset: str = "", resource: Resource | None = None) -> int:
    """Write the notices for ``changes`` of a base ``dataset`` or of a department's ``resource``.

    Called inside the changing service's transaction. Each subscription's row is locked while its
    sequence numbers are taken, so concurrent writers give each subscription a gapless order.
    """
    if not changes:
        return 0
    candidates = [s.pk for s in _subscriptions_for(dataset, resource)]
    if not candidates:
        return 0
    macro: dict[int, set[str]] = {}
    if dataset == Dataset.MACRO:
        for field, department_id in FieldSource.objects.filter(dataset=Dataset.MACRO).values_list(
            "field", "department_id"
        ):
            macro.setdefault(department_id, set()).add(field)
    now = timezone.now()
    written = 0
    subscriptions = (
        Subscription.objects.select_for_update()
        .filter(pk__in=candidates, is_active=True)
        .select_related("grant", "resource__provider")
        .order_by("pk")
    )
    for subscription in subscriptions:
        grant = subscription.grant
        if not is_usable(grant):
            continue
        allowed = set(grant.allowed_fields)
        notices: list[ChangeNotice] = []
        for change in changes:
            if not _in_share(subscription.resource, change.record_key, macro):
                continue
            fields = allowed if change.created else change.fields & allowed
            if not fields:
                continue
            notices.append(
                ChangeNotice(
                    subscription=subscription,
                    sequence=subscription.last_sequence + len(notices) + 1,
                    event=ChangeNotice.Event.CREATED if change.created else ChangeNotice.Event.UPDATED,
                    record_key=_notice_key(subscription.resource, allowed, change.record_key),
                    fields=[name for name in grant.allowed_fields if name in fields],
                    changed_at=now,
                )
            )
        if not notices:
            continue
        ChangeNotice.objects.bulk_create(notices, batch_size=1000)
        subscription.last_sequence += len(notices)
        Subscription.objects.filter(pk=subscription.pk).update(last_sequence=subscription.last_sequence)
        written += len(notices)
        from govhall.datahub.tasks import deliver_notices_task

        enqueue_on_commit(deliver_notices_task, subscription.pk)
    return written
