from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from govhall.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database while it runs (SQLite online backup, or pg_dump) with a manifest of row "
        "counts. 在线备份数据库。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="backup file (default: $GOVHALL_VAR/backups/govhall-<UTC time>.sqlite3 or .dump)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        path = (
            Path(options["path"])
            if options["path"]
            else backup.default_path(Path(settings.VAR_DIR) / "backups", connection.vendor)
        )
        result = backup.backup(path)
        rows = sum(result.counts.values())
        self.stdout.write(
            f"backup written: {result.path} ({result.vendor}, {result.bytes:,} bytes, "
            f"{len(result.counts)} tables, {rows:,} rows, audit head #{result.audit_head})"
        )
        self.stdout.write(f"manifest: {backup.manifest_path(result.path)}")
