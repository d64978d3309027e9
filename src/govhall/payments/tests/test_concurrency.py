"""Two things at once on one order: exactly one payment. Real threads on PostgreSQL; one after the
other on SQLite (which serialises writers at BEGIN)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from govhall.core.audit import verify_chain
from govhall.core.errors import DomainError
from govhall.payments import callbacks, settlement
from govhall.payments.models import FeeOrder, GatewayNotification, Payment
from govhall.payments.tests.helpers import signed_notification
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def run(*calls: Callable[[], Any]) -> list[Any]:
    if connection.vendor != "postgresql":
        outcomes: list[Any] = []
        for call in calls:
            try:
                outcomes.append(call())
            except DomainError as exc:
                outcomes.append(exc)
        return outcomes
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def notification(sandbox: Sandbox, order: FeeOrder, notify_id: str) -> dict[str, str]:
    return signed_notification(
        sandbox,
        notify_id=notify_id,
        app_id=sandbox.config.app_id,
        out_trade_no=order.payment_code,
        trade_no="2026112322000000000000000777",
        trade_status="TRADE_SUCCESS",
        total_amount="20.00",
        gmt_payment="2026-11-23 10:00:01",
    )


@pytest.mark.parametrize("same_id", [True, False], ids=["same-notification", "two-notifications"])
def test_two_notifications_at_the_same_moment_are_one_payment(
    order: FeeOrder, sandbox: Sandbox, same_id: bool
) -> None:
    first = notification(sandbox, order, "n-1")
    second = first if same_id else notification(sandbox, order, "n-2")
    replies = run(
        lambda: callbacks.receive_notification(first), lambda: callbacks.receive_notification(second)
    )
    assert all(isinstance(r, callbacks.Reply) and r.body == "success" for r in replies), replies
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    assert Payment.objects.filter(order=order).count() == 1
    if same_id:
        assert GatewayNotification.objects.get().times_received == 2
    else:
        assert sorted(GatewayNotification.objects.values_list("outcome", flat=True)) == [
            "applied",
            "no_change",
        ]
    assert verify_chain().ok


def test_a_notification_and_the_window_at_the_same_moment(
    order: FeeOrder, sandbox: Sandbox, clerk: Any
) -> None:
    params = notification(sandbox, order, "n-3")
    outcomes = run(
        lambda: callbacks.receive_notification(params),
        lambda: settlement.record_window_payment(
            actor=clerk, order=order, method="cash", receipt_no="SJ-77", amount="20"
        ),
    )
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    counted = Payment.objects.filter(order=order, is_duplicate=False)
    assert counted.count() == 1
    # Whichever came second is either refused (the window) or kept as a duplicate to refund (online).
    duplicates = Payment.objects.filter(order=order, is_duplicate=True).count()
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert duplicates + len(refused) == 1, outcomes
