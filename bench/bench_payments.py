"""Payments: gateway notifications handled per second, against bare signature verification.

The notification is a genuine TRADE_SUCCESS from the sandbox gateway (its own key pair, RSA-2048
SHA256withRSA). It is applied once; every later copy is a duplicate, which is what a gateway
sends again and again until it reads ``success``. Each duplicate is verified, matched to its
order, the order row locked, the notification found and counted, and ``success`` answered:

- through :func:`govhall.payments.callbacks.receive_notification` (the service), and
- through ``POST /payments/notify/`` (the whole middleware stack, as the gateway calls it),

against the floor every duplicate has to pay anyway: the RSA2 verification of the same
parameters alone. Both sides are checked to accept the same notification.
"""

from __future__ import annotations

from typing import Any

from harness import Row, measure

DUPLICATES = 300


def _setup() -> dict[str, Any]:
    from django.conf import settings

    from govhall.cases import handling
    from govhall.cases.models import Task
    from govhall.cases.tests.helpers import submitted
    from govhall.payments import conf, rsa2
    from govhall.payments.models import FeeOrder
    from govhall.payments.tests.helpers import publish_fee_item, signed_notification
    from govhall.paysandbox import SANDBOX_APP_ID
    from govhall.paysandbox.app import Sandbox, SandboxConfig
    from govhall.testing import personas

    conf.app_private_key()  # the platform's key pair, made under GOVHALL_VAR/payments
    sandbox = Sandbox(
        SandboxConfig(
            var_dir=settings.VAR_DIR / "paysandbox",
            app_id=SANDBOX_APP_ID,
            app_public_key_file=conf.gateway().app_public_key_file,
        )
    )
    citizen = personas.citizen("citizen")
    clerk, reviewer, approver = (personas.staff(k) for k in ("clerk", "reviewer", "approver"))
    case = submitted(citizen, publish_fee_item(personas.department("dept_a"))).case

    def task(kind: str) -> Task:
        return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])

    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=task("review"), action="approve", opinion="经审查")
    handling.complete_task(actor=approver, task=task("decide"), action="approve", opinion="同意")
    order = FeeOrder.objects.get(case=case)
    params = signed_notification(
        sandbox,
        notify_id="bench-notification",
        app_id=SANDBOX_APP_ID,
        out_trade_no=order.payment_code,
        trade_no="2026112322000000000000009999",
        trade_status="TRADE_SUCCESS",
        total_amount="20.00",
        gmt_payment="2026-11-23 10:00:01",
        buyer_logon_id="san***@sandbox.example.cn",
    )
    return {
        "order": order,
        "params": params,
        "key": rsa2.load_public_key(sandbox.public_key_path.read_bytes()),
    }


def run() -> list[Row]:
    from django.test import Client

    from govhall.payments import callbacks, rsa2
    from govhall.payments.models import GatewayNotification, Payment

    env = _setup()
    params: dict[str, str] = env["params"]
    first = callbacks.receive_notification(params)
    assert first.body == "success" and first.outcome == "applied", first
    inputs = [(params,)] * DUPLICATES

    bare = measure(lambda p: rsa2.verify(p, env["key"]), inputs, rounds=3)
    service = measure(callbacks.receive_notification, inputs, rounds=3)
    client = Client(HTTP_HOST="localhost")
    http = measure(lambda p: client.post("/payments/notify/", data=p).content, inputs, rounds=3)

    assert all(bare.results) and {r.body for r in service.results} == {"success"}
    assert set(http.results) == {b"success"}
    assert Payment.objects.filter(order=env["order"]).count() == 1
    received = GatewayNotification.objects.get(notify_id="bench-notification").times_received
    baseline = "bare RSA2 verification of the same parameters (verifications/s)"
    return [
        Row(
            figure="duplicate notification through the service (notifications/s)",
            value=1 / service.per_call,
            baseline=1 / bare.per_call,
            unit="notifications/s",
            baseline_name=baseline,
            notes=[
                f"one payment after {received} deliveries of the same notification",
                f"a duplicate costs {service.per_call / bare.per_call:.0f} bare verifications (one UPDATE … RETURNING)",
            ],
        ),
        Row(
            figure="duplicate notification through POST /payments/notify/ (notifications/s)",
            value=1 / http.per_call,
            baseline=1 / bare.per_call,
            unit="notifications/s",
            baseline_name=baseline,
            notes=["session, CSRF exemption, axes and the rest of the middleware stack included"],
        ),
    ]
