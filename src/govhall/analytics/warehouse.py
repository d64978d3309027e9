# ruff: noqa: S608 - SQL text is built from registered identifiers and fixed fragments; values are bound parameters
"""The DuckDB warehouse: an incremental copy of the operational facts that dashboards read.

A refresh runs in three phases so that the warehouse file is locked for writing only briefly:

1. read the stored watermarks (one per fact) and the column signatures;
2. read from the source database (``GOVHALL_WAREHOUSE_SOURCE``: ``default`` or a replica) every row
   whose watermark expressions passed the fact's watermark less ``GOVHALL_WAREHOUSE_OVERLAP_SECONDS``
   (a transaction that commits late with an older timestamp is still picked up), into CSV files in a
   private temporary directory;
3. in one DuckDB transaction per refresh, stage each file, delete the staged keys from the fact table
   and insert the staged rows (an upsert; DuckDB's own ``ON CONFLICT`` cannot touch a row twice and
   its key indexes reject a delete and re-insert of one key in the same transaction), then store the
   new watermarks.

A fact whose columns changed in code is rebuilt from scratch on the next refresh. Timestamps are
stored as UTC without a zone; the queries turn them into Beijing dates (UTC+8, no daylight saving).
Rows deleted in the operational database stay in the warehouse until a full rebuild
(``manage.py warehouse_refresh --full``); the platform deletes no cases, payments or alerts.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from govhall.analytics import facts as fact_registry
from govhall.analytics.facts import Fact
from govhall.analytics.models import WarehouseRun

logger = logging.getLogger("govhall.analytics")

NULL = "\\N"
LOCK_WAIT_SECONDS = 15.0
CHUNK = 5000


def warehouse_path() -> Path:
    return Path(getattr(settings, "GOVHALL_WAREHOUSE_PATH", settings.VAR_DIR / "warehouse.duckdb"))


def source_alias() -> str:
    return str(getattr(settings, "GOVHALL_WAREHOUSE_SOURCE", "default"))


def overlap() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GOVHALL_WAREHOUSE_OVERLAP_SECONDS", 600)))


def signature(fact: Fact) -> str:
    text = "|".join(f"{c.name}:{c.type}" for c in fact.columns) + f"|key={fact.key}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _table_sql(fact: Fact) -> str:
    columns = ", ".join(f'"{c.name}" {c.type}' for c in fact.columns)
    return f'CREATE TABLE IF NOT EXISTS "{fact.name}" ({columns})'


META_SQL = (
    "CREATE TABLE IF NOT EXISTS _watermarks (fact VARCHAR, mark TIMESTAMP, signature VARCHAR, "
    "refreshed_at TIMESTAMP, row_count BIGINT)"
)


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_SQL)
    for fact in fact_registry.registered():
        con.execute(_table_sql(fact))


@contextmanager
def connect(*, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, waiting while a refresh holds the write lock.

    Read-only connections of many processes may share the file; a refresh takes it alone for the
    seconds its upserts need. A missing warehouse is created empty (every fact table, no rows).
    """
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not path.exists():
        with connect(read_only=False) as con:
            _ensure_schema(con)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        if read_only:
            _check_tables(con)
        yield con
    finally:
        con.close()


