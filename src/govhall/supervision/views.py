"""Supervisor and department pages (mounted at /supervision/): the live board, alerts and their
lifecycle, metrics by department and month with Excel export, and the ranking.

Views read through selectors and write through services; a DomainError is shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from govhall.cases import deadlines
from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.identity.models import Region, User
from govhall.supervision import charts, export, metrics, ranking, registry, selectors, services
from govhall.supervision import permissions as supervision_permissions
from govhall.supervision.metrics import Period
from govhall.supervision.models import Alert, Level

View = Callable[..., HttpResponse]


def watchers_only(view: View) -> View:
    """Supervisors, department staff and platform admins; anyone else logged in gets a 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not supervision_permissions.may_use(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _period(request: HttpRequest, default: Period) -> tuple[Period, str]:
    text = request.GET.get("period", "").strip()
    if not text:
        return default, ""
    try:
        return Period.parse(text), ""
    except DomainError as exc:
        return default, exc.message_zh


def _now() -> datetime:
    return deadlines.now()


def _common(request: HttpRequest, nav: str) -> dict[str, Any]:
    return {
        "nav": nav,
        "is_supervisor": supervision_permissions.is_supervisor(request.user),
        "is_platform_admin": permissions.is_platform_admin(request.user),
    }


# --- Board ---------------------------------------------------------------------------------------


@require_GET
@watchers_only
def board(request: HttpRequest) -> HttpResponse:
    user, now = request.user, _now()
    department = _int(request.GET.get("department"))
    page = Paginator(selectors.board_cases(user, department=department), 50).get_page(request.GET.get("page"))
    context = {
        **_common(request, "board"),
        "now": now,
        "summary": selectors.board_summary(user, now, department=department),
        "rows": [selectors.board_row(case, now) for case in page.object_list],
        "page": page,
        "departments": selectors.departments(user),
        "department": department,
        "recent_alerts": selectors.alerts(user).filter(
            status__in=[Alert.Status.OPEN, Alert.Status.EXPLAINED]
        )[:8],
    }
    return render(request, "supervision/board.html", context)


# --- Alerts --------------------------------------------------------------------------------------


def _alert_filters(request: HttpRequest) -> tuple[selectors.AlertFilters, str]:
    get = request.GET
    period, problem = (None, "")
    if get.get("period", "").strip():
        try:
            period = Period.parse(get["period"])
        except DomainError as exc:
            problem = exc.message_zh
    return (
        selectors.AlertFilters(
            level=get.get("level", "") if get.get("level") in Level.values else "",
            status=get.get("status", "")
            if get.get("status") in (*Alert.Status.values, selectors.PENDING)
            else "",
            rule=get.get("rule", "") if registry.spec(get.get("rule", "")) else "",
            department=_int(get.get("department")),
            period=period,
            case_no=get.get("case_no", "")[:40],
        ),
        problem,
    )


@require_GET
@watchers_only
def alerts(request: HttpRequest) -> HttpResponse:
    filters, problem = _alert_filters(request)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **_common(request, "alerts"),
        "filters": filters,
        "period_text": request.GET.get("period", ""),
        "problem": problem,
        "page": Paginator(selectors.alerts(request.user, filters), 30).get_page(request.GET.get("page")),
        "query_string": query.urlencode(),
        "levels": Level.choices,
        "statuses": [(selectors.PENDING, "未结（待说明、待审核） pending"), *Alert.Status.choices],
        "rules": selectors.rule_choices(),
        "departments": selectors.departments(request.user),
    }
    return render(request, "supervision/alerts.html", context)


@require_GET
@watchers_only
def alerts_export(request: HttpRequest) -> HttpResponse:
    filters, _ = _alert_filters(request)
    content = export.alerts_workbook(selectors.alerts(request.user, filters)[:10_000])
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = 'attachment; filename="supervision-alerts.xlsx"'
    return response


def _alert_or_404(request: HttpRequest, pk: int) -> Alert:
    found = selectors.alert(request.user, pk)
    if found is None:
        raise Http404
    return found


@require_GET
@watchers_only
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_or_404(request, pk)
    user = request.user
    context = {
        **_common(request, "alerts"),
        "alert": alert,
        "rule": registry.spec(alert.rule_kind),
        "facts": selectors.fact_rows(alert),
        "trail": selectors.alert_trail(alert),
        "timeline": selectors.case_timeline(user, alert),
        "may_explain": alert.status == Alert.Status.OPEN and permissions.can_act(user, alert, "explain"),
        "may_decide": not alert.is_decided
        and permissions.can_act(user, alert, "decide")
        and (alert.status == Alert.Status.EXPLAINED or not alert.is_card),
        "may_escalate": not alert.is_decided
        and not alert.is_escalated
        and permissions.can_act(user, alert, "decide"),
    }
    return render(request, "supervision/alert.html", context)


