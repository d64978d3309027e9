# ruff: noqa: S608 - SQL text is built from registered identifiers and fixed fragments; values are bound parameters
"""Dashboard figures, every one read from the DuckDB warehouse (never the operational database).

Each chart is a :class:`ChartData`: a title, a kind the page knows how to draw, and a plain table
(columns and rows) that the page draws and the Excel download writes as it is. Periods are Beijing
dates, inclusive; timestamps in the warehouse are UTC, so ``bj()`` adds eight hours (China keeps no
daylight saving time), and a period is filtered as the UTC range of its Beijing days (which lets DuckDB
skip row groups by their min/max).

Definitions (as the supervision app uses Yunfu's):
- received (收件): cases submitted in the period; completed (办结): cases completed in the period;
- completion rate = completed / received; early-completion rate = completed early / completed;
- processing time: natural days from acceptance to completion of the cases completed in the period;
- online share: received cases filed online; 最多跑一次: cases whose item needs at most one trip;
  trips saved: each case counted against two trips to a counter (one to apply, one to collect the
  result), less the trips its item still needs (documented in docs/analytics.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from govhall.analytics import facts as fact_registry
from govhall.analytics.permissions import Scope
from govhall.analytics.warehouse import connect

COUNTIES = {
    "445302": "云城区",
    "445303": "云安区",
    "445321": "新兴县",
    "445322": "郁南县",
    "445381": "罗定市",
}
DURATION_BUCKETS = ((0, 0, "当天"), (1, 3, "1–3天"), (4, 7, "4–7天"), (8, 15, "8–15天"), (16, 30, "16–30天"))
MAP_FIGURES = {
    "received": "收件量",
    "online_rate": "网办率（%）",
    "late_rate": "超期办结率（%）",
    "avg_days": "平均办理时长（天）",
}
SATISFACTION_LEVELS = ((5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"))
LEVEL_NAMES = {"warning": "预警", "yellow": "黄牌", "red": "红牌"}


BEIJING_OFFSET = timedelta(hours=8)


def bj(column: str) -> str:
    """The Beijing calendar date of a naive-UTC timestamp column."""
    return f"CAST({column} + INTERVAL 8 HOUR AS DATE)"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    by: str = "month"  # "day" or "month"

    @property
    def utc_start(self) -> datetime:
        """The first instant of the period (Beijing midnight) as naive UTC, as the warehouse stores it."""
        return datetime.combine(self.start, time()) - BEIJING_OFFSET

    @property
    def utc_end(self) -> datetime:
        """The instant after the period's last day, naive UTC (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time()) - BEIJING_OFFSET

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def bucket(self, column: str) -> str:
        if self.by == "day":
            return f"strftime({column} + INTERVAL 8 HOUR, '%Y-%m-%d')"
        return f"strftime({column} + INTERVAL 8 HOUR, '%Y-%m')"

    def buckets(self) -> list[str]:
        """Every day or month of the period, so that a quiet month shows as zero."""
        out: list[str] = []
        if self.by == "day":
            day = self.start
            while day <= self.end:
                out.append(day.isoformat())
                day += timedelta(days=1)
            return out
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


@dataclass
class ChartData:
    name: str
    title: str
    kind: str  # kpi, line, bar, hbar, pie, map, empty
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "columns": self.columns,
            "rows": self.rows,
            "note": self.note,
            "extra": self.extra,
        }


