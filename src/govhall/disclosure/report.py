"""The requests part of the annual report on government information disclosure (年度报告, table 三).

Counted per agency and calendar year (Beijing time) by applicant kind: requests received in the year,
carried over from the year before, finished in the year by how they were handled (the rows of
:data:`~govhall.disclosure.answers.REPORT_ROWS`), and carried over into the next year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db.models import Q

from govhall.core.calendar import SHANGHAI
from govhall.disclosure.answers import REPORT_ROWS, report_row
from govhall.disclosure.models import InformationRequest

COLUMNS = (
    (InformationRequest.ApplicantKind.NATURAL, "自然人"),
    (InformationRequest.ApplicantKind.LEGAL, "法人或其他组织"),
    ("total", "总计"),
)


@dataclass
class ReportRow:
    key: str
    label: str
    indent: int
    counts: dict[str, int] = field(default_factory=dict)

    def cells(self) -> list[int]:
        return [self.counts.get(column, 0) for column, _ in COLUMNS]


@dataclass
class AnnualReport:
    year: int
    department_id: int | None
    received: ReportRow
    carried_in: ReportRow
    results: list[ReportRow]
    carried_out: ReportRow

    @property
    def by_answer(self) -> dict[str, int]:
        """Totals by result row, e.g. ``{"disclosed": 12, "not_disclosed": 3, …}``."""
        return {row.key: row.counts.get("total", 0) for row in self.results}


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(datetime(year, 1, 1).date(), time.min, tzinfo=SHANGHAI),
        datetime.combine(datetime(year + 1, 1, 1).date(), time.min, tzinfo=SHANGHAI),
    )


def _finished_at(request: InformationRequest) -> datetime | None:
    return request.answered_at or request.closed_at


def _tally(rows: list[InformationRequest]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for request in rows:
        counts[request.applicant_kind] += 1
        counts["total"] += 1
    return dict(counts)


def annual_report(*, year: int, department_id: int | None = None) -> AnnualReport:
    start, end = _year_bounds(year)
    # A request counts from its receipt; online requests not yet confirmed by year end are not received.
    qs = InformationRequest.objects.filter(received_at__lt=end)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    qs = qs.filter(
        Q(answered_at__isnull=True, closed_at__isnull=True)
        | Q(answered_at__gte=start)
        | Q(closed_at__gte=start)
    )
    rows = list(
        qs.only(
            "applicant_kind", "received_at", "answered_at", "closed_at", "answer", "answer_reason", "closure"
        )
    )
    received = [r for r in rows if r.received_at is not None and r.received_at >= start]
    carried_in = [r for r in rows if r.received_at is not None and r.received_at < start]
    finished = [r for r in rows if (moment := _finished_at(r)) is not None and start <= moment < end]
    open_at_end = [r for r in rows if (moment := _finished_at(r)) is None or moment >= end]
    grouped: dict[str, list[InformationRequest]] = defaultdict(list)
    for request in finished:
        group, detail = report_row(request.answer, request.answer_reason, request.closure)
        grouped[group].append(request)
        if detail:
            grouped[detail].append(request)
    grouped["total"] = finished
    results = [
        ReportRow(key, label, indent, _tally(grouped.get(key, []))) for key, label, indent in REPORT_ROWS
    ]
    return AnnualReport(
        year=year,
        department_id=department_id,
        received=ReportRow("received", "一、本年新收政府信息公开申请数量", 0, _tally(received)),
        carried_in=ReportRow("carried_in", "二、上年结转政府信息公开申请数量", 0, _tally(carried_in)),
        results=results,
        carried_out=ReportRow("carried_out", "四、结转下年度继续办理", 0, _tally(open_at_end)),
    )


def as_dict(report: AnnualReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "received": report.received.counts,
        "carried_in": report.carried_in.counts,
        "results": {row.key: row.counts for row in report.results},
        "carried_out": report.carried_out.counts,
    }
