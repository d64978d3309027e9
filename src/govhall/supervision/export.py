"""Excel workbooks of the supervision lists and figures (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from govhall.cases.models import Case
from govhall.core.calendar import SHANGHAI
from govhall.identity.models import Department
from govhall.supervision import registry
from govhall.supervision.metrics import Figures, Period
from govhall.supervision.models import Alert

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIGURE_COLUMNS: list[tuple[str, str]] = [
    ("received", "收件"),
    ("accepted", "受理"),
    ("completed", "办结"),
    ("completion_rate", "办结率(%)"),
    ("instant", "即办件"),
    ("promised", "承诺件"),
    ("joint", "联办件"),
    ("early", "提前办结"),
    ("early_rate", "提前办结率(%)"),
    ("overdue", "超期办结"),
    ("overdue_rate", "超期率(%)"),
    ("online_share", "网上申请占比(%)"),
    ("average_working_days", "平均办理工作日"),
    ("average_trips", "平均跑动次数"),
    ("satisfaction_rate", "满意率(%)"),
    ("warnings", "预警"),
    ("yellow", "黄牌"),
    ("red", "红牌"),
    ("rectification_rate", "整改率(%)"),
]


def figure_values(figures: Figures) -> list[Any]:
    values = []
    for name, _ in FIGURE_COLUMNS:
        value = getattr(figures, name)
        values.append(float(value) if value is not None and not isinstance(value, int) else value)
    return values


def _sheet(workbook: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B4F9C")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 30


def _save(workbook: Workbook) -> bytes:
    if "Sheet" in workbook.sheetnames:
        del workbook["Sheet"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def metrics_workbook(
    period: Period,
    rows: Sequence[tuple[Department, Figures]],
    totals: Figures,
    months: Sequence[tuple[Period, Sequence[tuple[Department, Figures]]]],
) -> bytes:
    workbook = Workbook()
    headers = ["部门", *(label for _, label in FIGURE_COLUMNS)]
    body = [[department.name, *figure_values(figures)] for department, figures in rows]
    body.append(["合计", *figure_values(totals)])
    _sheet(workbook, f"{period.label} 按部门", headers, body)
    if len(months) > 1:
        monthly = [
            [month.label, department.name, *figure_values(figures)]
            for month, entries in months
            for department, figures in entries
        ]
        _sheet(workbook, "按月", ["月份", *headers], monthly)
    return _save(workbook)


def alerts_workbook(alerts: Iterable[Alert]) -> bytes:
    workbook = Workbook()
    headers = [
        "编号",
        "级别",
        "规则",
        "办件编号",
        "责任部门",
        "情况",
        "发出时间",
        "状态",
        "情况说明",
        "审核意见",
        "提级督办",
    ]
    rows = [
        [
            alert.pk,
            alert.get_level_display().split(" ")[0],
            registry.rule_name(alert.rule_kind),
            alert.facts.get("case_no", ""),
            alert.department.name,
            alert.title,
            alert.raised_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            alert.get_status_display().split(" ")[0],
            alert.explanation,
            alert.decision_note,
            f"{alert.escalated_to.name if alert.escalated_to else ''}：{alert.escalation_note}"
            if alert.escalated_at
            else "",
        ]
        for alert in alerts
    ]
    _sheet(workbook, "监察告警", headers, rows)
    return _save(workbook)


def cases_workbook(title: str, cases: Iterable[Case]) -> bytes:
    """The cases behind one figure, as the drill-down page lists them."""

    def when(moment: Any) -> str:
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

    workbook = Workbook()
    headers = [
        "办件编号",
        "事项",
        "部门",
        "渠道",
        "状态",
        "提交时间",
        "受理时间",
        "承诺办结期限",
        "办结时间",
        "时效",
    ]
    rows = [
        [
            case.case_no,
            case.item_version.name,
            case.lead_department.name,
            case.get_channel_display().split(" ")[0],
            case.get_status_display().split(" ")[0],
            when(case.submitted_at),
            when(case.accepted_at),
            when(case.promised_deadline),
            when(case.completed_at),
            case.get_timeliness_display().split(" ")[0] if case.timeliness else "",
        ]
        for case in cases
    ]
    _sheet(workbook, title[:31], headers, rows)
    return _save(workbook)