class Figures:
    """Queries for one reader's scope and one period over an open warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: Scope, period: Period) -> None:
        self.con = con
        self.scope = scope
        self.period = period

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params).fetchall()

    def _touching(self) -> tuple[str, list[Any]]:
        """Scope, and submitted or completed within the period."""
        where, params = self.scope.where()
        start, end = self.period.utc_start, self.period.utc_end
        return (
            f"{where} AND (submitted_at >= ? AND submitted_at < ? OR completed_at >= ? AND completed_at < ?)",
            [*params, start, end, start, end],
        )

    def _in(self, column: str) -> tuple[str, list[Any]]:
        """Scope and period condition on timestamp ``column``."""
        where, params = self.scope.where()
        return (
            f"{where} AND {column} >= ? AND {column} < ?",
            [*params, self.period.utc_start, self.period.utc_end],
        )

    # --- headline figures --------------------------------------------------------------------

    def kpis(self) -> ChartData:
        rw, rp = self._in("submitted_at")
        cw, cp = self._in("completed_at")
        received, online, one_trip, saved = self._rows(
            "SELECT count(*), count(*) FILTER (channel = 'online'), count(*) FILTER (trips <= 1), "
            f"coalesce(sum(greatest(2 - trips, 0)), 0) FROM cases WHERE {rw}",
            rp,
        )[0]
        completed, early, late = self._rows(
            "SELECT count(*), count(*) FILTER (timeliness = 'early'), count(*) FILTER (timeliness = 'late') "
            f"FROM cases WHERE status = 'completed' AND {cw}",
            cp,
        )[0]
        sw, sp = self.scope.where()
        overdue_open = self._rows(
            "SELECT count(*) FROM cases WHERE completed_at IS NULL AND promised_deadline < now()::TIMESTAMP "
            f"AND status IN ('accepted', 'in_review', 'approved', 'denied') AND {sw}",
            sp,
        )[0][0]
        aw, ap = self._in("raised_at")
        alerts = self._rows(f"SELECT count(*) FROM alerts WHERE {aw}", ap)[0][0]
        pw, pp = self._in("paid_at")
        collected = self._rows(
            f"SELECT coalesce(sum(amount - refunded_amount), 0) FROM payments WHERE {pw}", pp
        )[0][0]
        rows = [
            ["收件量", received, "件"],
            ["办结量", completed, "件"],
            ["办结率", _rate(completed, received), "%"],
            ["提前办结率", _rate(early, completed), "%"],
            ["超期办结", late, "件"],
            ["在办超期", overdue_open, "件"],
            ["监察告警", alerts, "条"],
            ["网办率", _rate(online, received), "%"],
            ["最多跑一次占比", _rate(one_trip, received), "%"],
            ["少跑次数", int(saved), "次"],
            ["缴费金额", float(collected), "元"],
        ]
        return ChartData("kpis", "核心指标", "kpi", ["指标", "数值", "单位"], rows)

    # --- volumes -------------------------------------------------------------------------------

    def trend(self) -> ChartData:
        p = self.period
        rw, rp = self._in("submitted_at")
        cw, cp = self._in("completed_at")
        received = dict(
            self._rows(f"SELECT {p.bucket('submitted_at')}, count(*) FROM cases WHERE {rw} GROUP BY 1", rp)
        )
        completed = dict(
            self._rows(
                f"SELECT {p.bucket('completed_at')}, count(*) FROM cases "
                f"WHERE status = 'completed' AND {cw} GROUP BY 1",
                cp,
            )
        )
        label = "日期" if p.by == "day" else "月份"
        rows = [[k, received.get(k, 0), completed.get(k, 0)] for k in p.buckets()]
        title = "每日收件与办结" if p.by == "day" else "每月收件与办结"
        return ChartData("trend", title, "line", [label, "收件", "办结"], rows)

    def departments(self) -> ChartData:
        rw, rp = self._touching()
        rows = self._rows(
            "SELECT department_name, count(*) FILTER (submitted_at IS NOT NULL AND "
            f"submitted_at >= ? AND submitted_at < ?) AS received, "
            f"count(*) FILTER (status = 'completed' AND completed_at >= ? AND completed_at < ?), "
            f"count(*) FILTER (timeliness = 'late' AND completed_at >= ? AND completed_at < ?) "
            f"FROM cases WHERE {rw} GROUP BY 1 ORDER BY received DESC, 1 LIMIT 15",
            [*([self.period.utc_start, self.period.utc_end] * 3), *rp],
        )
        return ChartData(
            "departments", "各部门办件量（前15）", "hbar", ["部门", "收件", "办结", "超期办结"], _lists(rows)
        )

    def regions(self) -> ChartData:
        rw, rp = self._in("submitted_at")
        counts = dict(
            self._rows(
                "SELECT coalesce(substr(applicant_region_code, 1, 6), ''), count(*) "
                f"FROM cases WHERE {rw} GROUP BY 1",
                rp,
            )
        )
        rows = [[name, counts.pop(code, 0)] for code, name in COUNTIES.items()]
        rest = sum(counts.values())
        if rest:
            rows.append(["其他地区", rest])
        return ChartData("regions", "各区县收件量（按申请人所在地）", "bar", ["区县", "收件"], rows)

    def items(self) -> ChartData:
        rw, rp = self._in("submitted_at")
        rows = self._rows(
            f"SELECT item_name, count(*) AS n FROM cases WHERE {rw} GROUP BY 1 ORDER BY n DESC, 1 LIMIT 15",
            rp,
        )
        return ChartData("items", "高频事项（前15）", "hbar", ["事项", "收件"], _lists(rows))

    # --- time and discipline -------------------------------------------------------------------

    def durations(self) -> ChartData:
        cw, cp = self._in("completed_at")
        days = f"date_diff('day', {bj('accepted_at')}, {bj('completed_at')})"
        cases = " ".join(
            f"WHEN {days} BETWEEN {lo} AND {hi} THEN '{label}'" for lo, hi, label in DURATION_BUCKETS
        )
        counts = dict(
            self._rows(
                f"SELECT CASE {cases} ELSE '30天以上' END, count(*) FROM cases "
                f"WHERE status = 'completed' AND accepted_at IS NOT NULL AND {cw} GROUP BY 1",
                cp,
            )
        )
        labels = [b[2] for b in DURATION_BUCKETS] + ["30天以上"]
        stats = self._rows(
            f"SELECT avg({days}), quantile_cont({days}, 0.5), quantile_cont({days}, 0.9) FROM cases "
            f"WHERE status = 'completed' AND accepted_at IS NOT NULL AND {cw}",
            cp,
        )[0]
        note = ""
        if stats[0] is not None:
            note = f"平均 {stats[0]:.1f} 天，中位数 {stats[1]:.1f} 天，90% 的办件在 {stats[2]:.1f} 天内办结（自然日）"
        return ChartData(
            "durations",
            "办理时长分布（受理至办结）",
            "bar",
            ["办理时长", "办件数"],
            [[label, counts.get(label, 0)] for label in labels],
            note,
        )

    def overdue(self) -> ChartData:
        p = self.period
        cw, cp = self._in("completed_at")
        late = dict(
            self._rows(
                f"SELECT {p.bucket('completed_at')}, count(*) FROM cases "
                f"WHERE timeliness = 'late' AND {cw} GROUP BY 1",
                cp,
            )
        )
        aw, ap = self._in("raised_at")
        alerts: dict[tuple[str, str], int] = {
            (k, level): n
            for k, level, n in self._rows(
                f"SELECT {p.bucket('raised_at')}, level, count(*) FROM alerts WHERE {aw} GROUP BY 1, 2", ap
            )
        }
        rows = [
            [k, late.get(k, 0), *(alerts.get((k, level), 0) for level in LEVEL_NAMES)] for k in p.buckets()
        ]
        return ChartData(
            "overdue",
            "超期办结与监察告警",
            "bar",
            ["日期" if p.by == "day" else "月份", "超期办结", *LEVEL_NAMES.values()],
            rows,
        )

    def alert_rules(self) -> ChartData:
        aw, ap = self._in("raised_at")
        rows = self._rows(
            f"SELECT rule_kind, count(*) AS n FROM alerts WHERE {aw} GROUP BY 1 ORDER BY n DESC", ap
        )
        named = [[_rule_name(kind), n] for kind, n in rows]
        return ChartData("alert_rules", "告警规则构成", "pie", ["规则", "告警数"], named)

    # --- service quality -----------------------------------------------------------------------

    def satisfaction(self) -> ChartData:
        names = {f.name for f in fact_registry.registered()}
        if "ratings" not in names:
            return ChartData(
                "satisfaction",
                "办事满意度",
                "empty",
                ["评价等级", "评价数"],
                [],
                "暂无数据：评价（好差评）数据尚未接入数据仓库",
            )
        rw, rp = self._in("rated_at")
        counts = dict(
            self._rows(f"SELECT level, count(*) FROM ratings WHERE NOT excluded AND {rw} GROUP BY 1", rp)
        )
        rows = [[name, counts.get(level, 0)] for level, name in SATISFACTION_LEVELS]
        total = sum(counts.values())
        satisfied = sum(n for level, n in counts.items() if level >= 3)
        note = (
            f"满意率 {_rate(satisfied, total):.2f}%（{total} 条评价，满意含非常满意、满意、基本满意）"
            if total
            else ""
        )
        return ChartData(
            "satisfaction",
            "办事满意度（好差评）",
            "pie" if total else "empty",
            ["评价等级", "评价数"],
            rows,
            note or "暂无数据：统计期内没有评价",
        )

    def online(self) -> ChartData:
        p = self.period
        rw, rp = self._in("submitted_at")
        data = {
            k: (n, online, one, saved)
            for k, n, online, one, saved in self._rows(
                f"SELECT {p.bucket('submitted_at')}, count(*), count(*) FILTER (channel = 'online'), "
                "count(*) FILTER (trips <= 1), coalesce(sum(greatest(2 - trips, 0)), 0) "
                f"FROM cases WHERE {rw} GROUP BY 1",
                rp,
            )
        }
        rows = []
        for k in p.buckets():
            n, online, one, saved = data.get(k, (0, 0, 0, 0))
            rows.append([k, _rate(online, n), _rate(one, n), int(saved)])
        return ChartData(
            "online",
            "网上办理与“最多跑一次”",
            "line",
            ["日期" if p.by == "day" else "月份", "网办率（%）", "最多跑一次占比（%）", "少跑次数"],
            rows,
            extra={"right_axis": ["少跑次数"]},
        )

    def payments(self) -> ChartData:
        p = self.period
        pw, pp = self._in("paid_at")
        data = {
            k: (float(amount), n)
            for k, amount, n in self._rows(
                f"SELECT {p.bucket('paid_at')}, coalesce(sum(amount - refunded_amount), 0), count(*) "
                f"FROM payments WHERE {pw} GROUP BY 1",
                pp,
            )
        }
        rows = [[k, *data.get(k, (0.0, 0))] for k in p.buckets()]
        return ChartData(
            "payments",
            "非税收入缴费",
            "bar",
            ["日期" if p.by == "day" else "月份", "实收金额（元）", "缴费笔数"],
            rows,
            extra={"right_axis": ["缴费笔数"]},
        )

    def map(self, figure: str = "received") -> ChartData:
        figure = figure if figure in MAP_FIGURES else "received"
        rw, rp = self._touching()
        start, end = self.period.utc_start, self.period.utc_end
        sub = "submitted_at >= ? AND submitted_at < ?"
        done = "status = 'completed' AND completed_at >= ? AND completed_at < ?"
        rows = self._rows(
            "SELECT substr(applicant_region_code, 1, 6) AS county, "
            f"count(*) FILTER ({sub}), count(*) FILTER ({sub} AND channel = 'online'), "
            f"count(*) FILTER ({done}), count(*) FILTER ({done} AND timeliness = 'late'), "
            f"avg(date_diff('day', {bj('accepted_at')}, {bj('completed_at')})) FILTER ({done}) "
            f"FROM cases WHERE {rw} GROUP BY 1",
            [start, end, start, end, start, end, start, end, start, end, *rp],
        )
        by_code = {r[0]: r for r in rows}
        out = []
        for code, name in COUNTIES.items():
            _, received, online, completed, late, avg_days = by_code.get(code, (code, 0, 0, 0, 0, None))
            value = {
                "received": received,
                "online_rate": _rate(online, received),
                "late_rate": _rate(late, completed),
                "avg_days": round(avg_days, 1) if avg_days is not None else 0,
            }[figure]
            out.append([name, value])
        return ChartData(
            "map",
            f"各区县{MAP_FIGURES[figure]}",
            "map",
            ["区县", MAP_FIGURES[figure]],
            out,
            "区县边界为示意图，并非测绘成果",
            extra={"figure": figure, "figures": MAP_FIGURES},
        )

    def macro(self, division: str = "445300") -> ChartData:
        rows = self._rows(
            "SELECT period, indicator_name, unit, value FROM macro_figures "
            "WHERE division_code = ? AND length(period) = 4 ORDER BY period, indicator_code",
            [division],
        )
        names: list[str] = []
        table: dict[str, dict[str, float]] = {}
        for period, name, unit, value in rows:
            column = f"{name}（{unit}）" if unit else name
            if column not in names:
                names.append(column)
            table.setdefault(period, {})[column] = value
        out = [[period, *(table[period].get(n) for n in names)] for period in sorted(table)]
        units = [n.rsplit("（", 1)[-1] for n in names]
        right = [n for n, u in zip(names, units, strict=True) if units and u != units[0]]
        return ChartData(
            "macro",
            "宏观经济指标（数据共享平台）",
            "line",
            ["年份", *names],
            out,
            "" if out else "暂无数据",
            extra={"right_axis": right, "right_type": "line"},
        )


def _rule_name(kind: str) -> str:
    from govhall.supervision.registry import rule_name

    return rule_name(kind)


def _rate(part: int | float, whole: int | float) -> float:
    if not whole:
        return 0.0
    # Round half up to two places, as supervision does.
    return float(int(part * 10000 / whole + 0.5) / 100)


def _lists(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [
        [float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v for v in r]
        for r in rows
    ]


CHARTS: dict[str, Callable[[Figures], ChartData]] = {
    "kpis": Figures.kpis,
    "trend": Figures.trend,
    "departments": Figures.departments,
    "regions": Figures.regions,
    "items": Figures.items,
    "durations": Figures.durations,
    "overdue": Figures.overdue,
    "alert_rules": Figures.alert_rules,
    "satisfaction": Figures.satisfaction,
    "online": Figures.online,
    "payments": Figures.payments,
}


CHART_NAMES = (*CHARTS, "map", "macro")


def charts(names: list[str], scope: Scope, period: Period, **options: str) -> list[ChartData]:
    """Charts for ``scope`` over ``period`` from one warehouse connection; ``KeyError`` for an unknown name."""
    with connect() as con:
        figures = Figures(con, scope, period)
        out = []
        for name in names:
            if name == "map":
                out.append(figures.map(options.get("figure", "received")))
            elif name == "macro":
                out.append(figures.macro(options.get("division", "445300")))
            else:
                out.append(CHARTS[name](figures))
        return out


def chart(name: str, scope: Scope, period: Period, **options: str) -> ChartData:
    return charts([name], scope, period, **options)[0]
