"""Backups of the database while it is in use, and their restore, checked by row counts.

SQLite is copied with its online backup API (a consistent snapshot while writers go on, page by
page); PostgreSQL with ``pg_dump --format=custom`` and put back with ``pg_restore``. Beside every
backup a manifest (``<backup>.json``) records the row count of each table and the head of the audit
chain, so that a restore is checked against what was saved, then by re-hashing the audit chain.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from govhall.core.errors import DomainError

MANIFEST_SUFFIX = ".json"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    counts: dict[str, int]
    audit_head: int | None
    bytes: int


@dataclass
class RestoreResult:
    path: Path
    vendor: str
    counts: dict[str, int]
    mismatches: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _connection(using: str) -> BaseDatabaseWrapper:
    return connections[using]


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows in every table of the database (Django's and the apps'), by table name."""
    db = _connection(using)
    with db.cursor() as cursor:
        names = sorted(db.introspection.table_names(cursor))
        counts: dict[str, int] = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(name)}")  # noqa: S608
            counts[name] = int(cursor.fetchone()[0])
    return counts


def _pg_env(db: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools; the password goes in the environment."""
    settings = db.settings_dict
    args: list[str] = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DomainError(
            "backup_tool_missing",
            f"找不到 {name}，请安装 PostgreSQL 客户端",
            f"{name} not found; install the PostgreSQL client tools",
            status=500,
        )
    return found


def default_path(directory: Path, vendor: str, *, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if vendor == "sqlite" else ".dump"
    return directory / f"govhall-{stamp}{suffix}"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _sqlite_counts(target: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in target.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: int(target.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}  # noqa: S608


def _sqlite_backup(db: BaseDatabaseWrapper, path: Path) -> tuple[dict[str, int], int | None]:
    db.ensure_connection()
    target = sqlite3.connect(str(path))
    try:
        with target:
            db.connection.backup(target, pages=1024)
        # Counted in the copy itself: exactly what a restore will bring back.
        counts = _sqlite_counts(target)
        head = target.execute("SELECT MAX(sequence) FROM core_auditevent").fetchone()[0]
    finally:
        target.close()
    return counts, head


def _postgresql_backup(db: BaseDatabaseWrapper, path: Path) -> tuple[dict[str, int], int | None]:
    """pg_dump of the snapshot in which the rows were counted, so counts and dump agree exactly."""
    args, env = _pg_env(db)
    raw = db.get_new_connection(db.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
            names = [row[0] for row in cursor.fetchall()]
            counts: dict[str, int] = {}
            for name in names:
                cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(name)}")  # noqa: S608
                counts[name] = int(cursor.fetchone()[0])
            cursor.execute("SELECT MAX(sequence) FROM core_auditevent")
            head = cursor.fetchone()[0]
            subprocess.run(  # noqa: S603
                [
                    _tool("pg_dump"),
                    *args,
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(path),
                    "--dbname",
                    str(db.settings_dict["NAME"]),
                ],
                check=True,
                env=env,
                capture_output=True,
            )
        raw.rollback()
    finally:
        raw.close()
    return counts, head


def backup(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a consistent copy of the database to ``path`` and its manifest beside it.

    Safe while the site runs: both ways copy one consistent moment of the database.
    """
    db = _connection(using)
    path.parent.mkdir(parents=True, exist_ok=True)
    if db.vendor == "sqlite":
        counts, head = _sqlite_backup(db, path)
    elif db.vendor == "postgresql":
        counts, head = _postgresql_backup(db, path)
    else:  # pragma: no cover - only the two supported databases
        raise DomainError("backup_unsupported", "不支持该数据库", f"cannot back up {db.vendor}")
    os.chmod(path, 0o600)
    manifest = {
        "vendor": db.vendor,
        "created_at": datetime.now(UTC).isoformat(),
        "audit_head": head,
        "counts": counts,
    }
    manifest_path(path).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return BackupResult(path, db.vendor, counts, head, path.stat().st_size)


def read_manifest(path: Path) -> dict[str, Any] | None:
    target = manifest_path(path)
    if not target.exists():
        return None
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return data


def restore(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Replace the database's contents with the backup at ``path``; compare with its manifest.

    Stop the web processes and task consumers first: a restore replaces every table.
    """
    if not path.exists():
        raise DomainError("backup_not_found", "备份文件不存在", f"no backup at {path}", status=404)
    db = _connection(using)
    manifest = read_manifest(path)
    if manifest and manifest.get("vendor") != db.vendor:
        raise DomainError(
            "backup_wrong_database",
            "备份与当前数据库类型不符",
            f"a {manifest.get('vendor')} backup cannot be restored into {db.vendor}",
        )
    if db.vendor == "sqlite":
        db.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(db.connection, pages=1024)
        finally:
            source.close()
    elif db.vendor == "postgresql":
        db.close()
        args, env = _pg_env(db)
        subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(db.settings_dict["NAME"]),
                str(path),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
    else:  # pragma: no cover
        raise DomainError("backup_unsupported", "不支持该数据库", f"cannot restore {db.vendor}")
    counts = table_counts(using)
    result = RestoreResult(path, db.vendor, counts)
    if manifest:
        expected: dict[str, int] = manifest.get("counts", {})
        for name in sorted(set(expected) | set(counts)):
            if expected.get(name) != counts.get(name):
                result.mismatches[name] = (expected.get(name), counts.get(name))
    return result
