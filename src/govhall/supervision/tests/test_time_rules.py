"""Time rules: each fires exactly when it should (working days, holidays included), and once."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import handling
from govhall.cases.handling import SupplementItem
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import publish_item
from govhall.supervision import evaluation
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import (
    accepted_case,
    alerts_of,
    at,
    check,
    file_case,
    kinds,
    only_rules,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_day_item(dept_a: Any) -> Any:
    return publish_item(dept_a, name="食品经营许可（五日）", promised_days=5, statutory_days=8)


@pytest.fixture
def holiday_case(citizen: Any, five_day_item: Any, clerk: Any, clock: Any) -> Case:
    # Accepted Monday 28 September 2026; five working days: 29, 30 September, then after the
    # National Day holiday (1–7 October) 8, 9 and the make-up Saturday 10 October — due 10 October.
    return accepted_case(citizen, five_day_item, clerk, clock, "2026-09-28 10:00")


def test_overdue_yellow_card_across_national_day(holiday_case: Case) -> None:
    only_rules("overdue")
    assert holiday_case.promised_deadline is not None
    assert holiday_case.promised_deadline.date().isoformat() == "2026-10-10"
    for moment in ("2026-10-01 09:00", "2026-10-07 23:00", "2026-10-10 23:59"):
        assert [a for a in check(holiday_case, moment) if a.rule_kind == "overdue"] == []
    raised = check(holiday_case, "2026-10-11 00:01")
    assert kinds(raised) == [("overdue", "yellow")]
    assert check(holiday_case, "2026-10-12 09:00") == []  # not twice
    card = raised[0]
    assert card.subject_type == "cases.case" and card.subject_id == str(holiday_case.pk)
    assert card.department == holiday_case.lead_department and card.status == Alert.Status.OPEN
    assert card.facts["case_no"] == holiday_case.case_no and card.due_at == holiday_case.promised_deadline


def test_deadline_approaching_counts_working_days_not_calendar_days(holiday_case: Case) -> None:
    only_rules("deadline_approaching")
    # 30 September: the next working day is 8 October, two working days before the deadline.
    assert check(holiday_case, "2026-09-30 17:00") == []
    assert check(holiday_case, "2026-10-08 09:00") == []
    warned = check(holiday_case, "2026-10-09 09:00")  # due tomorrow (the make-up Saturday)
    assert kinds(warned) == [("deadline_approaching", "warning")]
    assert warned[0].facts["working_days_left"] == 1
    assert check(holiday_case, "2026-10-10 09:00") == []


def test_instant_items_get_no_approaching_warning(citizen: Any, dept_a: Any, clerk: Any, clock: Any) -> None:
    only_rules("deadline_approaching")
    instant = publish_item(
        dept_a, name="个体工商户名称查询", item_type="instant", promised_days=0, statutory_days=0
    )
    case = file_case(citizen, instant, clock, "2026-11-23 09:00")
    handling.accept_case(actor=clerk, case=case, decision="approve", opinion="符合条件，准予办理")
    assert check(case, "2026-11-23 10:00") == []


def test_statutory_limit_passed_is_a_red_card(holiday_case: Case) -> None:
    only_rules("overdue", "statutory_overdue")
    # Statutory 8 working days: 29, 30 Sep, 8, 9, 10, 12, 13, 14 October.
    assert kinds(check(holiday_case, "2026-10-14 12:00")) == [("overdue", "yellow")]
    assert kinds(check(holiday_case, "2026-10-15 00:00")) == [("statutory_overdue", "red")]
    assert check(holiday_case, "2026-10-16 00:00") == []


def test_same_promised_and_statutory_deadline_gives_only_the_red_card(
    citizen: Any, dept_a: Any, clerk: Any, clock: Any
) -> None:
    only_rules("overdue", "statutory_overdue")
    item = publish_item(dept_a, name="同一期限事项", promised_days=3, statutory_days=3)
    case = accepted_case(citizen, item, clerk, clock, "2026-11-23 09:00")
    assert kinds(check(case, "2026-11-27 00:01")) == [("statutory_overdue", "red")]


def test_overdue_again_after_a_yellow_card_is_red(
    citizen: Any, five_day_item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("overdue")
    case = accepted_case(citizen, five_day_item, clerk, clock, "2026-11-23 09:00")  # due Mon 30 Nov
    assert kinds(check(case, "2026-12-01 09:00")) == [("overdue", "yellow")]
    clock("2026-12-01 10:00")
    handling.request_supplement(actor=clerk, case=case, items=[SupplementItem(name="场地证明")])
    assert check(case, "2026-12-02 09:00") == []  # the clock is stopped
    clock("2026-12-03 10:00")
    from govhall.cases import services

    services.resubmit_supplement(actor=citizen, case=case, note="已补充场地证明")
    case.refresh_from_db()
    assert case.promised_deadline is not None and case.promised_deadline.date().isoformat() == "2026-12-02"
    assert kinds(check(case, "2026-12-03 10:05")) == [("overdue", "red")]
    assert alerts_of(case) == [("overdue", "red"), ("overdue", "yellow")]


def test_completed_late_between_sweeps_still_gets_the_card(
    citizen: Any, five_day_item: Any, clerk: Any, reviewer: Any, approver: Any, clock: Any
) -> None:
    only_rules("overdue")
    case = accepted_case(citizen, five_day_item, clerk, clock, "2026-11-23 09:00")  # due 30 Nov
    clock("2026-12-01 08:30")
    for person in (reviewer, approver):
        task = case.tasks.get(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
        handling.complete_task(actor=person, task=task, action="approve", opinion="同意")
    handling.complete_case(actor=clerk, case=case)
    raised = check(case, "2026-12-01 09:00")
    assert ("overdue", "yellow") in kinds(raised)
    assert raised[0].title.endswith("办结")


def test_acceptance_delay_across_national_day(citizen: Any, five_day_item: Any, clock: Any) -> None:
    only_rules("acceptance_delay")
    # Submitted online Wednesday 30 September; five working days: 8, 9, 10, 12, 13 October.
    case = file_case(citizen, five_day_item, clock, "2026-09-30 10:00")
    assert check(case, "2026-10-09 09:00") == []  # nine calendar days, two working days
    assert check(case, "2026-10-13 23:00") == []
    raised = check(case, "2026-10-14 00:05")
    assert kinds(raised) == [("acceptance_delay", "yellow")]
    assert check(case, "2026-10-15 09:00") == []


def test_acceptance_delay_counts_from_the_supplement(
    citizen: Any, five_day_item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("acceptance_delay")
    case = file_case(citizen, five_day_item, clock, "2026-11-23 09:00")  # Monday
    clock("2026-11-25 10:00")
    handling.request_supplement(actor=clerk, case=case, items=[SupplementItem(name="场地证明")])
    clock("2026-11-30 10:00")
    from govhall.cases import services

    services.resubmit_supplement(actor=citizen, case=case)
    # Five working days after Monday 30 November end on Monday 7 December.
    assert check(case, "2026-12-07 20:00") == []
    raised = check(case, "2026-12-08 00:05")
    assert kinds(raised) == [("acceptance_delay", "yellow")]
    assert raised[0].facts["received_at"].startswith("2026-11-30T10:00:00")


def test_accepted_late_is_still_a_delay(citizen: Any, five_day_item: Any, clerk: Any, clock: Any) -> None:
    only_rules("acceptance_delay")
    case = file_case(citizen, five_day_item, clock, "2026-11-23 09:00")
    clock("2026-12-01 10:00")
    handling.accept_case(actor=clerk, case=case)
    assert ("acceptance_delay", "yellow") in kinds(check(case, "2026-12-01 10:01"))


def test_window_intake_has_no_acceptance_delay(citizen: Any, five_day_item: Any, clock: Any) -> None:
    only_rules("acceptance_delay")
    case = file_case(citizen, five_day_item, clock, "2026-11-23 09:00")
    Case.objects.filter(pk=case.pk).update(channel=Case.Channel.WINDOW)
    assert check(case, "2026-12-10 09:00") == []


def test_step_overdue_on_the_task(holiday_case: Case) -> None:
    only_rules("step_overdue")
    review = holiday_case.tasks.get(status=Task.Status.OPEN)
    Task.objects.filter(pk=review.pk).update(due_at=at("2026-09-29 23:59:59.999999"))
    assert check(holiday_case, "2026-09-29 23:00") == []
    raised = check(holiday_case, "2026-09-30 09:00")
    assert kinds(raised) == [("step_overdue", "warning")]
    assert raised[0].subject_type == "cases.task" and raised[0].subject_id == str(review.pk)
    assert raised[0].case_id == holiday_case.pk
    assert check(holiday_case, "2026-09-30 10:00") == []
    # Moved (by a pause) and passed again: a new deadline, a new alert.
    Task.objects.filter(pk=review.pk).update(due_at=at("2026-10-08 23:59:59.999999"))
    assert kinds(check(holiday_case, "2026-10-09 09:00")) == [("step_overdue", "warning")]


def test_suspension_longer_than_its_maximum(holiday_case: Case, reviewer: Any, clock: Any) -> None:
    only_rules("suspension_overrun")
    procedure = holiday_case.item_version.special_procedures.get()  # 专家评审, at most 3 working days
    clock("2026-09-29 10:00")
    task = holiday_case.tasks.get(status=Task.Status.OPEN)
    handling.claim_task(actor=reviewer, task=task)
    handling.suspend_for_special_procedure(
        actor=reviewer, case=holiday_case, procedure_id=procedure.pk, reason="组织专家评审"
    )
    # Three working days after 29 September: 30 September, 8 and 9 October.
    assert check(holiday_case, "2026-10-09 20:00") == []
    raised = check(holiday_case, "2026-10-10 08:00")
    assert kinds(raised) == [("suspension_overrun", "yellow")]
    assert raised[0].subject_type == "cases.suspension"
    clock("2026-10-12 10:00")
    handling.resume_case(actor=reviewer, case=holiday_case)
    assert check(holiday_case, "2026-10-12 10:05") == []


def test_sweep_and_check_agree_and_nothing_is_raised_twice(holiday_case: Case) -> None:
    only_rules("overdue")
    first = evaluation.sweep(now=at("2026-10-11 00:01"))
    assert first.raised["yellow"] == 1
    again = evaluation.sweep(now=at("2026-10-11 00:06"))
    assert again.raised == {"warning": 0, "yellow": 0, "red": 0}
    assert check(holiday_case, "2026-10-11 00:07") == []
    assert alerts_of(holiday_case) == [("overdue", "yellow")]
