"""The sandbox's trades, refunds and pending notifications, in its own SQLite file (stdlib only)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS trades (
    trade_no TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    subject TEXT NOT NULL,
    total_amount TEXT NOT NULL,
    status TEXT NOT NULL,
    notify_url TEXT NOT NULL DEFAULT '',
    return_url TEXT NOT NULL DEFAULT '',
    quit_url TEXT NOT NULL DEFAULT '',
    time_expire TEXT NOT NULL DEFAULT '',
    pay_token TEXT NOT NULL,
    buyer_id TEXT NOT NULL DEFAULT '',
    buyer_logon_id TEXT NOT NULL DEFAULT '',
    refunded_total TEXT NOT NULL DEFAULT '0.00',
    created_at TEXT NOT NULL,
    paid_at TEXT NOT NULL DEFAULT '',
    closed_at TEXT NOT NULL DEFAULT '',
    UNIQUE (app_id, out_trade_no)
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trade_no TEXT NOT NULL REFERENCES trades (trade_no),
    out_request_no TEXT NOT NULL,
    amount TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (trade_no, out_request_no)
);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trade_no TEXT NOT NULL,
    notify_url TEXT NOT NULL,
    params TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    delivered_at TEXT NOT NULL DEFAULT '',
    gave_up INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (delivered_at, gave_up, next_attempt_at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass
class Trade:
    trade_no: str
    app_id: str
    out_trade_no: str
    subject: str
    total_amount: Decimal
    status: str
    notify_url: str
    return_url: str
    quit_url: str
    time_expire: str
    pay_token: str
    buyer_id: str
    buyer_logon_id: str
    refunded_total: Decimal
    created_at: str
    paid_at: str
    closed_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Trade:
        data = dict(row)
        data["total_amount"] = Decimal(data["total_amount"])
        data["refunded_total"] = Decimal(data["refunded_total"])
        return cls(**data)


@dataclass
class Refund:
    trade_no: str
    out_request_no: str
    amount: Decimal
    reason: str
    created_at: str


class Store:
    """One SQLite file; every method is one short transaction, serialised by a process lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        with self._lock:
            db = sqlite3.connect(self.path, timeout=20)
            try:
                db.executescript(SCHEMA)
            finally:
                db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=20, isolation_level=None)
            db.row_factory = sqlite3.Row
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()

    def next_number(self, db: sqlite3.Connection, name: str) -> int:
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return int(db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0])

    # --- trades --------------------------------------------------------------------------------

    def trade(
        self, db: sqlite3.Connection, *, trade_no: str = "", app_id: str = "", out_trade_no: str = ""
    ) -> Trade | None:
        if trade_no:
            row = db.execute("SELECT * FROM trades WHERE trade_no = ?", (trade_no,)).fetchone()
        else:
            row = db.execute(
                "SELECT * FROM trades WHERE app_id = ? AND out_trade_no = ?", (app_id, out_trade_no)
            ).fetchone()
        return Trade.from_row(row) if row else None

    def insert_trade(self, db: sqlite3.Connection, trade: Trade) -> None:
        data = trade.__dict__.copy()
        data["total_amount"] = f"{trade.total_amount:.2f}"
        data["refunded_total"] = f"{trade.refunded_total:.2f}"
        columns = ", ".join(data)
        marks = ", ".join("?" for _ in data)
        db.execute(f"INSERT INTO trades ({columns}) VALUES ({marks})", tuple(data.values()))  # noqa: S608

    def update_trade(self, db: sqlite3.Connection, trade_no: str, **fields: Any) -> None:
        values = {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in fields.items()}
        assignments = ", ".join(f"{name} = ?" for name in values)
        db.execute(
            f"UPDATE trades SET {assignments} WHERE trade_no = ?",  # noqa: S608
            (*values.values(), trade_no),
        )

    def trades(self, db: sqlite3.Connection, *, limit: int = 50) -> list[Trade]:
        rows = db.execute("SELECT * FROM trades ORDER BY created_at DESC, trade_no DESC LIMIT ?", (limit,))
        return [Trade.from_row(row) for row in rows]

    def paid_between(self, db: sqlite3.Connection, app_id: str, start: str, end: str) -> list[Trade]:
        rows = db.execute(
            "SELECT * FROM trades WHERE app_id = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, trade_no",
            (app_id, start, end),
        )
        return [Trade.from_row(row) for row in rows]

    # --- refunds -------------------------------------------------------------------------------

    def refund(self, db: sqlite3.Connection, trade_no: str, out_request_no: str) -> Refund | None:
        row = db.execute(
            "SELECT trade_no, out_request_no, amount, reason, created_at FROM refunds "
            "WHERE trade_no = ? AND out_request_no = ?",
            (trade_no, out_request_no),
        ).fetchone()
        return Refund(**{**dict(row), "amount": Decimal(row["amount"])}) if row else None

    def insert_refund(self, db: sqlite3.Connection, refund: Refund) -> None:
        db.execute(
            "INSERT INTO refunds (trade_no, out_request_no, amount, reason, created_at) VALUES (?, ?, ?, ?, ?)",
            (
                refund.trade_no,
                refund.out_request_no,
                f"{refund.amount:.2f}",
                refund.reason,
                refund.created_at,
            ),
        )

    def refunds_between(
        self, db: sqlite3.Connection, app_id: str, start: str, end: str
    ) -> list[tuple[Refund, Trade]]:
        rows = db.execute(
            "SELECT r.trade_no AS r_trade_no, r.out_request_no, r.amount, r.reason, r.created_at AS r_created_at, t.* "
            "FROM refunds r JOIN trades t ON t.trade_no = r.trade_no "
            "WHERE t.app_id = ? AND r.created_at >= ? AND r.created_at < ? ORDER BY r.created_at, r.id",
            (app_id, start, end),
        )
        found = []
        for row in rows:
            data = dict(row)
            refund = Refund(
                trade_no=data.pop("r_trade_no"),
                out_request_no=data.pop("out_request_no"),
                amount=Decimal(data.pop("amount")),
                reason=data.pop("reason"),
                created_at=data.pop("r_created_at"),
            )
            data["total_amount"] = Decimal(data["total_amount"])
            data["refunded_total"] = Decimal(data["refunded_total"])
            found.append((refund, Trade(**data)))
        return found

    # --- notifications -------------------------------------------------------------------------

    def queue_notification(
        self, db: sqlite3.Connection, *, trade_no: str, notify_url: str, params: dict[str, str], due: float
    ) -> None:
        db.execute(
            "INSERT INTO notifications (trade_no, notify_url, params, next_attempt_at) VALUES (?, ?, ?, ?)",
            (trade_no, notify_url, json.dumps(params, ensure_ascii=False), due),
        )

    def due_notifications(self, db: sqlite3.Connection, now: float, limit: int = 20) -> list[sqlite3.Row]:
        return list(
            db.execute(
                "SELECT * FROM notifications WHERE delivered_at = '' AND gave_up = 0 AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?",
                (now, limit),
            )
        )

    def notifications(self, db: sqlite3.Connection, trade_no: str = "") -> list[sqlite3.Row]:
        if trade_no:
            return list(db.execute("SELECT * FROM notifications WHERE trade_no = ? ORDER BY id", (trade_no,)))
        return list(db.execute("SELECT * FROM notifications ORDER BY id"))
