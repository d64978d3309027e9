from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhall.core import backup
from govhall.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, then check row "
        "counts against its manifest and the audit chain. Stop the site first. 从备份恢复数据库。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a backup file written by manage.py backup")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: replace every table of the database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("restore replaces the whole database; pass --yes to confirm")
            answer = input(f"Replace the whole database with {path}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore cancelled")
        result = backup.restore(path)
        rows = sum(result.counts.values())
        self.stdout.write(
            f"restored {result.path} ({result.vendor}): {len(result.counts)} tables, {rows:,} rows"
        )
        if backup.read_manifest(path) is None:
            self.stdout.write("no manifest beside the backup: row counts not compared")
        elif result.ok:
            self.stdout.write("row counts match the manifest")
        else:
            for name, (expected, found) in result.mismatches.items():
                self.stderr.write(f"row count mismatch in {name}: backup {expected}, restored {found}")
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"audit chain OK: {report.checked} events")
        else:
            self.stderr.write(f"audit chain BROKEN at event #{report.first_broken_sequence}: {report.reason}")
        if not (result.ok and report.ok):
            sys.exit(1)
