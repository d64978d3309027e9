"""The board's chart data (JSON) and the drill-down from a figure to the cases behind it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from govhall.core.errors import DomainError
from govhall.identity.models import Department, Region
from govhall.supervision import charts, export, selectors
from govhall.supervision.metrics import Period
from govhall.supervision.views import _common, _int, _now, watchers_only

MAX_EXPORT_ROWS = 20000


@require_GET
@watchers_only
def board_charts(request: HttpRequest) -> JsonResponse:
    now = _now()
    department = _int(request.GET.get("department"))
    if department is not None and not selectors.departments(request.user).filter(pk=department).exists():
        department = None
    return JsonResponse(
        {
            "now": now.isoformat(),
            "trend": charts.trend(request.user, now, department=department),
            **charts.load(request.user, now),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@watchers_only
def figure_cases(request: HttpRequest) -> HttpResponse:
    get, now = request.GET, _now()
    figure = get.get("figure", "")
    period = None
    problem = ""
    try:
        if figure in charts.METRIC_FIGURES:
            period = Period.parse(get.get("period", ""))
        department = _int(get.get("department"))
        region = _int(get.get("region"))
        cases = charts.figure_cases(
            request.user, figure, now=now, period=period, department=department, region=region
        )
    except DomainError as exc:
        problem, cases, department, region = exc.message_zh, None, None, None
    department_name = (
        selectors.departments(request.user).filter(pk=department).values_list("name", flat=True).first()
        if department is not None
        else None
    )
    region_name = Region.objects.filter(pk=region).values_list("name", flat=True).first() if region else None
    title = "、".join(
        part
        for part in (
            period.label if period else "",
            region_name,
            department_name,
            charts.figure_label(figure),
        )
        if part
    )
    if cases is not None and get.get("format") == "xlsx":
        content = export.cases_workbook(title, cases[:MAX_EXPORT_ROWS])
        response = HttpResponse(content, content_type=export.XLSX)
        response["Content-Disposition"] = f'attachment; filename="supervision-cases-{figure}.xlsx"'
        return response
    page = Paginator(cases if cases is not None else Department.objects.none(), 50).get_page(get.get("page"))
    query = get.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        **_common(request, "metrics" if period else "board"),
        "title": title,
        "problem": problem,
        "page": page,
        "query": query.urlencode(),
        "max_export_rows": MAX_EXPORT_ROWS,
    }
    status = 422 if problem else 200
    return render(request, "supervision/cases.html", context, status=status)
