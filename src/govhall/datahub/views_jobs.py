"""Import and comparison pages; their progress fragments are polled with htmx while a job runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.core.errors import DomainError
from govhall.datahub import comparisons, importing, selectors
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.forms import AssignForm, ComparisonForm, ImportForm
from govhall.datahub.models import ComparisonJob, ComparisonResult, Resource
from govhall.datahub.views import XLSX, page_of, show_error, staff_only


@staff_only
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    departments = selectors.officer_departments(request.user)
    own = Resource.objects.filter(provider__in=departments, dataset="", is_active=True).order_by("code")
    form = ImportForm(request.POST or None, request.FILES or None, departments=departments, resources=own)
    if request.method == "POST":
        if not departments.exists():
            raise DjangoPermissionDenied
        if form.is_valid():
            kind, _, target = form.cleaned_data["target"].partition(":")
            try:
                job = importing.start_import(
                    actor=request.user,
                    department=form.cleaned_data["department"],
                    upload=form.cleaned_data["file"],
                    dataset=target if kind == "dataset" else "",
                    resource=own.filter(code=target).first() if kind == "resource" else None,
                    mode=form.cleaned_data["mode"],
                )
            except DomainError as exc:
                show_error(request, exc)
            else:
                return redirect("datahub:import", pk=job.pk)
    context = {"nav": "imports", "form": form, "jobs": page_of(request, selectors.import_jobs(request.user))}
    return render(request, "datahub/imports.html", context)


@staff_only
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job(request.user, pk)
    if job is None:
        raise Http404
    template = "datahub/_import_progress.html" if request.headers.get("HX-Request") else "datahub/import.html"
    return render(request, template, {"nav": "imports", "job": job})


def _comparable(request: HttpRequest) -> list[Resource]:
    """Resources the user's departments provide or hold a grant on, for the job form."""
    departments = hub_permissions.officer_department_ids(request.user)
    found = selectors.catalogue(request.user).filter(
        Q(provider_id__in=departments) | Q(grants__consumer_id__in=departments, grants__status="approved")
    )
    return list(found.distinct())


@staff_only
@require_http_methods(["GET", "POST"])
def comparison_list(request: HttpRequest) -> HttpResponse:
    departments = selectors.officer_departments(request.user)
    resources = _comparable(request)
    by_code = {r.code: r for r in resources}
    form = ComparisonForm(
        request.POST or None,
        departments=departments,
        resources=Resource.objects.filter(pk__in=[r.pk for r in resources]).select_related("provider"),
    )
    if request.method == "POST":
        if not departments.exists():
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = comparisons.create_comparison(
                    actor=request.user,
                    department=data["department"],
                    name=data["name"],
                    kind=data["kind"],
                    resource_a=by_code[data["resource_a"]],
                    key_a=data["key_a"].strip(),
                    resource_b=by_code[data["resource_b"]],
                    key_b=data["key_b"].strip(),
                    filter_a={"field": data["filter_field"].strip(), "value": data["filter_value"]},
                    condition_b={
                        "field": data["condition_field"].strip(),
                        "op": data["condition_op"] or "=",
                        "value": data["condition_value"],
                    },
                    output_fields=[f.strip() for f in data["output_fields"].split(",") if f.strip()],
                )
            except DomainError as exc:
                show_error(request, exc)
            else:
                return redirect("datahub:comparison", pk=job.pk)
    context = {
        "nav": "comparisons",
        "form": form,
        "resources": resources,
        "jobs": page_of(request, selectors.comparison_jobs(request.user)),
    }
    return render(request, "datahub/comparisons.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def comparison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.comparison_job(request.user, pk)
    if job is None:
        raise Http404
    if request.headers.get("HX-Request"):
        return render(request, "datahub/_comparison_progress.html", {"job": job})
    assign_form = AssignForm(initial={"department": job.assigned_department_id})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "assign":
                assign_form = AssignForm(request.POST)
                if assign_form.is_valid():
                    comparisons.assign_comparison(
                        actor=request.user, job=job, department=assign_form.cleaned_data["department"]
                    )
                    messages.success(request, "已指派。")
                    return redirect("datahub:comparison", pk=pk)
            elif request.POST.get("action") == "follow_up":
                result = job.results.filter(pk=request.POST.get("result") or 0).first()
                if result is None:
                    raise Http404
                comparisons.set_follow_up(
                    actor=request.user,
                    result=result,
                    follow_up=request.POST.get("follow_up", ""),
                    note=request.POST.get("note", ""),
                )
                return redirect(f"{request.path}?{request.GET.urlencode()}")
        except DomainError as exc:
            show_error(request, exc)
    follow_up = request.GET.get("follow_up", "")
    results = selectors.comparison_results(
        job, follow_up=follow_up if follow_up in ComparisonResult.FollowUp.values else ""
    )
    page = page_of(request, results, 50)
    counts = selectors.follow_up_counts(job)
    context = {
        "nav": "comparisons",
        "job": job,
        "page": page,
        "rows": [(r, [r.data.get(name, "") for name in job.output_fields]) for r in page],
        "query_string": f"follow_up={follow_up}" if follow_up else "",
        "follow_up": follow_up,
        "follow_ups": ComparisonResult.FollowUp.choices,
        "follow_ups_counted": [
            (v, label, counts.get(v, 0)) for v, label in ComparisonResult.FollowUp.choices
        ],
        "assign_form": assign_form,
        "is_owner": job.department_id in hub_permissions.officer_department_ids(request.user),
    }
    return render(request, "datahub/comparison.html", context)


@staff_only
def comparison_export(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.comparison_job(request.user, pk)
    if job is None or job.status != ComparisonJob.Status.DONE:
        raise Http404
    response = HttpResponse(comparisons.results_workbook(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="comparison-{job.pk}.xlsx"'
    return response
