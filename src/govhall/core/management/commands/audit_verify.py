from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhall.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 at the first broken event. 校验审计日志哈希链。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="events read per database round trip"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(batch_size=options["batch_size"])
        if report.ok:
            self.stdout.write(f"audit chain OK: {report.checked} events")
            return
        self.stderr.write(f"audit chain BROKEN at event #{report.first_broken_sequence}: {report.reason}")
        # A non-zero exit is what cron jobs and monitoring act on.
        sys.exit(1)
