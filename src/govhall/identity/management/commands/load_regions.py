from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhall.core.errors import DomainError
from govhall.identity.services import load_regions


class Command(BaseCommand):
    help = "Create or update regions from GB/T 2260 (从国家行政区划代码导入行政区划)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--prefix", default=None, help='only this subtree, e.g. "44" (Guangdong) or "4453" (Yunfu)'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_regions(codes_prefix=options["prefix"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
