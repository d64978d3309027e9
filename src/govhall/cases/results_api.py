"""/api/v1/cases/{reference}/result: the decision record, its letter, and delivery (送达)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Schema

from govhall.cases import delivery, results, selectors
from govhall.cases.models import CaseResult
from govhall.core.api import ErrorOut

router = Router(tags=["办理结果 results"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (401, 403, 404, 409, 422)}


class ResultOut(Schema):
    document_no: str
    title: str
    decision: str
    reasons: str
    legal_basis: str
    opinion: str
    decided_at: datetime
    generated: bool
    sha256: str
    size: int
    delivery_method: str
    tracking_number: str
    delivered_at: datetime | None
    document_url: str | None


class DeliverIn(Schema):
    method: str = Field(..., description="download | post | counter")
    tracking_number: str = Field("", max_length=40)
    complete: bool = Field(True, description="送达后办结 complete the case after delivery")
    note: str = Field("", max_length=500)


def _out(result: CaseResult) -> ResultOut:
    case_no = result.case.case_no or ""
    return ResultOut(
        document_no=result.document_no,
        title=result.title,
        decision=result.decision,
        reasons=result.reasons,
        legal_basis=result.legal_basis,
        opinion=result.opinion,
        decided_at=result.decided_at,
        generated=result.is_generated,
        sha256=result.sha256,
        size=result.size,
        delivery_method=result.delivery_method,
        tracking_number=result.tracking_number,
        delivered_at=result.delivered_at,
        document_url=f"/api/v1/cases/{case_no}/result.pdf" if result.is_generated else None,
    )


@router.get("/cases/{reference}/result", response={200: ResultOut, **ERRORS}, summary="办理结果 Result")
def get_result(request: HttpRequest, reference: str) -> ResultOut:
    case = selectors.get_case(request.auth, reference)  # type: ignore[attr-defined]
    return _out(results.result_for(request.auth, case))  # type: ignore[attr-defined]


@router.get(
    "/cases/{reference}/result.pdf",
    response={200: None, **ERRORS},
    summary="下载决定书 Download the result letter (PDF)",
)
def get_result_pdf(request: HttpRequest, reference: str) -> FileResponse:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.get_case(user, reference)
    result = results.result_file_for(user, case)
    results.record_download(user=user, result=result)
    return FileResponse(
        result.document.open("rb"), content_type="application/pdf", filename=f"{result.document_no}.pdf"
    )


@router.post(
    "/cases/{reference}/result/delivery",
    response={200: ResultOut, **ERRORS},
    summary="送达办理结果 Deliver the result",
)
def deliver(request: HttpRequest, reference: str, payload: DeliverIn) -> ResultOut:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.get_case(user, reference)
    result = delivery.deliver_result(
        actor=user,
        case=case,
        method=payload.method,
        tracking_number=payload.tracking_number,
        complete=payload.complete,
        note=payload.note,
    )
    result.case = case
    return _out(result)
