"""Document numbers (发文字号) and archive numbers, gapless per department, series and year.

发文字号 = 机关代字 + 年份 in 六角括号 + 发文顺序号 + 号, e.g. ``云府办〔2026〕12号`` (GB/T 9704-2012
7.2.4: the year in full, the sequence without leading zeros and without 第). The sequence comes from
a counter row locked ``FOR UPDATE`` in the signing transaction (the same mechanism as disclosure's
index numbers): two leaders signing at once queue on the row, and a sign-off that rolls back gives
its number back, so an authority's numbers of a year run 1…n without gaps.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from govhall.documents.models import NumberCounter
from govhall.identity.models import Department

DOCUMENT_NUMBER = re.compile(r"^(?P<prefix>[^〔〕\s]{1,20})〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")
ARCHIVE_SERIES = "archive"


def next_sequence(department: Department, series: str, year: int) -> int:
    """Take the next number of ``series`` for ``department`` in ``year``; call inside the transaction."""
    counter = (
        NumberCounter.objects.select_for_update()
        .filter(department=department, series=series, year=year)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                counter = NumberCounter.objects.create(
                    department=department, series=series, year=year, last=0
                )
        except IntegrityError:
            # A concurrent signer created the year's row first; queue on its lock instead.
            counter = NumberCounter.objects.select_for_update().get(
                department=department, series=series, year=year
            )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_document_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕{sequence}号"


def parse_document_number(text: str) -> tuple[str, int, int] | None:
    match = DOCUMENT_NUMBER.match(text.strip())
    if match is None:
        return None
    return match["prefix"], int(match["year"]), int(match["seq"])


def format_archive_number(*, unit_code: str, year: int, retention: str, sequence: int) -> str:
    """档号: unit code, year, retention code (Y永久 / D30 / D10) and a 4-digit item number."""
    code = {"permanent": "Y", "30y": "D30", "10y": "D10"}[retention]
    return f"{unit_code}-WS·{year}-{code}-{sequence:04d}"
