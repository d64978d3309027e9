"""``manage.py warehouse_refresh [--full] [--fact NAME ...]``: bring the DuckDB warehouse up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhall.analytics import warehouse


class Command(BaseCommand):
    help = "Copy changed facts from the operational database into the DuckDB warehouse."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild every fact table from scratch")
        parser.add_argument("--fact", action="append", dest="facts", help="only this fact (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = warehouse.refresh(full=options["full"], only=options["facts"])
        for name, rows in result.rows.items():
            self.stdout.write(f"{name}: {rows} rows{' (rebuilt)' if name in result.rebuilt else ''}")
        self.stdout.write(
            self.style.SUCCESS(f"warehouse {warehouse.warehouse_path()} refreshed in {result.seconds:.1f}s")
        )
