"""What the payments app plugs into the rest of the platform when Django starts.

- permission rules for orders and reconciliation (:mod:`govhall.payments.permissions`);
- the case-result hook: an approved case with catalogue fees gets its fee order in the deciding
  transaction (:func:`govhall.payments.services.order_for_approved_case`);
- the notification events it sends, and the labels of the case timeline entries it writes;
- the supervision rule for charges that differ from the catalogue (:mod:`supervision`).
"""

from __future__ import annotations

from typing import Any

from govhall.notifications import events

APPLICANT = (events.SITE, events.EMAIL, events.SMS)
EVENT_SPECS = [
    events.EventSpec(
        "payment.order_issued",
        "请缴费：{{ item }}（{{ case_no }}）",
        APPLICANT,
        "GH_PAYMENT_DUE",
        "您的办件{case_no}需缴费{amount}元，缴款码{payment_code}，请于{expires}前缴纳。",
        ("case_no", "amount", "payment_code", "expires"),
    ),
    events.EventSpec("payment.paid", "缴费成功：{{ item }}（{{ case_no }}）", (events.SITE, events.EMAIL)),
    events.EventSpec("payment.received", "已缴费：{{ case_no }} {{ item }}"),
    events.EventSpec(
        "payment.refunded",
        "退款已办理：{{ item }}（{{ case_no }}）",
        APPLICANT,
        "GH_PAYMENT_REFUNDED",
        "您的缴款码{payment_code}已退款{amount}元，原路退回。",
        ("payment_code", "amount"),
    ),
    # Sent only where the supervision app (which raises an alert instead) is not installed.
    events.EventSpec("payment.charge_alert", "收费异常：{{ department }} {{ case_no }}"),
    events.EventSpec("payment.duplicate", "重复缴费待退款：{{ case_no }}（缴款码 {{ payment_code }}）"),
]
TIMELINE_LABELS = {
    "fee_order_issued": "开具缴费单",
    "fee_paid": "缴费完成",
    "fee_refunded": "退费",
    "fee_order_closed": "关闭缴费单",
    "fee_order_expired": "缴费单过期",
}


def connect() -> None:
    from govhall.cases import results, views_common
    from govhall.payments import permissions, supervision

    permissions.register()
    for spec in EVENT_SPECS:
        events.EVENTS.setdefault(spec.key, spec)
    for kind, label in TIMELINE_LABELS.items():
        views_common.EVENT_LABELS.setdefault(kind, label)
    results.register_result_hook(_on_approved)
    if supervision.installed():
        supervision.register()


def _on_approved(case: Any, result: Any) -> None:
    from govhall.payments import services

    services.order_for_approved_case(case, result)
