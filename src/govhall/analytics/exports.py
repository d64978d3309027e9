"""Excel downloads: one chart's table as it is drawn, and the monthly service report."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govhall.analytics.queries import ChartData

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
# Characters Excel forbids in sheet names.
_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(title: str, taken: set[str]) -> str:
    base = title.translate(_BAD)[:28] or "Sheet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:25]}-{n}", n + 1
    taken.add(name)
    return name


def _write(workbook: Workbook, chart: ChartData, heading: Sequence[str], taken: set[str]) -> None:
    sheet = workbook.create_sheet(_sheet_title(chart.title, taken))
    row = 1
    for line in heading:
        sheet.cell(row=row, column=1, value=line).font = Font(bold=row == 1, size=13 if row == 1 else 10)
        row += 1
    row += 1
    for col, name in enumerate(chart.columns, start=1):
        cell = sheet.cell(row=row, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for values in chart.rows:
        row += 1
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value)
    if not chart.rows:
        sheet.cell(row=row + 1, column=1, value=chart.note or "暂无数据")
    elif chart.note:
        sheet.cell(row=row + 2, column=1, value=chart.note)
    for col, name in enumerate(chart.columns, start=1):
        width = max([len(str(name)) * 2] + [len(str(r[col - 1])) * 1.6 for r in chart.rows if len(r) >= col])
        sheet.column_dimensions[get_column_letter(col)].width = min(max(10, width + 2), 60)


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def chart_workbook(chart: ChartData, *, scope_label: str, period_label: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _write(workbook, chart, [chart.title, f"范围：{scope_label}", f"统计期：{period_label}"], set())
    return _bytes(workbook)


def report_workbook(title: str, charts: Sequence[ChartData], *, scope_label: str, period_label: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for chart in charts:
        _write(
            workbook,
            chart,
            [f"{title} · {chart.title}", f"范围：{scope_label}", f"统计期：{period_label}"],
            taken,
        )
    return _bytes(workbook)