def _check_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Fact tables registered after the last refresh exist as empty views for the readers."""
    have = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for fact in fact_registry.registered():
        if fact.name not in have:
            columns = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in fact.columns)
            con.execute(f'CREATE TEMP VIEW "{fact.name}" AS SELECT {columns} WHERE false')


# --- extraction ----------------------------------------------------------------------------------


def _expression(source: Any) -> Any:
    return F(source) if isinstance(source, str) else source


def _cell(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    return str(value)


@dataclass
class Extract:
    fact: Fact
    path: Path | None
    rows: int
    newest: datetime | None


def _naive_utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if timezone.is_aware(value) else value


def extract(fact: Fact, *, since: datetime | None, alias: str, directory: Path) -> Extract:
    """Write the rows of ``fact`` changed after ``since`` (naive UTC) into a CSV file."""
    columns = {f"c_{i}": _expression(c.source) for i, c in enumerate(fact.columns)}
    marks = {f"w_{i}": _expression(s) for i, s in enumerate(fact.watermarks)}
    queryset = fact.queryset().using(alias).order_by().annotate(**columns, **marks)
    if since is not None:
        changed = Q(pk__in=[])
        aware = since.replace(tzinfo=UTC)
        for name in marks:
            changed |= Q(**{f"{name}__gt": aware})
        queryset = queryset.filter(changed)
    width = len(columns)
    path = directory / f"{fact.name}.csv"
    rows = 0
    newest: datetime | None = None
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in queryset.values_list(*columns, *marks).iterator(chunk_size=CHUNK):
            writer.writerow([_cell(v) for v in row[:width]])
            for value in row[width:]:
                stamp = _naive_utc(value)
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
            rows += 1
    return Extract(fact, path if rows else None, rows, newest)


# --- refresh -------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    rows: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "rebuilt": self.rebuilt, "seconds": round(self.seconds, 3)}


def _stored_marks(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[datetime | None, str]]:
    return {
        name: (mark, sig)
        for name, mark, sig in con.execute("SELECT fact, mark, signature FROM _watermarks").fetchall()
    }


def _columns_sql(fact: Fact) -> str:
    return "{" + ", ".join(f"'{c.name}': '{c.type}'" for c in fact.columns) + "}"


def _apply(con: duckdb.DuckDBPyConnection, item: Extract, rebuild: bool) -> None:
    fact = item.fact
    table = f'"{fact.name}"'
    if rebuild:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(_table_sql(fact))
    if item.path is None:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM read_csv(?, header = false, "
        f"columns = {_columns_sql(fact)}, nullstr = '{NULL}', quote = '\"', escape = '\"', "
        "auto_detect = false)",
        [str(item.path)],
    )
    if not rebuild:
        key = f'"{fact.key}"'
        con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM _stage)")
    con.execute(f"INSERT INTO {table} SELECT * FROM _stage")
    con.execute("DROP TABLE _stage")


def refresh(*, full: bool = False, only: list[str] | None = None) -> RefreshResult:
    """Bring the warehouse up to date with the source database; returns rows written per fact."""
    started = time.monotonic()
    run = WarehouseRun.objects.create(started_at=timezone.now(), full=full, source=source_alias())
    result = RefreshResult()
    try:
        chosen = [f for f in fact_registry.registered() if only is None or f.name in only]
        with connect(read_only=False) as con:
            _ensure_schema(con)
            stored = _stored_marks(con)
        cutoff = timezone.now().astimezone(UTC).replace(tzinfo=None)
        with tempfile.TemporaryDirectory(prefix="govhall-warehouse-") as tmp:
            extracts: list[tuple[Extract, bool]] = []
            for fact in chosen:
                mark, sig = stored.get(fact.name, (None, ""))
                rebuild = full or sig != signature(fact)
                since = None if rebuild or mark is None else mark - overlap()
                extracts.append(
                    (extract(fact, since=since, alias=source_alias(), directory=Path(tmp)), rebuild)
                )
            with connect(read_only=False) as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    for item, rebuild in extracts:
                        _apply(con, item, rebuild)
                        old = stored.get(item.fact.name, (None, ""))[0]
                        candidates = [m for m in (old if not rebuild else None, item.newest) if m]
                        mark = min(max(candidates), cutoff) if candidates else None
                        con.execute("DELETE FROM _watermarks WHERE fact = ?", [item.fact.name])
                        count = con.execute(f'SELECT count(*) FROM "{item.fact.name}"').fetchone()
                        con.execute(
                            "INSERT INTO _watermarks VALUES (?, ?, ?, ?, ?)",
                            [item.fact.name, mark, signature(item.fact), cutoff, count[0] if count else 0],
                        )
                        result.rows[item.fact.name] = item.rows
                        if rebuild:
                            result.rebuilt.append(item.fact.name)
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
    except Exception as exc:
        run.status = WarehouseRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.rows = result.rows
        run.save(update_fields=["status", "error", "finished_at", "rows"])
        logger.exception("warehouse refresh failed")
        raise
    result.seconds = time.monotonic() - started
    run.status = WarehouseRun.Status.DONE
    run.finished_at = timezone.now()
    run.rows = result.rows
    run.save(update_fields=["status", "finished_at", "rows"])
    logger.info("warehouse refreshed: %s", result.as_dict())
    return result


def status() -> list[dict[str, Any]]:
    """Per fact: rows held, watermark and last refresh (UTC)."""
    with connect() as con:
        rows = con.execute(
            "SELECT fact, row_count, mark, refreshed_at FROM _watermarks ORDER BY fact"
        ).fetchall()
    return [{"fact": f, "rows": n, "mark": m, "refreshed_at": r} for f, n, m, r in rows]
