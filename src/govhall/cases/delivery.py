"""Delivering a decided case's result (送达) — download, post or counter pick-up — and then 办结."""

from __future__ import annotations

import re

from django.db import transaction

from govhall.cases import deadlines, handling, results
from govhall.cases.models import Case, CaseResult
from govhall.cases.transitions import lock_case, log, require, snapshot, wrong_status
from govhall.core.errors import Conflict, DomainError
from govhall.identity.models import User

TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,40}$")
DELIVERABLE = frozenset({Case.Status.APPROVED, Case.Status.DENIED})


def _field_error(field: str, code: str, zh: str, en: str) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=422,
        details={"fields": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]},
    )


def _check(method: str, tracking_number: str) -> None:
    if method not in CaseResult.DeliveryMethod.values or not method:
        raise _field_error("method", "invalid_delivery_method", "送达方式无效", "unknown delivery method")
    if method == CaseResult.DeliveryMethod.POST and not TRACKING_NUMBER.fullmatch(tracking_number):
        raise _field_error(
            "tracking_number",
            "tracking_number_required",
            "邮寄送达须填写有效的邮寄单号",
            "a valid postal tracking number is required for delivery by post",
        )


def deliver_result(
    *,
    actor: User,
    case: Case,
    method: str,
    tracking_number: str | None = None,
    complete: bool = True,
    note: str = "",
) -> CaseResult:
    """Record how the result reached the applicant; with ``complete`` the case is then 办结.

    Delivering again by the same method with the same tracking number changes nothing (a retried
    request); a different delivery of an already delivered result is a conflict.
    """
    tracking = (tracking_number or "").strip().upper()
    _check(method, tracking)
    existing = CaseResult.objects.filter(case=case).first()
    if existing is not None:
        # The letter exists before anything is delivered; rendering it is outside the lock.
        results.ensure_document(existing)
    with transaction.atomic():
        locked = lock_case(case)
        require(actor, locked, "complete")
        result = CaseResult.objects.select_for_update().filter(case=locked).first()
        if result is None:
            raise wrong_status(locked, "送达办理结果", "deliver the result of")
        if result.delivered_at is not None:
            if result.delivery_method == method and result.tracking_number == tracking:
                return result
            raise Conflict(
                "result_already_delivered",
                "办理结果已送达，不能重复送达",
                "the result has been delivered already",
                status=409,
            )
        if locked.status not in DELIVERABLE:
            raise wrong_status(locked, "送达办理结果", "deliver the result of")
        at = deadlines.now()
        before = snapshot(locked)
        result.delivery_method = method
        result.tracking_number = tracking
        result.delivered_at = at
        result.delivered_by = actor
        result.save(update_fields=["delivery_method", "tracking_number", "delivered_at", "delivered_by"])
        log(
            locked,
            actor=actor,
            kind="result_delivered",
            at=at,
            from_status=locked.status,
            before=before,
            note=note.strip(),
            data={"method": method, "tracking_number": tracking, "document_no": result.document_no},
        )
        if complete:
            handling.complete_case(actor=actor, case=locked, note=note)
    return result
