from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from govhall.notifications import sms


class RecordingGateway:
    """A carrier that records what it was asked to send (the outside boundary of SMS)."""

    sent: list[tuple[str, str, dict[str, str]]] = []
    failures_left = 0

    def send(self, phone: str, template_code: str, params: Any) -> str:
        if RecordingGateway.failures_left > 0:
            RecordingGateway.failures_left -= 1
            raise sms.SmsError("carrier answered 503 Service Unavailable")
        RecordingGateway.sent.append((phone, template_code, dict(params)))
        return f"carrier-{len(RecordingGateway.sent)}"


@pytest.fixture
def gateway(settings: Any) -> Iterator[type[RecordingGateway]]:
    settings.GOVHALL_SMS_GATEWAY = "govhall.notifications.tests.conftest.RecordingGateway"
    sms._load.cache_clear()
    RecordingGateway.sent = []
    RecordingGateway.failures_left = 0
    HUEY.storage.flush_all()
    yield RecordingGateway
    sms._load.cache_clear()
    HUEY.storage.flush_all()
