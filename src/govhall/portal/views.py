from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template

from govhall.portal.selectors import platform_figures

# The catalogue contributes the home page's theme tiles and popular items by providing this
# template (it may load its own data with its template tags); the page works without it.
CATALOGUE_SECTIONS_TEMPLATE = "catalog/_home_sections.html"


def _optional_template(name: str) -> str:
    try:
        select_template([name])
    except TemplateDoesNotExist:
        return ""
    return name


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "figures": platform_figures(),
            "nav_section": "home",
            "catalogue_sections_template": _optional_template(CATALOGUE_SECTIONS_TEMPLATE),
        },
    )
