"""Requests for information: the statutory clock, answers, overdue facts, personas, the annual report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.disclosure import report, request_services, selectors
from govhall.disclosure.models import InformationRequest, RequestEvent
from govhall.notifications.models import Message

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour)


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.max.time(), tzinfo=SHANGHAI)


def submit(applicant: Any, department: Any, *, when: str = "2026-09-18", **extra: Any) -> InformationRequest:
    return request_services.submit_request(
        actor=applicant,
        department=department,
        content=extra.pop("content", "2025年本市食品安全抽检不合格产品的处理情况"),
        delivery=extra.pop("delivery", "online"),
        at=at(when, 16),
        **extra,
    )


def test_deadline_across_national_day_with_correction_consultation_and_extension(
    citizen: Any, dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    request = submit(citizen, dept_a)
    assert request.number == "YSQ2026-SCJG-00001" and request.due_at is None
    # Online: the day the agency confirms is the day of receipt (第三十一条).
    request = request_services.confirm_receipt(actor=clerk, request=request, at=at("2026-09-21", 9))
    # 20 working days after Mon 21 Sep, skipping Mid-Autumn (25–27 Sep) and National Day (1–7 Oct),
    # counting the make-up Saturday 10 Oct.
    assert request.due_at == end_of("2026-10-26")

    request = request_services.request_correction(
        actor=reviewer, request=request, note="请说明所需信息的时间范围", at=at("2026-09-23")
    )
    assert request.status == InformationRequest.Status.CORRECTING and request.due_at is None
    assert request.correction_due_at == end_of("2026-10-21")  # 15 working days
    # The clock restarts from the corrected request (第三十条).
    request = request_services.submit_correction(
        actor=citizen,
        request=request,
        content="2025年1月至12月食品安全抽检不合格产品的核查处置情况",
        at=at("2026-09-29", 15),
    )
    assert request.due_at == end_of("2026-11-02")

    request = request_services.start_consultation(
        actor=reviewer, request=request, note="涉及企业商业秘密，征求第三方意见", at=at("2026-10-12")
    )
    assert request.due_at == end_of("2026-11-23")  # assumes the full 15 working days meanwhile
    request = request_services.end_consultation(actor=reviewer, request=request, at=at("2026-10-16"))
    assert request.consultation_days == 4 and request.due_at == end_of("2026-11-06")

    with pytest.raises(PermissionDenied):  # only the office head extends
        request_services.extend(actor=reviewer, request=request, reason="需要汇总多个科室的信息")
    request = request_services.extend(
        actor=approver, request=request, reason="需要汇总多个科室的信息", at=at("2026-10-30")
    )
    assert request.due_at == end_of("2026-12-04")
    with pytest.raises(Conflict):
        request_services.extend(actor=approver, request=request, reason="再次延期", at=at("2026-11-02"))

    assert request_services.sweep_requests(now=at("2026-12-04", 23)) == {
        "overdue": 0,
        "closed_uncorrected": 0,
    }
    assert request_services.sweep_requests(now=at("2026-12-05")) == {"overdue": 1, "closed_uncorrected": 0}
    assert request_services.sweep_requests(now=at("2026-12-06")) == {"overdue": 0, "closed_uncorrected": 0}
    request.refresh_from_db()
    assert request.overdue_noted_for == end_of("2026-12-04")
    assert RequestEvent.objects.filter(request=request, kind="overdue").count() == 1
    assert (
        AuditEvent.objects.filter(action="disclosure.request_overdue", object_id=str(request.pk)).count() == 1
    )
    assert Message.objects.filter(event="disclosure.request_overdue", recipient=reviewer).count() == 1

    request = request_services.answer_request(
        actor=reviewer,
        request=request,
        answer="partly",
        reason="third_party",
        text="抽检结果予以公开，涉及企业配方的部分不予公开。",
        legal_basis="《政府信息公开条例》第十五条、第三十七条",
        at=at("2026-12-07"),
    )
    assert request.status == InformationRequest.Status.ANSWERED and request.answered_late
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == [
        "submitted",
        "received",
        "correction_requested",
        "corrected",
        "consultation_started",
        "consultation_ended",
        "extended",
        "overdue",
        "answered",
    ]
    events = set(Message.objects.filter(recipient=citizen).values_list("event", flat=True))
    assert {
        "disclosure.request_received",
        "disclosure.correction_requested",
        "disclosure.request_extended",
        "disclosure.request_answered",
    } <= events


def test_correction_only_once_and_within_seven_working_days(
    citizen: Any, dept_a: Any, clerk: Any, reviewer: Any
) -> None:
    request = request_services.confirm_receipt(
        actor=clerk, request=submit(citizen, dept_a), at=at("2026-09-21")
    )
    with pytest.raises(Conflict) as late:
        # 7 working days after 21 Sep run to 8 Oct (holidays skipped); 9 Oct is too late.
        request_services.request_correction(
            actor=reviewer, request=request, note="请说明", at=at("2026-10-09")
        )
    assert late.value.code == "correction_too_late"
    request = request_services.request_correction(
        actor=reviewer, request=request, note="请说明", at=at("2026-10-08")
    )
    request = request_services.submit_correction(
        actor=citizen, request=request, content="补正后的申请内容", at=at("2026-10-09")
    )
    with pytest.raises(Conflict) as twice:
        request_services.request_correction(
            actor=reviewer, request=request, note="再补正", at=at("2026-10-10")
        )
    assert twice.value.code == "correction_once"


def test_uncorrected_request_is_closed_after_its_period(
    citizen: Any, dept_a: Any, clerk: Any, reviewer: Any
) -> None:
    request = request_services.confirm_receipt(
        actor=clerk, request=submit(citizen, dept_a), at=at("2026-09-21")
    )
    request_services.request_correction(
        actor=reviewer, request=request, note="请说明", days=5, at=at("2026-09-22")
    )
    assert request_services.sweep_requests(now=at("2026-09-30", 23))["closed_uncorrected"] == 0
    assert request_services.sweep_requests(now=at("2026-10-08"))["closed_uncorrected"] == 1
    request.refresh_from_db()
    assert request.status == InformationRequest.Status.CLOSED and request.closure == "not_corrected"


def test_answer_types_need_their_grounds(citizen: Any, dept_a: Any, clerk: Any, reviewer: Any) -> None:
    request = request_services.confirm_receipt(actor=clerk, request=submit(citizen, dept_a))
    cases = [
        ({"answer": "not_disclosed", "text": "不予公开"}, "reason_required"),
        ({"answer": "not_disclosed", "reason": "state_secret", "text": "不予公开"}, "basis_required"),
        ({"answer": "not_this_agency", "text": "非本机关"}, "agency_required"),
        ({"answer": "disclosed", "text": ""}, "text_required"),
        ({"answer": "maybe", "text": "?"}, "invalid_answer"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as error:
            request_services.answer_request(actor=reviewer, request=request, **kwargs)
        assert error.value.code == code
    request = request_services.answer_request(
        actor=reviewer,
        request=request,
        answer="not_this_agency",
        text="该信息由市卫生健康局负责公开。",
        referral_agency="云浮市卫生健康局，电话 0766-8888888",
    )
    assert request.referral_agency.startswith("云浮市卫生健康局") and not request.answered_late


def test_a_citizen_cannot_see_or_act_on_anothers_request(
    citizen: Any, other_citizen: Any, dept_a: Any, clerk: Any
) -> None:
    request = submit(citizen, dept_a)
    with pytest.raises(DomainError) as hidden:
        selectors.get_request(other_citizen, request.number)
    assert hidden.value.status == 404
    assert list(selectors.my_requests(other_citizen)) == []
    with pytest.raises(PermissionDenied):
        request_services.withdraw_request(actor=other_citizen, request=request)
    with pytest.raises(PermissionDenied):  # and a citizen is not the agency
        request_services.confirm_receipt(actor=other_citizen, request=request)
    assert selectors.get_request(citizen, request.number) == request
    assert selectors.get_request(clerk, request.number) == request


def test_department_b_cannot_answer_department_a_request(
    citizen: Any, dept_a: Any, clerk: Any, other_dept_approver: Any, supervisor: Any
) -> None:
    request = request_services.confirm_receipt(actor=clerk, request=submit(citizen, dept_a))
    with pytest.raises(DomainError):
        selectors.get_request(other_dept_approver, request.number)
    for action in (
        lambda: request_services.answer_request(
            actor=other_dept_approver, request=request, answer="disclosed", text="x"
        ),
        lambda: request_services.extend(actor=other_dept_approver, request=request, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    # The city supervisor sees it but answers nothing.
    assert selectors.get_request(supervisor, request.number) == request
    with pytest.raises(PermissionDenied):
        request_services.answer_request(actor=supervisor, request=request, answer="disclosed", text="x")


def test_staff_cannot_file_requests_and_retries_are_idempotent(citizen: Any, clerk: Any, dept_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        submit(clerk, dept_a)
    first = submit(citizen, dept_a, idempotency_key="k-1")
    again = submit(citizen, dept_a, idempotency_key="k-1")
    assert first.pk == again.pk and InformationRequest.objects.count() == 1
    with pytest.raises(DomainError):
        submit(citizen, dept_a, delivery="post")  # no address


def test_annual_report_counts_by_answer_and_applicant_kind(
    citizen: Any, enterprise: Any, dept_a: Any, dept_b: Any, clerk: Any, reviewer: Any
) -> None:
    def received(applicant: Any, when: str) -> InformationRequest:
        return request_services.confirm_receipt(
            actor=clerk, request=submit(applicant, dept_a, when=when), at=at(when)
        )

    carried = received(citizen, "2025-12-29")
    request_services.answer_request(
        actor=reviewer, request=carried, answer="disclosed", text="见附件", at=at("2026-01-05")
    )
    for applicant, answer, reason in [
        (citizen, "already_public", ""),
        (enterprise, "not_disclosed", "third_party"),
        (enterprise, "not_exist", "not_held"),
        (citizen, "not_this_agency", ""),
    ]:
        request = received(applicant, "2026-03-02")
        request_services.answer_request(
            actor=reviewer,
            request=request,
            answer=answer,
            reason=reason,
            text="答复",
            legal_basis="第十五条",
            referral_agency="云浮市自然资源局",
            at=at("2026-03-10"),
        )
    received(citizen, "2026-12-30")  # still open at the end of the year
    figures = report.annual_report(year=2026, department_id=dept_a.pk)
    assert figures.received.counts == {"natural": 3, "legal": 2, "total": 5}
    assert figures.carried_in.counts == {"natural": 1, "total": 1}
    assert figures.by_answer["disclosed"] == 2
    assert figures.by_answer["not_disclosed"] == 1 and figures.by_answer["not_disclosed.third_party"] == 1
    assert figures.by_answer["cannot_provide"] == 2 and figures.by_answer["cannot_provide.not_held"] == 2
    assert figures.by_answer["total"] == 5
    assert figures.carried_out.counts == {"natural": 1, "total": 1}
    assert report.annual_report(year=2026, department_id=dept_b.pk).by_answer["total"] == 0
