"""Time limits: counted in working days from acceptance, paused by supplements and special procedures.

The 2026 National Day holiday runs 1–7 October; Saturday 10 October is a make-up working day and
Sunday 11 October is not.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from govhall.cases import deadlines, handling, services
from govhall.cases.models import Case, SupplementRequest, Task
from govhall.cases.tests.helpers import material_ids, pdf, publish_item, submitted
from govhall.core.calendar import is_working_day
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db


def local_day(value: Any) -> date:
    return deadlines.local_date(value)


def test_the_calendar_has_the_2026_national_day_holiday() -> None:
    assert not any(is_working_day(date(2026, 10, day)) for day in range(1, 8))
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))


@pytest.fixture
def five_day_item(dept_a: Any) -> Any:
    return publish_item(dept_a, name="餐饮服务许可", promised_days=5, statutory_days=10)


def supplement_the_form_pdf(citizen: Any, case: Case, item: Any) -> None:
    upload = pdf("申请书-补正.pdf")
    services.attach_material(
        actor=citizen,
        case=case,
        material_id=material_ids(item)["申请书"],
        stream=upload.file,
        filename=upload.name or "",
        size=upload.size,
    )


def test_supplement_during_review_pauses_the_clock_across_national_day(
    citizen: Any, five_day_item: Any, clerk: Any, reviewer: Any, approver: Any, clock: Any
) -> None:
    item = five_day_item
    clock("2026-09-27 16:00")  # filed online on a Sunday of the Mid-Autumn holiday
    case = submitted(citizen, item).case
    clock("2026-09-28 10:00")
    case = handling.accept_case(actor=clerk, case=case)
    # 29, 30 Sep, then 8, 9 and the make-up Saturday 10 Oct.
    assert local_day(case.promised_deadline) == date(2026, 10, 10)
    assert local_day(case.statutory_deadline) == date(2026, 10, 16)
    review = case.tasks.get(step_kind="review")
    assert local_day(review.due_at) == date(2026, 10, 8)  # three working days after 28 Sep

    clock("2026-09-29 15:00")
    request = handling.request_supplement(
        actor=reviewer,
        case=case,
        items=[
            handling.SupplementItem(material_id=material_ids(item)["申请书"], reason="签字不清晰"),
            handling.SupplementItem(field="address", name="经营地址", reason="须与营业执照一致"),
        ],
        note="请一次性补齐以下内容",
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPLEMENT_REQUESTED and case.paused_since is not None
    assert [entry["name"] for entry in request.items] == ["申请书", "经营地址"]
    with pytest.raises(DomainError) as not_now:
        handling.complete_task(actor=reviewer, task=review, action="approve")
    assert not_now.value.code == "invalid_case_status"

    clock("2026-10-09 11:00")
    with pytest.raises(DomainError) as missing:
        services.resubmit_supplement(actor=citizen, case=case)
    assert missing.value.details["fields"][0]["code"] == "supplement_missing"
    supplement_the_form_pdf(citizen, case, item)
    case = services.resubmit_supplement(actor=citizen, case=case)

    # Paused: 30 Sep, 8 Oct, 9 Oct (the holiday days were never working days to begin with).
    request.refresh_from_db()
    assert (request.paused_working_days, case.paused_working_days) == (3, 3)
    assert case.status == Case.Status.IN_REVIEW and case.paused_since is None
    # One working day was used before the pause (29 Sep); four remain from 9 Oct: 10, 12, 13, 14.
    assert local_day(case.promised_deadline) == date(2026, 10, 14)
    assert local_day(case.statutory_deadline) == date(2026, 10, 21)
    review.refresh_from_db()
    assert local_day(review.due_at) == date(2026, 10, 12)  # two of its three days left: 10, 12 Oct

    handling.complete_task(actor=reviewer, task=review, action="approve")
    approver_task = case.tasks.get(step_kind="decide", status=Task.Status.OPEN)
    clock("2026-10-14 17:00")
    handling.complete_task(actor=approver, task=approver_task, action="approve", opinion="同意")
    case = handling.complete_case(actor=clerk, case=case)
    assert case.timeliness == Case.Timeliness.ON_TIME


def test_supplement_before_acceptance_does_not_start_the_clock(
    citizen: Any, five_day_item: Any, clerk: Any, clock: Any
) -> None:
    item = five_day_item
    clock("2026-09-30 09:00")
    case = submitted(citizen, item).case
    handling.request_supplement(
        actor=clerk,
        case=case,
        items=[handling.SupplementItem(material_id=material_ids(item)["申请书"], reason="缺少签章")],
    )
    case.refresh_from_db()
    assert case.accepted_at is None and case.paused_since is None
    with pytest.raises(DomainError):
        handling.accept_case(actor=clerk, case=case)

    clock("2026-10-08 10:00")
    supplement_the_form_pdf(citizen, case, item)
    case = services.resubmit_supplement(actor=citizen, case=case)
    assert case.status == Case.Status.SUBMITTED
    assert SupplementRequest.objects.get(case=case).paused_working_days == 0

    clock("2026-10-09 10:00")
    case = handling.accept_case(actor=clerk, case=case)
    # Counted from 9 Oct: 10 (make-up Saturday), 12, 13, 14, 15.
    assert local_day(case.promised_deadline) == date(2026, 10, 15)
    assert case.paused_working_days == 0


def test_special_procedure_stops_the_clock_for_at_most_its_maximum(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, clock: Any
) -> None:
    clock("2026-11-02 09:00")
    case = handling.accept_case(actor=clerk, case=submitted(citizen, item).case)
    assert local_day(case.promised_deadline) == date(2026, 11, 16)
    procedure = item.current_version.special_procedures.get()
    assert procedure.max_days == 3

    clock("2026-11-03 10:00")
    handling.suspend_for_special_procedure(
        actor=reviewer, case=case, procedure_id=procedure.pk, reason="组织专家评审"
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUSPENDED
    with pytest.raises(DomainError):
        services.resubmit_supplement(actor=citizen, case=case)

    clock("2026-11-10 10:00")  # five working days later; only three are not counted
    case = handling.resume_case(actor=reviewer, case=case, note="评审结束")
    suspension = case.suspensions.get()
    assert (suspension.paused_working_days, case.paused_working_days) == (3, 3)
    assert local_day(case.promised_deadline) == date(2026, 11, 19)
    assert case.status == Case.Status.IN_REVIEW


def test_late_completion_is_recorded(
    citizen: Any, five_day_item: Any, clerk: Any, reviewer: Any, approver: Any, clock: Any
) -> None:
    clock("2026-11-02 09:00")
    case = handling.accept_case(actor=clerk, case=submitted(citizen, five_day_item).case)
    handling.complete_task(actor=reviewer, task=case.tasks.get(step_kind="review"), action="approve")
    handling.complete_task(
        actor=approver, task=case.tasks.get(step_kind="decide"), action="approve", opinion="同意"
    )
    clock("2026-11-10 09:00")  # due 9 November
    case = handling.complete_case(actor=clerk, case=case)
    assert case.timeliness == Case.Timeliness.LATE
