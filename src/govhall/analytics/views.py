"""Leaders' dashboards (mounted at /analytics/): the dashboard page, the command centre's big screen,
chart data as JSON and Excel, and the monthly report as PDF and Excel.

Every figure is read from the DuckDB warehouse through ``queries`` with the reader's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from govhall.analytics import exports, queries, report, services
from govhall.analytics.models import WarehouseRun
from govhall.analytics.permissions import Scope, scope_for
from govhall.analytics.queries import MAP_FIGURES, Period
from govhall.core import permissions
from govhall.core.errors import DomainError

View = Callable[..., HttpResponse]
SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DASHBOARD_CHARTS = [
    ("trend", "col-xl-8"),
    ("durations", "col-xl-4"),
    ("departments", "col-xl-6"),
    ("map", "col-xl-6"),
    ("regions", "col-xl-4"),
    ("items", "col-xl-8"),
    ("overdue", "col-xl-8"),
    ("alert_rules", "col-xl-4"),
    ("online", "col-xl-6"),
    ("payments", "col-xl-6"),
    ("satisfaction", "col-xl-4"),
    ("macro", "col-xl-8"),
]


def leaders_only(view: View) -> View:
    """Region leaders, department heads and platform admins; anyone else gets a 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = scope_for(request.user)
        if scope is None:
            raise DjangoPermissionDenied
        return view(request, scope, *args, **kwargs)

    return wrapper


def today() -> date:
    return datetime.now(SHANGHAI).date()


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period_from(request: HttpRequest) -> Period:
    """The period asked for; by default the last twelve months up to today (Beijing)."""
    end = _date(request.GET.get("to")) or today()
    default_start = (
        date(end.year - 1, end.month, 1) if end.month == 12 else date(end.year - 1, end.month + 1, 1)
    )
    start = _date(request.GET.get("from")) or default_start
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=3660))
    by = request.GET.get("by", "month")
    if by != "day" or (end - start).days > 92:
        by = "month"
    return Period(start, end, by)


def _options(request: HttpRequest) -> dict[str, str]:
    return {
        "figure": request.GET.get("figure", "received"),
        "division": request.GET.get("division", "445300"),
    }


@require_GET
@leaders_only
def dashboard(request: HttpRequest, scope: Scope) -> HttpResponse:
    period = period_from(request)
    kpis = queries.chart("kpis", scope, period)
    last_run = WarehouseRun.objects.filter(status=WarehouseRun.Status.DONE).first()
    return render(
        request,
        "analytics/dashboard.html",
        {
            "scope": scope,
            "period": period,
            "kpis": kpis,
            "charts": DASHBOARD_CHARTS,
            "map_figures": MAP_FIGURES,
            "last_run": last_run,
            "query": request.GET.urlencode(),
            "may_refresh": permissions.can_act(request.user, WarehouseRun, "refresh"),
            "this_month": today().replace(day=1).strftime("%Y-%m"),
        },
    )


@require_GET
@leaders_only
def big_screen(request: HttpRequest, scope: Scope) -> HttpResponse:
    period = period_from(request)
    return render(
        request,
        "analytics/big_screen.html",
        {"scope": scope, "period": period, "query": request.GET.urlencode(), "refresh_seconds": 60},
    )


def _chart(request: HttpRequest, scope: Scope, name: str) -> queries.ChartData:
    if name not in queries.CHART_NAMES:
        raise Http404
    return queries.chart(name, scope, period_from(request), **_options(request))


@require_GET
@leaders_only
def chart_json(request: HttpRequest, scope: Scope, name: str) -> JsonResponse:
    data = _chart(request, scope, name).as_dict()
    data["scope"] = scope.label
    data["period"] = period_from(request).label
    return JsonResponse(data)


@require_GET
@leaders_only
def chart_xlsx(request: HttpRequest, scope: Scope, name: str) -> HttpResponse:
    chart = _chart(request, scope, name)
    body = exports.chart_workbook(chart, scope_label=scope.label, period_label=period_from(request).label)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="analytics-{name}.xlsx"'
    return response


def _month(request: HttpRequest) -> date:
    text = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in text.split("-", 1))
        return date(year, month, 1)
    except ValueError:
        first = today().replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)


@require_GET
@leaders_only
def report_pdf(request: HttpRequest, scope: Scope) -> HttpResponse:
    month = _month(request)
    body = report.render_pdf(report.build(month, scope))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{month:%Y-%m}.pdf"'
    return response


@require_GET
@leaders_only
def report_xlsx(request: HttpRequest, scope: Scope) -> HttpResponse:
    month = _month(request)
    body = report.render_xlsx(report.build(month, scope))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{month:%Y-%m}.xlsx"'
    return response


@require_POST
@leaders_only
def refresh(request: HttpRequest, scope: Scope) -> HttpResponse:
    try:
        services.request_refresh(actor=request.user)
    except DomainError as exc:
        raise DjangoPermissionDenied(exc.message_zh) from exc
    messages.success(request, "已安排数据仓库刷新，稍后刷新页面即可看到最新数据。")
    return redirect("analytics:dashboard")
