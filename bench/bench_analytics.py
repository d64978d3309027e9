# ruff: noqa: S608 - SQL built from fixed formulas of the row number
"""Analytics: the leaders' dashboard queries over N historical cases in the DuckDB warehouse, against
the same queries on the operational database.

N (``GOVHALL_BENCH_ANALYTICS_CASES``, default 10,000,000) cases spread over one year are generated
twice from the same formulas of the row number: into a SQLite file shaped like the operational
tables (``cases_case`` with its columns the dashboards read and the operational indexes — department
and status, submitted, accepted and completed times — plus ``identity_department`` and
``identity_region``; timestamps as Django stores them, UTC text), by one recursive-CTE insert; and
into the warehouse's ``cases`` fact table (denormalised, as the refresh writes it) with DuckDB's
``range()``. Measured, each on both sides: the monthly received/completed trend, the departments'
top 15 (received, completed, late), the processing-time distribution and the headline counts. The
DuckDB side runs the dashboard's own code (``analytics.queries.Figures``); the SQLite side the
equivalent SQL with the joins the normalised schema needs. Both sides must return the same rows.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from harness import Row, measure

N = int(os.environ.get("GOVHALL_BENCH_ANALYTICS_CASES", "10000000"))
BASE = "2025-11-21 00:00:00"
SPAN = 365 * 86400
DEPARTMENTS = 40
COUNTIES = ("445302", "445303", "445321", "445322", "445381")
START, END = date(2025, 11, 21), date(2027, 1, 31)

# Shared formulas of the row number i (integer division on both sides).
SUB = f"(i * {SPAN}) {{div}} {N}"
ACC = f"({SUB} + (i % 24) * 3600)"
DAYS = "((i * 13) % 31)"
DONE = f"({ACC} + {DAYS} * 86400 + 3600)"
DEPT = f"((i * 7919) % {DEPARTMENTS} + 1)"
OPEN = "(i % 20 = 0)"


def _sqlite(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE TABLE identity_region (id INTEGER PRIMARY KEY, code TEXT, path TEXT);
        CREATE TABLE identity_department (id INTEGER PRIMARY KEY, short_name TEXT, region_id INTEGER);
        CREATE TABLE catalog_itemversion (id INTEGER PRIMARY KEY, name TEXT, trips INTEGER);
        CREATE TABLE cases_case (
            id INTEGER PRIMARY KEY, item_version_id INTEGER, lead_department_id INTEGER, channel TEXT,
            status TEXT, timeliness TEXT, submitted_at TEXT, accepted_at TEXT, completed_at TEXT);
        """
    )
    db.execute("INSERT INTO identity_region VALUES (1, '445300', '440000/445300/')")
    for n, code in enumerate(COUNTIES, start=2):
        db.execute("INSERT INTO identity_region VALUES (?, ?, ?)", (n, code, f"440000/445300/{code}/"))
    db.executemany(
        "INSERT INTO identity_department VALUES (?, ?, ?)",
        [(d, f"部门{d:02d}", 1 if d <= 20 else 2 + d % 5) for d in range(1, DEPARTMENTS + 1)],
    )
    db.executemany(
        "INSERT INTO catalog_itemversion VALUES (?, ?, ?)",
        [(v, f"事项{v:03d}", v % 3) for v in range(1, 501)],
    )
    sub, div = SUB.format(div="/"), "/"
    acc = ACC.replace("{div}", div)
    done = DONE.replace("{div}", div)
    db.execute(
        f"""
        INSERT INTO cases_case
        WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {N - 1})
        SELECT i + 1, (i * 104729) % 500 + 1, {DEPT},
            CASE WHEN i % 10 < 7 THEN 'online' ELSE 'window' END,
            CASE WHEN {OPEN} THEN 'in_review' ELSE 'completed' END,
            CASE WHEN {OPEN} THEN '' WHEN {DAYS} > 25 THEN 'late' WHEN {DAYS} < 10 THEN 'early'
                 ELSE 'on_time' END,
            datetime('{BASE}', '+' || ({sub}) || ' seconds'),
            datetime('{BASE}', '+' || {acc} || ' seconds'),
            CASE WHEN {OPEN} THEN NULL ELSE datetime('{BASE}', '+' || {done} || ' seconds') END
        FROM s
        """
    )
    db.executescript(
        """
        CREATE INDEX case_dept_status ON cases_case (lead_department_id, status);
        CREATE INDEX case_submitted ON cases_case (submitted_at);
        CREATE INDEX case_accepted ON cases_case (accepted_at);
        CREATE INDEX case_completed ON cases_case (completed_at);
        CREATE INDEX case_status ON cases_case (status);
        """
    )
    db.commit()
    return db


