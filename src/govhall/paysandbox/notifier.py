"""Asynchronous notifications: POST the signed form to the merchant until it answers ``success``."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from govhall.paysandbox.store import Store

logger = logging.getLogger("govhall.paysandbox")
# A row being sent is pushed this far into the future, so that a second sender skips it.
LEASE_SECONDS = 60.0


class Transport(Protocol):
    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        """POST ``params`` as ``application/x-www-form-urlencoded``; the status and the body."""
        ...


class HttpTransport:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(params).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the merchant's own notify_url
            url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read(4096).decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read(4096).decode("utf-8", errors="replace")


class Notifier:
    def __init__(self, store: Store, *, transport: Transport | None, delays: Sequence[float]) -> None:
        self.store = store
        self.transport = transport or HttpTransport()
        self.delays = tuple(delays)

    def deliver_due(self, *, now: float | None = None) -> int:
        moment = time.time() if now is None else now
        with self.store.transaction() as db:
            rows = self.store.due_notifications(db, moment)
            for row in rows:
                db.execute(
                    "UPDATE notifications SET next_attempt_at = ? WHERE id = ?",
                    (moment + LEASE_SECONDS, row["id"]),
                )
        acknowledged = 0
        for row in rows:
            params = json.loads(row["params"])
            try:
                status, body = self.transport.post_form(row["notify_url"], params)
                outcome = f"{status} {body.strip()[:80]}"
                ok = status == 200 and body.strip() == "success"
            except (OSError, ValueError) as error:
                outcome, ok = f"error {error}"[:120], False
            attempts = row["attempts"] + 1
            with self.store.transaction() as db:
                if ok:
                    db.execute(
                        "UPDATE notifications SET attempts = ?, delivered_at = ?, last_result = ? WHERE id = ?",
                        (attempts, time.strftime("%Y-%m-%d %H:%M:%S"), outcome, row["id"]),
                    )
                    acknowledged += 1
                    continue
                gave_up = attempts > len(self.delays)
                delay = self.delays[min(attempts, len(self.delays)) - 1] if self.delays else 0
                db.execute(
                    "UPDATE notifications SET attempts = ?, next_attempt_at = ?, gave_up = ?, last_result = ? "
                    "WHERE id = ?",
                    (attempts, moment + delay, int(gave_up), outcome, row["id"]),
                )
            logger.info("notification %s to %s: %s", row["id"], row["notify_url"], outcome)
        return acknowledged
