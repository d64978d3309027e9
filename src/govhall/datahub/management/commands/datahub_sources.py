"""Name the usual authoritative departments of the base databases (一数一源), by department code.

Public security registers people, market regulation legal persons, natural resources standard
addresses; statistics, finance and tax publish their indicators. Departments that do not exist are
skipped; fields that already have a source keep it unless ``--replace`` is given.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhall.datahub import services
from govhall.datahub.datasets import DATASETS
from govhall.datahub.models import Dataset, FieldSource
from govhall.identity.models import Department, User

DEFAULT_SOURCES: dict[str, str] = {
    Dataset.POPULATION: "GAJ",
    Dataset.LEGAL_PERSON: "SCJGJ",
    Dataset.SPATIAL: "ZRZYJ",
}
DEFAULT_INDICATORS: dict[str, str] = {"GDP": "TJJ", "FISCAL_REVENUE": "CZJ", "TAX_REVENUE": "SWUJU"}


def default_pairs() -> list[tuple[str, str, str]]:
    """(dataset, field or indicator code, department code) for every default source."""
    pairs = [
        (str(dataset), name, code)
        for dataset, code in DEFAULT_SOURCES.items()
        for name in DATASETS[dataset].field_names
    ]
    pairs += [(str(Dataset.MACRO), indicator, code) for indicator, code in DEFAULT_INDICATORS.items()]
    return pairs


class Command(BaseCommand):
    help = "Set the default field sources of the base databases (platform administrator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="username of a platform administrator")
        parser.add_argument("--replace", action="store_true", help="overwrite sources already set")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"]).first()
        if actor is None:
            raise CommandError(f"no user {options['actor']!r}")
        pairs = default_pairs()
        departments = {
            d.code: d
            for d in Department.objects.filter(code__in={code for *_, code in pairs}, is_active=True)
        }
        existing = set(FieldSource.objects.values_list("dataset", "field"))
        written = skipped = 0
        for dataset, field, code in pairs:
            department = departments.get(code)
            if department is None or ((dataset, field) in existing and not options["replace"]):
                skipped += 1
                continue
            services.set_field_source(
                actor=actor, dataset=dataset, field=field, department=department, note="默认来源"
            )
            written += 1
        self.stdout.write(f"field sources set: {written}, skipped: {skipped}")