def _duckdb() -> None:
    from govhall.analytics import warehouse

    with warehouse.connect(read_only=False) as con:
        warehouse._ensure_schema(con)
        sub = SUB.format(div="//")
        acc, done = ACC.replace("{div}", "//"), DONE.replace("{div}", "//")
        ts = f"TIMESTAMP '{BASE}'"
        con.execute(
            f"""
            INSERT INTO cases (id, item_id, item_name, trips, department_id, department_name, region_path,
                channel, status, timeliness, submitted_at, accepted_at, completed_at)
            SELECT i + 1, (i * 104729) % 500 + 1, '事项' || lpad(((i * 104729) % 500 + 1)::VARCHAR, 3, '0'),
                ((i * 104729) % 500 + 1) % 3, {DEPT}, '部门' || lpad({DEPT}::VARCHAR, 2, '0'),
                CASE WHEN {DEPT} <= 20 THEN '440000/445300/' ELSE '440000/445300/x/' END,
                CASE WHEN i % 10 < 7 THEN 'online' ELSE 'window' END,
                CASE WHEN {OPEN} THEN 'in_review' ELSE 'completed' END,
                CASE WHEN {OPEN} THEN '' WHEN {DAYS} > 25 THEN 'late' WHEN {DAYS} < 10 THEN 'early'
                     ELSE 'on_time' END,
                {ts} + to_seconds({sub}), {ts} + to_seconds({acc}),
                CASE WHEN {OPEN} THEN NULL ELSE {ts} + to_seconds({done}) END
            FROM range({N}) t(i)
            """
        )
        con.execute("CHECKPOINT")


BJ = "'+8 hours'"
# The period's Beijing days as a UTC range, so that the time indexes can serve it.
UTC_START, UTC_END = "2025-11-20 16:00:00", "2027-01-31 16:00:00"
IN_PERIOD = f"{{col}} >= '{UTC_START}' AND {{col}} < '{UTC_END}'"


def sqlite_trend(db: sqlite3.Connection) -> list[list[Any]]:
    received = dict(
        db.execute(
            f"SELECT strftime('%Y-%m', submitted_at, {BJ}), count(*) FROM cases_case "
            f"WHERE {IN_PERIOD.format(col='submitted_at')} GROUP BY 1"
        ).fetchall()
    )
    completed = dict(
        db.execute(
            f"SELECT strftime('%Y-%m', completed_at, {BJ}), count(*) FROM cases_case "
            f"WHERE status = 'completed' AND {IN_PERIOD.format(col='completed_at')} GROUP BY 1"
        ).fetchall()
    )
    from govhall.analytics.queries import Period

    return [[k, received.get(k, 0), completed.get(k, 0)] for k in Period(START, END).buckets()]


def sqlite_departments(db: sqlite3.Connection) -> list[list[Any]]:
    sub, done = IN_PERIOD.format(col="c.submitted_at"), IN_PERIOD.format(col="c.completed_at")
    rows = db.execute(
        f"SELECT d.short_name, sum({sub}) AS received, sum(c.status = 'completed' AND {done}), "
        f"sum(c.timeliness = 'late' AND {done}) FROM cases_case c "
        "JOIN identity_department d ON d.id = c.lead_department_id "
        f"WHERE ({sub} OR {done}) GROUP BY d.id ORDER BY received DESC, d.short_name LIMIT 15"
    ).fetchall()
    return [list(r) for r in rows]


