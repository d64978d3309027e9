"""Data hub pages: catalogue, applications and grants, access log, contributions, person lookup.

Views read through selectors and write through services; a DomainError is shown on the page.
Imports and comparisons are in :mod:`govhall.datahub.views_jobs`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.datahub import catalogue as catalogue_services
from govhall.datahub import exchange, selectors, services
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.datasets import DATASETS
from govhall.datahub.forms import ApplyForm, ApproveForm, PersonLookupForm, ReasonForm, ResourceForm
from govhall.datahub.models import AccessGrant, ContributedUpdate, Dataset, Resource

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not hub_permissions.is_staff(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def show_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def page_of(request: HttpRequest, items: Any, per_page: int = 20) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


@staff_only
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    lists = selectors.grants(user)
    context = {
        "nav": "home",
        "departments": selectors.officer_departments(user),
        "pending_incoming": [g for g in lists.incoming if g.status == AccessGrant.Status.PENDING],
        "pending_contributions": selectors.contributions(user).filter(
            source_department_id__in=hub_permissions.officer_department_ids(user)
        )[:10],
        "recent_imports": selectors.import_jobs(user)[:5],
        "recent_comparisons": selectors.comparison_jobs(user)[:5],
    }
    return render(request, "datahub/home.html", context)


# --- Catalogue -------------------------------------------------------------------------------


def _catalogue_filters(request: HttpRequest) -> dict[str, Any]:
    provider = request.GET.get("provider", "")
    return {
        "q": request.GET.get("q", "")[:100],
        "provider": int(provider) if provider.isdigit() else None,
        "sharing_type": request.GET.get("sharing_type", "")
        if request.GET.get("sharing_type") in Resource.SharingType.values
        else "",
        "dataset": request.GET.get("dataset", "") if request.GET.get("dataset") in Dataset.values else "",
    }


def catalogue(request: HttpRequest) -> HttpResponse:
    filters = _catalogue_filters(request)
    found = selectors.catalogue(request.user, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "catalogue",
        "filters": filters,
        "page": page_of(request, found),
        "query_string": query.urlencode(),
        "providers": selectors.catalogue_providers(request.user),
        "sharing_types": Resource.SharingType.choices,
        "datasets": Dataset.choices,
        "can_register": bool(hub_permissions.officer_department_ids(request.user)),
    }
    return render(request, "datahub/catalogue.html", context)


def catalogue_export(request: HttpRequest) -> HttpResponse:
    content = catalogue_services.catalogue_workbook(
        selectors.catalogue(request.user, **_catalogue_filters(request))
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="resource-catalogue.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.resource(request.user, code)
    if resource is None:
        raise Http404
    form = None
    if permissions.can_act(request.user, resource, "apply"):
        departments = selectors.officer_departments(request.user)
        form = ApplyForm(request.POST or None, resource=resource, departments=departments)
        if request.method == "POST" and form.is_valid():
            try:
                grant = exchange.apply_for_access(
                    actor=request.user,
                    resource=resource,
                    consumer=form.cleaned_data["consumer"],
                    purpose=form.cleaned_data["purpose"],
                    legal_basis=form.cleaned_data["legal_basis"],
                    fields=form.cleaned_data["requested_fields"],
                )
            except DomainError as exc:
                show_error(request, exc)
            else:
                messages.success(request, "申请已提交，等待提供部门审核。")
                return redirect("datahub:grant", pk=grant.pk)
    elif request.method == "POST":
        raise DjangoPermissionDenied
    context = {"nav": "catalogue", "resource": resource, "form": form}
    return render(request, "datahub/resource.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    departments = selectors.officer_departments(request.user)
    if not departments.exists():
        raise DjangoPermissionDenied
    form = ResourceForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = catalogue_services.register_resource(
                actor=request.user,
                provider=data["provider"],
                code=data["code"],
                name=data["name"],
                summary=data["summary"],
                dataset=data["dataset"],
                elements=data["elements"],
                key_element=data["key_element"].strip(),
                sharing_type=data["sharing_type"],
                sharing_conditions=data["sharing_conditions"],
                not_shared_reason=data["not_shared_reason"],
                open_type=data["open_type"],
                update_cycle=data["update_cycle"],
                format=data["format"],
                access_methods=data["access_methods"],
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, "资源已登记到目录。")
            return redirect("datahub:resource", code=resource.code)
    return render(request, "datahub/resource_form.html", {"nav": "catalogue", "form": form})


# --- Grants ----------------------------------------------------------------------------------


@staff_only
def grants(request: HttpRequest) -> HttpResponse:
    return render(request, "datahub/grants.html", {"nav": "grants", "lists": selectors.grants(request.user)})


def _approve_form(grant: AccessGrant, data: Any = None) -> ApproveForm:
    elements = {e.name: e for e in grant.resource.elements.all()}
    requested = [(n, f"{elements[n].label}（{n}）") for n in grant.requested_fields if n in elements]
    personal = [(n, label) for n, label in requested if elements[n].is_personal]
    return ApproveForm(
        data, requested=requested, personal=personal, initial={"allowed_fields": grant.requested_fields}
    )


@staff_only
@require_http_methods(["GET", "POST"])
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant(request.user, pk)
    if grant is None:
        raise Http404
    user = request.user
    may_decide = grant.status == AccessGrant.Status.PENDING and permissions.can_act(user, grant, "decide")
    may_use = exchange.is_usable(grant) and permissions.can_act(user, grant, "use")
    may_revoke = grant.status == AccessGrant.Status.APPROVED and permissions.can_act(user, grant, "revoke")
    approve_form = _approve_form(grant) if may_decide else None
    reason_form = ReasonForm() if may_decide or may_revoke else None
    issued = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "approve" and may_decide:
                approve_form = _approve_form(grant, request.POST)
                if approve_form.is_valid():
                    exchange.approve_access(actor=user, grant=grant, **approve_form.cleaned_data)
                    messages.success(request, "已批准。")
                    return redirect("datahub:grant", pk=pk)
            elif action in {"refuse", "revoke"} and (may_decide or may_revoke):
                reason_form = ReasonForm(request.POST)
                if reason_form.is_valid():
                    service = exchange.refuse_access if action == "refuse" else exchange.revoke_access
                    service(actor=user, grant=grant, reason=reason_form.cleaned_data["reason"])
                    messages.success(request, "已不予批准。" if action == "refuse" else "授权已撤销。")
                    return redirect("datahub:grant", pk=pk)
            elif action == "credential" and may_use:
                # Rendered, not redirected: the raw credential must not be stored anywhere.
                issued = exchange.issue_credential(actor=user, grant=grant)
            else:
                raise DjangoPermissionDenied
        except DomainError as exc:
            show_error(request, exc)
    context = {
        "nav": "grants",
        "grant": grant,
        "approve_form": approve_form,
        "reason_form": reason_form,
        "may_decide": may_decide,
        "may_use": may_use,
        "may_revoke": may_revoke,
        "issued": issued,
        "credentials": grant.credentials.order_by("-created_at") if may_use or may_revoke else [],
        "elements": {e.name: e for e in grant.resource.elements.all()},
    }
    return render(request, "datahub/grant.html", context)


@staff_only
def access_log(request: HttpRequest) -> HttpResponse:
    resource_code = request.GET.get("resource", "")[:40]
    entries = selectors.access_log(request.user, resource_code=resource_code)
    return render(
        request,
        "datahub/access_log.html",
        {"nav": "log", "page": page_of(request, entries, 50), "resource_code": resource_code},
    )


# --- Base databases --------------------------------------------------------------------------


@staff_only
@require_http_methods(["GET", "POST"])
def contributions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        contribution = selectors.contributions(request.user).filter(pk=request.POST.get("id") or 0).first()
        if contribution is None:
            raise Http404
        try:
            services.decide_contribution(
                actor=request.user,
                contribution=contribution,
                accept=request.POST.get("decision") == "confirm",
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, "已处理。")
        return redirect("datahub:contributions")
    mine = hub_permissions.officer_department_ids(request.user)
    context = {
        "nav": "contributions",
        "conflicts": selectors.conflicts(request.user),
        "sent": selectors.contributions(request.user).filter(contributor_department_id__in=mine)[:100],
        "decided": selectors.contributions(request.user, status="").exclude(
            status=ContributedUpdate.Status.PENDING
        )[:50],
        "officer_of": mine,
    }
    return render(request, "datahub/contributions.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def person_lookup(request: HttpRequest) -> HttpResponse:
    if Dataset.POPULATION not in hub_permissions.source_datasets(request.user):
        raise DjangoPermissionDenied
    form = PersonLookupForm(request.POST or None)
    view = None
    if request.method == "POST" and form.is_valid():
        try:
            view = services.read_person(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_error(request, exc)
        else:
            form = PersonLookupForm()  # the number is not echoed back into the page
    labels = {f.name: f.label_zh for f in DATASETS[Dataset.POPULATION].fields}
    rows = [(labels[name], value) for name, value in view.values.items()] if view else []
    return render(request, "datahub/person.html", {"nav": "people", "form": form, "view": view, "rows": rows})