@require_POST
@watchers_only
def alert_explain(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_or_404(request, pk)
    try:
        services.explain_alert(
            actor=_user(request), alert=alert, explanation=request.POST.get("explanation", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "情况说明已提交，等待监察人员审核。")
    return redirect("supervision:alert", pk=pk)


@require_POST
@watchers_only
def alert_decide(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_or_404(request, pk)
    try:
        decided = services.decide_alert(
            actor=_user(request),
            alert=alert,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已审核：{decided.get_status_display().split(' ')[0]}。")
    return redirect("supervision:alert", pk=pk)


@require_POST
@watchers_only
def alert_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_or_404(request, pk)
    try:
        escalated = services.escalate_alert(
            actor=_user(request), alert=alert, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        target = escalated.escalated_to.name if escalated.escalated_to else ""
        messages.success(request, f"已提级督办，已通知{target}监察人员。")
    return redirect("supervision:alert", pk=pk)


# --- Metrics and ranking -------------------------------------------------------------------------


def _figures(request: HttpRequest, period: Period) -> tuple[list[Any], metrics.Figures, dict[int, Any]]:
    departments = {d.pk: d for d in selectors.departments(request.user)}
    figures = metrics.by_department(period, departments)
    rows = [(departments[pk], figures[pk]) for pk in departments if pk in figures]
    return rows, metrics.total(f for _, f in rows), departments


@require_GET
@watchers_only
def metrics_table(request: HttpRequest) -> HttpResponse:
    period, problem = _period(request, Period.month_of(_now().astimezone(metrics.SHANGHAI).date()))
    rows, totals, departments = _figures(request, period)
    months = metrics.by_month(period, departments) if period.end > Period.month_of(period.start).end else []
    context = {
        **_common(request, "metrics"),
        "period": period,
        "problem": problem,
        "rows": rows,
        "totals": totals,
        "months": [(month, metrics.total(figures.values())) for month, figures in months],
        "columns": export.FIGURE_COLUMNS,
        "drillable": charts.METRIC_FIGURES,
    }
    return render(request, "supervision/metrics.html", context)


@require_GET
@watchers_only
def metrics_export(request: HttpRequest) -> HttpResponse:
    period, _ = _period(request, Period.month_of(_now().astimezone(metrics.SHANGHAI).date()))
    rows, totals, departments = _figures(request, period)
    months = [
        (month, [(departments[pk], figures[pk]) for pk in departments if pk in figures])
        for month, figures in metrics.by_month(period, departments)
    ]
    content = export.metrics_workbook(period, rows, totals, months)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="supervision-metrics-{period.label}.xlsx"'
    return response


@require_GET
@watchers_only
def ranking_table(request: HttpRequest) -> HttpResponse:
    period, problem = _period(request, Period.quarter_of(_now().astimezone(metrics.SHANGHAI).date()))
    departments = {d.pk: d for d in selectors.departments(request.user)}
    context = {
        **_common(request, "ranking"),
        "period": period,
        "problem": problem,
        "ranked": ranking.rank(metrics.by_department(period, departments), departments),
        "weights": ranking.formula()[0],
        "penalties": ranking.formula()[1],
        "grades": ranking.formula()[2],
    }
    return render(request, "supervision/ranking.html", context)


# --- Rule settings -------------------------------------------------------------------------------


@watchers_only
def rules(request: HttpRequest) -> HttpResponse:
    """The rule set: everyone who uses supervision may read it; the platform admin sets it."""
    user = _user(request)
    if request.method == "POST":
        if not permissions.is_platform_admin(user):
            raise DjangoPermissionDenied
        post = request.POST
        region_id = _int(post.get("region"))
        region = Region.objects.filter(pk=region_id).first() if region_id is not None else None
        threshold = _int(post.get("threshold"))
        try:
            rule = services.save_rule(
                actor=user,
                kind=post.get("kind", ""),
                region=region,
                enabled=post.get("enabled") == "on",
                threshold=threshold if threshold is not None else -1,
                level=post.get("level", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            where = rule.region.name if rule.region else "全平台默认"
            messages.success(request, f"已保存：{registry.rule_name(rule.kind)}（{where}）。")
        return redirect("supervision:rules")
    context = {
        **_common(request, "rules"),
        "rules": selectors.rule_table(),
        "levels": Level.choices,
        "regions": Region.objects.exclude(level=Region.Level.TOWNSHIP).order_by("code"),
    }
    return render(request, "supervision/rules.html", context)
