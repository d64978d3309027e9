"""The result letter as a download, for whoever may see the case; everyone else gets 404."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from govhall.cases import results
from govhall.cases.models import Case
from govhall.core.errors import DomainError


def result_pdf(request: HttpRequest, case_no: str) -> FileResponse:
    case = (
        Case.objects.select_related("lead_department__region", "item_version").filter(case_no=case_no).first()
    )
    if case is None:
        raise Http404
    try:
        result = results.result_file_for(request.user, case)
    except DomainError as exc:
        raise Http404 from exc
    results.record_download(user=request.user, result=result)
    response = FileResponse(
        result.document.open("rb"),
        content_type="application/pdf",
        as_attachment=request.GET.get("download") == "1",
        filename=f"{result.title}-{case.case_no}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
