"""Public service-hall pages of the catalogue: lists, guides, themes, departments, power list."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from govhall.catalog import excel, selectors
from govhall.catalog.filters import ItemFilters, parse_filters
from govhall.catalog.models import Kind, Level, Material, Target, Theme
from govhall.core.errors import DomainError

View = Callable[..., HttpResponseBase]


def shows_domain_errors(view: View) -> View:
    """Render a DomainError (bad filter, malformed code, unknown object) as a page with its status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "catalog/error.html", {"error": error}, status=error.status)

    return wrapper


def _filter_options() -> dict[str, Any]:
    return {
        "all_themes": list(Theme.objects.order_by("audience", "order")),
        "all_departments": selectors.departments_with_counts(),
        "levels": Level.choices,
        "kinds": Kind.choices,
        "targets": Target.choices,
        "star_choices": [(5, "★★★★★"), (4, "★★★★☆"), (3, "★★★☆☆")],
    }


def _nav_section(filters: ItemFilters) -> str:
    return {"person": "citizen", "legal": "enterprise"}.get(filters.target, "")


def _render_list(
    request: HttpRequest,
    filters: ItemFilters,
    *,
    heading: str,
    template: str = "catalog/item_list.html",
    **extra: Any,
) -> HttpResponse:
    page = selectors.list_items(filters)
    query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "heading": heading,
        "query_string": urlencode(query),
        "has_filters": bool({k for k in query if k not in {"page_size"}}),
        "audience_themes": (
            selectors.themes_with_counts(filters.target)
            if filters.target in {"person", "legal"} and not filters.theme
            else []
        ),
        "nav_section": extra.pop("nav_section", _nav_section(filters)),
        **_filter_options(),
        **extra,
    }
    return render(request, template, context)


@require_GET
@shows_domain_errors
def item_list(request: HttpRequest) -> HttpResponse:
    filters = parse_filters(request.GET, allow_page_size=False)
    heading = {"person": _("个人办事"), "legal": _("法人办事")}.get(filters.target, _("办事事项"))
    if filters.q:
        heading = _("搜索结果")
    return _render_list(request, filters, heading=heading)


@require_GET
@shows_domain_errors
def theme_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/theme_index.html",
        {
            "person_themes": selectors.themes_with_counts("person"),
            "legal_themes": selectors.themes_with_counts("legal"),
        },
    )


@require_GET
@shows_domain_errors
def theme_detail(request: HttpRequest, code: str) -> HttpResponse:
    theme = selectors.get_theme(code)
    params = request.GET.copy()
    params["theme"] = theme.code
    filters = parse_filters(params, allow_page_size=False)
    return _render_list(
        request,
        filters,
        heading=theme.name_en if theme.name_en and get_language() == "en" else theme.name,
        theme=theme,
        nav_section="citizen" if theme.audience == Theme.Audience.PERSON else "enterprise",
    )


@require_GET
@shows_domain_errors
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.get_published_item(code)
    version = item.current_version
    assert version is not None
    return render(
        request,
        "catalog/item_guide.html",
        {
            "item": item,
            "version": version,
            "materials": list(version.materials.all()),
            "fees": list(version.fees.all()),
            "procedures": list(version.special_procedures.all()),
            "faqs": list(version.faqs.all()),
            "themes": list(version.themes.all()),
            "joint_departments": list(version.joint_departments.all()),
            "handling_items": list(item.handling_items.all()),
            "apply_url": f"/apply/{item.implementation_code}/",
            "nav_section": "enterprise" if version.target == Target.LEGAL else "citizen",
        },
    )


@require_GET
@shows_domain_errors
def material_file(request: HttpRequest, code: str, material_id: int, which: str) -> HttpResponseBase:
    """The blank form or sample of a material: the uploaded file, or one generated from the guide."""
    if which not in {"form", "sample"}:
        raise Http404
    item = selectors.get_published_item(code)
    version = item.current_version
    assert version is not None
    material = Material.objects.filter(pk=material_id, version=version).first()
    if material is None or not (material.has_form if which == "form" else material.has_sample):
        raise Http404
    uploaded = material.form_file if which == "form" else material.sample_file
    if uploaded:
        return FileResponse(
            uploaded.open("rb"), as_attachment=True, filename=uploaded.name.rsplit("/", 1)[-1]
        )
    data = excel.material_form(
        item_name=version.name,
        material_name=material.name,
        code=item.implementation_code,
        sample=which == "sample",
    )
    suffix = "示例样表" if which == "sample" else "空白表格"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"form.xlsx\"; filename*=UTF-8''{_quote(f'{material.name}-{suffix}.xlsx')}"
    )
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@require_GET
@shows_domain_errors
def department_index(request: HttpRequest) -> HttpResponse:
    departments = selectors.departments_with_counts()
    regions: dict[str, tuple[Any, list[Any]]] = {}
    for department in departments:
        regions.setdefault(department.region.code, (department.region, []))[1].append(department)
    return render(
        request,
        "catalog/department_index.html",
        {"regions": list(regions.values()), "nav_section": "departments"},
    )


@require_GET
@shows_domain_errors
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    department = selectors.get_department(code)
    params = request.GET.copy()
    params["department"] = department.code
    filters = parse_filters(params, allow_page_size=False)
    return _render_list(
        request, filters, heading=department.name, department=department, nav_section="departments"
    )


@require_GET
@shows_domain_errors
def power_list(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "").strip()
    if region and not (region.isdigit() and len(region) == 6):
        raise DomainError("invalid_region", "区划代码应为6位数字", "a region code has 6 digits")
    groups = selectors.power_list(region or None)
    return render(
        request,
        "catalog/power_list.html",
        {
            "groups": groups,
            "total": sum(group.total for group in groups),
            "region": region,
            "power_kinds": [(value, label) for value, label in Kind.choices if value != Kind.PUBLIC_SERVICE],
        },
    )
