"""What every payment channel offers the payment services, and what it answers with.

:class:`PaymentChannel` is the part every channel has (refund, look a trade up, close it);
:class:`OnlineChannel` adds what a redirecting gateway needs: the signed pay link, checking the
callbacks it sends, and the day's statement for reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})


class ChannelError(Exception):
    """The channel could not be reached or answered something that cannot be trusted."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class TradeState:
    """A trade as the channel reports it (a notification, a return, or a query answer)."""

    out_trade_no: str
    trade_no: str
    status: str
    amount: Decimal
    app_id: str = ""
    paid_at: datetime | None = None
    buyer: str = ""
    notify_id: str = ""
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def paid(self) -> bool:
        return self.status in PAID_STATUSES


@dataclass(frozen=True)
class RefundOutcome:
    succeeded: bool
    detail: str = ""


class PaymentChannel(Protocol):
    code: str
    label: str

    def refund(
        self, *, out_trade_no: str, trade_no: str, request_no: str, amount: Decimal, reason: str
    ) -> RefundOutcome:
        """Return ``amount``; the same ``request_no`` again refunds nothing more."""
        ...

    def query(self, *, out_trade_no: str) -> TradeState | None:
        """The trade for an order, or None when the channel has none."""
        ...

    def close(self, *, out_trade_no: str) -> bool:
        """Stop the order from being paid: True when closed (or never opened), False when paid."""
        ...


class OnlineChannel(PaymentChannel, Protocol):
    def pay_url(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        subject: str,
        expires_at: datetime,
        return_url: str,
        notify_url: str,
        quit_url: str,
    ) -> str:
        """Where to send the payer's browser."""
        ...

    def verify_callback(self, params: dict[str, str]) -> bool:
        """Whether a notification or return carries the gateway's valid signature."""
        ...

    def trade_from_callback(self, params: dict[str, str]) -> TradeState:
        """The trade a verified callback reports (``ValueError`` when its fields are unusable)."""
        ...

    @property
    def app_id(self) -> str: ...

    def statement(self, *, day: date) -> bytes:
        """The channel's statement file of ``day`` (Beijing date)."""
        ...
