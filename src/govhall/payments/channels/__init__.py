"""Payment channels behind one interface; see :mod:`govhall.payments.channels.base`."""

from __future__ import annotations

from govhall.payments.channels.base import (
    ChannelError,
    OnlineChannel,
    PaymentChannel,
    RefundOutcome,
    TradeState,
)
from govhall.payments.channels.gateway import AlipayStyleGateway
from govhall.payments.channels.window import WindowChannel


def channel(code: str) -> PaymentChannel:
    """The channel a payment was made through (``Payment.Channel`` value)."""
    if code == WindowChannel.code:
        return WindowChannel()
    if code == AlipayStyleGateway.code:
        return online()
    raise ValueError(f"unknown payment channel {code!r}")


def online() -> OnlineChannel:
    return AlipayStyleGateway.from_settings()


__all__ = [
    "AlipayStyleGateway",
    "ChannelError",
    "OnlineChannel",
    "PaymentChannel",
    "RefundOutcome",
    "TradeState",
    "WindowChannel",
    "channel",
    "online",
]
