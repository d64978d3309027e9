"""The service window (窗口): cash or card (POS) taken by a clerk, who records the receipt number.

Nothing is sent anywhere: the clerk's record is the payment, and a refund is money handed back at
the counter, recorded the same way.
"""

from __future__ import annotations

from decimal import Decimal

from govhall.payments.channels.base import RefundOutcome, TradeState


class WindowChannel:
    code = "window"
    label = "窗口缴费"

    def refund(
        self, *, out_trade_no: str, trade_no: str, request_no: str, amount: Decimal, reason: str
    ) -> RefundOutcome:
        return RefundOutcome(succeeded=True, detail="窗口退付 returned at the counter")

    def query(self, *, out_trade_no: str) -> TradeState | None:
        return None

    def close(self, *, out_trade_no: str) -> bool:
        return True
