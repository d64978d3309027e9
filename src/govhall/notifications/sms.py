"""SMS through a carrier adapter (短信网关).

A carrier is reached through its own signed HTTP API with templates approved in advance; the
platform only ever sends a template code and its parameters. An adapter implements
:class:`SmsGateway` and is chosen by the dotted path in ``GOVHALL_SMS_GATEWAY``. The two adapters
here send nothing: they write the text to the log or to standard output, for development and demos.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from govhall.core.crypto import mask_middle

logger = logging.getLogger("govhall.sms")

DEFAULT_GATEWAY = "govhall.notifications.sms.LogSmsGateway"


class SmsError(Exception):
    """The carrier refused or could not be reached; the delivery is retried."""


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        """Send one SMS; return the carrier's message id, raise :class:`SmsError` on failure."""
        ...


def _describe(phone: str, template_code: str, params: Mapping[str, str]) -> str:
    from govhall.notifications.events import sms_text

    return f"SMS to {mask_middle(phone, keep_start=3, keep_end=4)} [{template_code}] {sms_text(template_code, params)}"


class LogSmsGateway:
    """Writes each SMS to the ``govhall.sms`` log, with the number masked."""

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        logger.info(_describe(phone, template_code, params))
        return f"log-{uuid.uuid4().hex}"


class ConsoleSmsGateway:
    """Prints each SMS to standard output (the demo's terminal), with the number masked."""

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        sys.stdout.write(_describe(phone, template_code, params) + "\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex}"


@lru_cache(maxsize=4)
def _load(path: str) -> SmsGateway:
    gateway = import_string(path)()
    if not isinstance(gateway, SmsGateway):
        raise TypeError(f"{path} does not implement SmsGateway.send(phone, template_code, params)")
    return gateway


def gateway() -> SmsGateway:
    """The configured adapter (one instance per dotted path)."""
    return _load(getattr(settings, "GOVHALL_SMS_GATEWAY", DEFAULT_GATEWAY) or DEFAULT_GATEWAY)
