"""Pages: public verification, the holder's wallet (我的证照) with download and share links, and
the page a share link opens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from govhall.core.errors import DomainError
from govhall.licences import pdf, selectors, sharing, verification
from govhall.licences.models import Licence, LicenceVersion


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def verify(request: HttpRequest) -> HttpResponse:
    identifier = (request.GET.get("id") or "").strip()[:200]
    result = None
    error = None
    if identifier:
        try:
            result = verification.verify(identifier)
        except DomainError as exc:
            error = exc
    response = render(
        request,
        "licences/verify.html",
        {"identifier": identifier, "result": result, "error": error, "nav_section": "licences"},
        status=422 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = [
        {"licence": licence, "usable": selectors.is_usable(licence)}
        for licence in selectors.my_licences(request.user)
    ]
    shared_link = request.session.pop("licence_share_link", None)
    return render(request, "licences/mine.html", {"rows": rows, "shared_link": shared_link})


def _pdf_response(licence: Licence, version: LicenceVersion, request: HttpRequest) -> HttpResponse:
    data = pdf.render_version(licence, version, base_url=_base_url(request))
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="licence-{version.identifier}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def licence_pdf(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        licence = selectors.get_licence(request.user, identifier)
    except DomainError as exc:
        raise Http404 from exc
    version = licence.versions.get(identifier=identifier.strip().upper())
    return _pdf_response(licence, version, request)


@login_required
@require_POST
def share(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        licence = selectors.get_licence(request.user, identifier)
        hours = int(request.POST.get("hours") or 24)
        _, token = sharing.create_share(actor=request.user, licence=licence, hours=hours)
    except (DomainError, ValueError) as exc:
        messages.error(
            request, exc.message if isinstance(exc, DomainError) else "分享有效期无效 (invalid duration)"
        )
        return redirect("licences:mine")
    request.session["licence_share_link"] = {
        "url": request.build_absolute_uri(reverse("licences:shared", args=[token])),
        "name": licence.licence_type.name,
        "hours": hours,
    }
    return redirect("licences:mine")


def shared(request: HttpRequest, token: str) -> HttpResponse:
    opened = sharing.open_share(token)
    if opened is None:
        return render(request, "licences/shared.html", {"expired": True}, status=404)
    licence = opened.licence
    version = licence.current_version
    if version is None:
        raise Http404
    if request.GET.get("format") == "pdf":
        return _pdf_response(licence, version, request)
    result = verification.verify(version.identifier)
    response = render(
        request, "licences/shared.html", {"share": opened, "licence": licence, "result": result}
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