def sqlite_durations(db: sqlite3.Connection) -> list[list[Any]]:
    from govhall.analytics.queries import DURATION_BUCKETS

    days = f"CAST(julianday(date(completed_at, {BJ})) - julianday(date(accepted_at, {BJ})) AS INTEGER)"
    cases = " ".join(
        f"WHEN {days} BETWEEN {lo} AND {hi} THEN '{label}'" for lo, hi, label in DURATION_BUCKETS
    )
    counts = dict(
        db.execute(
            f"SELECT CASE {cases} ELSE '30天以上' END, count(*) FROM cases_case "
            f"WHERE status = 'completed' AND accepted_at IS NOT NULL AND {IN_PERIOD.format(col='completed_at')} "
            "GROUP BY 1"
        ).fetchall()
    )
    labels = [b[2] for b in DURATION_BUCKETS] + ["30天以上"]
    return [[label, counts.get(label, 0)] for label in labels]


def sqlite_counts(db: sqlite3.Connection) -> list[Any]:
    received, online, one_trip = db.execute(
        "SELECT count(*), sum(c.channel = 'online'), sum(v.trips <= 1) FROM cases_case c "
        "JOIN catalog_itemversion v ON v.id = c.item_version_id "
        f"WHERE {IN_PERIOD.format(col='c.submitted_at')}"
    ).fetchone()
    completed, early, late = db.execute(
        "SELECT count(*), sum(timeliness = 'early'), sum(timeliness = 'late') FROM cases_case "
        f"WHERE status = 'completed' AND {IN_PERIOD.format(col='completed_at')}"
    ).fetchone()
    return [received, online, one_trip, completed, early, late]


def run() -> list[Row]:
    from django.conf import settings

    from govhall.analytics import warehouse
    from govhall.analytics.permissions import Scope
    from govhall.analytics.queries import Figures, Period

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="govhall-bench-analytics-") as tmp:
        settings.GOVHALL_WAREHOUSE_PATH = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        db = _sqlite(Path(tmp) / "operational.sqlite3")
        sqlite_load = time.perf_counter() - started
        started = time.perf_counter()
        _duckdb()
        duck_load = time.perf_counter() - started
        notes = [f"{N:,} cases; generated in SQLite {sqlite_load:.0f}s, in DuckDB {duck_load:.1f}s"]

        period = Period(START, END)
        with warehouse.connect() as con:
            figures = Figures(con, Scope(everything=True, label="bench"), period)

            def duck_counts() -> list[Any]:
                kpis = {r[0]: r[1] for r in figures.kpis().rows}
                return [kpis[k] for k in ("收件量", "办结量", "超期办结")]

            cases = [
                ("monthly trend", lambda: figures.trend().rows, lambda: sqlite_trend(db)),
                ("departments top 15", lambda: figures.departments().rows, lambda: sqlite_departments(db)),
                (
                    "processing-time distribution",
                    lambda: figures.durations().rows,
                    lambda: sqlite_durations(db),
                ),
                ("headline counts", duck_counts, lambda: [sqlite_counts(db)[i] for i in (0, 3, 5)]),
            ]
            for name, duck, lite in cases:
                fast = measure(duck, [()], rounds=3)
                slow = measure(lite, [()], rounds=1)
                if fast.results != slow.results:
                    raise AssertionError(
                        f"{name}: DuckDB and SQLite disagree: {fast.results} != {slow.results}"
                    )
                rows.append(
                    Row(
                        f"dashboard {name} over {N:,} cases (DuckDB warehouse)",
                        fast.per_call,
                        slow.per_call,
                        baseline_name="same query on the operational SQLite schema",
                        notes=notes if not rows else [],
                    )
                )
        db.close()
    return rows
