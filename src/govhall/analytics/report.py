"""The monthly service report (政务服务月度报告): PDF (reportlab, embedded CJK subset) and Excel.

The figures are the dashboard's, for one Beijing calendar month and the reader's scope.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from govhall.analytics import exports, queries
from govhall.analytics.permissions import Scope
from govhall.analytics.queries import ChartData, Period
from govhall.cases.documents.fonts import FontPair, cjk_fonts

REPORT_CHARTS = [
    "kpis",
    "departments",
    "regions",
    "items",
    "durations",
    "overdue",
    "online",
    "payments",
    "satisfaction",
]
WIDTH = A4[0] - 36 * mm
NUMBERS = ["三", "四", "五", "六", "七", "八", "九", "十", "十一"]
FOOTNOTE = (
    "说明：数据取自数据仓库（每 15 分钟从业务库增量同步）；办理时长按自然日计；"
    "少跑次数按每件办件原需跑两次（申请、领取）减去事项仍需到现场次数计。"
)


@dataclass(frozen=True)
class MonthlyReport:
    month: date  # the first day
    scope: Scope
    title: str
    charts: list[ChartData]
    daily: ChartData

    @property
    def period(self) -> Period:
        last = calendar.monthrange(self.month.year, self.month.month)[1]
        return Period(self.month, self.month.replace(day=last), "day")

    def all_text(self) -> str:
        parts = [
            self.title,
            self.scope.label,
            self.period.label,
            "范围：统计期第页一、核心指标二、每日收件与办结",
        ]
        parts += [*NUMBERS, FOOTNOTE]
        for chart in [*self.charts, self.daily]:
            parts += [chart.title, chart.note, *chart.columns]
            parts += [str(v) for row in chart.rows for v in row]
        return "".join(parts)


def build(month: date, scope: Scope) -> MonthlyReport:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    charts = queries.charts(REPORT_CHARTS, scope, Period(first, last, "month"))
    daily = queries.chart("trend", scope, Period(first, last, "day"))
    title = f"政务服务月度报告（{first.year}年{first.month}月）"
    return MonthlyReport(first, scope, title, charts, daily)


def _styles(fonts: FontPair) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=17, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", parent=base, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "h": ParagraphStyle("h", parent=base, fontName=fonts.bold, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "cell": base,
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, textColor=colors.HexColor("#555555")),
    }  # fmt: skip


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _table(chart: ChartData, s: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(escape(c), s["cell"]) for c in chart.columns]]
    for row in chart.rows:
        data.append([Paragraph(escape(_fmt(v)), s["cell"]) for v in row])
    if not chart.rows:
        data.append(
            [Paragraph(escape(chart.note or "暂无数据"), s["cell"])] + [""] * (len(chart.columns) - 1)
        )
    first = WIDTH * (0.4 if len(chart.columns) > 2 else 0.55)
    rest = (WIDTH - first) / max(1, len(chart.columns) - 1)
    table = Table(data, colWidths=[first] + [rest] * (len(chart.columns) - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _daily_chart(chart: ChartData, fonts: FontPair) -> Drawing:
    drawing = Drawing(WIDTH, 62 * mm)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 12 * mm, 10 * mm, WIDTH - 16 * mm, 44 * mm
    bars.data = [[r[1] for r in chart.rows] or [0], [r[2] for r in chart.rows] or [0]]
    bars.categoryAxis.categoryNames = [str(r[0])[-2:] for r in chart.rows] or [""]
    bars.categoryAxis.labels.fontName = fonts.regular
    bars.categoryAxis.labels.fontSize = 6.5
    bars.valueAxis.labels.fontName = fonts.regular
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.bars[0].fillColor = colors.HexColor("#5470c6")
    bars.bars[1].fillColor = colors.HexColor("#91cc75")
    bars.groupSpacing = 2
    drawing.add(bars)
    for i, (label, colour) in enumerate((("收件", "#5470c6"), ("办结", "#91cc75"))):
        x = WIDTH - 40 * mm + i * 18 * mm
        drawing.add(
            String(x, 57 * mm, "■", fontName=fonts.regular, fontSize=9, fillColor=colors.HexColor(colour))
        )
        drawing.add(String(x + 4 * mm, 57 * mm, label, fontName=fonts.regular, fontSize=8.5))
    return drawing


def render_pdf(report: MonthlyReport) -> bytes:
    out = io.BytesIO()
    with cjk_fonts(report.all_text() + "■—,.") as fonts:
        s = _styles(fonts)
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=report.title,
            subject=report.title,
            creator="govhall",
        )
        story: list[object] = [
            Paragraph(escape(report.title), s["title"]),
            Paragraph(escape(f"范围：{report.scope.label}　统计期：{report.period.label}"), s["sub"]),
            Spacer(1, 4 * mm),
        ]
        charts = {c.name: c for c in report.charts}
        story += [Paragraph("一、核心指标", s["h"]), _table(charts["kpis"], s)]
        story += [Paragraph("二、每日收件与办结", s["h"]), _daily_chart(report.daily, fonts)]
        for n, name in zip(NUMBERS, REPORT_CHARTS[1:], strict=False):
            chart = charts[name]
            story.append(Paragraph(escape(f"{n}、{chart.title}"), s["h"]))
            story.append(_table(chart, s))
            if chart.note and chart.rows:
                story.append(Paragraph(escape(chart.note), s["note"]))
        story += [
            Spacer(1, 4 * mm),
            Paragraph(escape(FOOTNOTE), s["note"]),
        ]

        def footer(canvas: object, document: object) -> None:
            canvas.saveState()  # type: ignore[attr-defined]
            canvas.setFont(fonts.regular, 8)  # type: ignore[attr-defined]
            page = canvas.getPageNumber()  # type: ignore[attr-defined]
            canvas.drawCentredString(A4[0] / 2, 9 * mm, f"第 {page} 页")  # type: ignore[attr-defined]
            canvas.restoreState()  # type: ignore[attr-defined]

        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def render_xlsx(report: MonthlyReport) -> bytes:
    return exports.report_workbook(
        report.title,
        [*report.charts, report.daily],
        scope_label=report.scope.label,
        period_label=report.period.label,
    )
