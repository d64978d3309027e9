"""Index numbers (索引号) of publications and numbers of information requests.

Index number: ``<department USCC>/<category code>-<year>-<sequence>``, e.g.
``11445300MB2D12345X/02-2026-00017``: the publishing department's unified social credit code (it
contains the organisation code, GB 11714, that older catalogues used), the catalogue heading, the
year of publication (Beijing time) and a five-digit sequence per department and year that runs over
all headings. The sequence comes from a counter row locked ``FOR UPDATE`` in the publishing
transaction: two publishers queue on the row, and a publication that rolls back returns its number
with the counter, so the numbers of a department's year are 1…n without gaps.

Request number: ``YSQ<year>-<department code>-<sequence>``, the same counter mechanism per year.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from govhall.disclosure.models import NumberCounter
from govhall.identity.models import Department

INDEX_NUMBER = re.compile(
    r"^(?P<uscc>[0-9A-Z]{18})/(?P<category>[0-9A-Z]{2,6})-(?P<year>\d{4})-(?P<seq>\d{5,})$"
)


def next_sequence(department: Department, kind: str, year: int) -> int:
    """Take the next number of ``kind`` for ``department`` in ``year``; call inside the transaction."""
    counter = (
        NumberCounter.objects.select_for_update().filter(department=department, kind=kind, year=year).first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                counter = NumberCounter.objects.create(department=department, kind=kind, year=year, last=0)
        except IntegrityError:
            # A concurrent writer created the year's row first; queue on its lock instead.
            counter = NumberCounter.objects.select_for_update().get(
                department=department, kind=kind, year=year
            )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_index_number(*, uscc: str, category_code: str, year: int, sequence: int) -> str:
    return f"{uscc}/{category_code}-{year}-{sequence:05d}"


def format_request_number(*, department_code: str, year: int, sequence: int) -> str:
    return f"YSQ{year}-{department_code}-{sequence:05d}"
