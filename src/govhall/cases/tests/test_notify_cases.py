"""Case changes tell the applicant (in-site, e-mail, SMS) and staff (in-site) exactly when they commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from govhall.cases import handling, services
from govhall.cases.handling import SupplementItem
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import material_ids, submitted
from govhall.notifications.models import Delivery, Message

pytestmark = pytest.mark.django_db


def open_task(case: Case, kind: str) -> Task:
    return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])


def test_applicant_hears_of_every_change(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted(citizen, item).case
        ids = material_ids(item)
        handling.request_supplement(
            actor=clerk,
            case=case,
            items=[
                SupplementItem(material_id=ids["申请书"], reason="未签字"),
                SupplementItem(name="场所平面图", reason="缺少"),
            ],
            note="请一次补齐",
        )
    events = list(Message.objects.filter(recipient=citizen).order_by("id").values_list("event", flat=True))
    assert events == ["case.submitted", "case.supplement_requested"]
    supplement = Message.objects.get(recipient=citizen, event="case.supplement_requested")
    assert "需要补正以下 2 项内容" in supplement.body
    assert "1. 申请书：未签字" in supplement.body and "2. 场所平面图：缺少" in supplement.body
    assert supplement.link == f"/my/cases/{case.case_no}/"
    assert [m.subject.split("】")[1] for m in mail.outbox] == [
        f"申请已提交：{item.current_version.name}",
        f"请补正材料：{item.current_version.name}（{case.case_no}）",
    ]
    assert Delivery.objects.filter(channel="sms", status="sent").count() == 2

    handling.reject_case(actor=clerk, case=case, reason="经营范围不属本部门")
    rejected = Message.objects.get(recipient=citizen, event="case.rejected")
    assert "理由：经营范围不属本部门" in rejected.body


def test_decision_and_completion_reach_the_applicant(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action="approve")
    handling.complete_task(actor=approver, task=open_task(case, "decide"), action="approve", opinion="同意")
    handling.complete_case(actor=clerk, case=case)
    events = list(Message.objects.filter(recipient=citizen).order_by("id").values_list("event", flat=True))
    assert events == ["case.submitted", "case.accepted", "case.decided", "case.completed"]
    decided = Message.objects.get(recipient=citizen, event="case.decided")
    assert decided.title == f"审批结果：准予行政许可（{case.case_no}）"


def test_withdrawal_is_confirmed(citizen: Any, item: Any) -> None:
    case = submitted(citizen, item).case
    services.withdraw_case(actor=citizen, case=case, reason="信息填错")
    message = Message.objects.get(recipient=citizen, event="case.withdrawn")
    assert "撤回说明：信息填错" in message.body
    assert not message.deliveries.filter(channel="sms").exists()  # e-mail only for this one


def test_staff_hear_of_new_work_in_their_queue(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, other_dept_approver: Any
) -> None:
    case = submitted(citizen, item).case
    assert clerk.messages.filter(event="task.assigned").count() == 1
    assert not reviewer.messages.exists()
    handling.accept_case(actor=clerk, case=case)
    [message] = reviewer.messages.filter(event="task.assigned")
    assert case.case_no in message.title and message.link == f"/workbench/cases/{case.case_no}/"
    assert not message.deliveries.exists()  # in-site only
    assert not other_dept_approver.messages.exists()


def test_a_rolled_back_case_change_leaves_no_message(citizen: Any, item: Any, clerk: Any) -> None:
    case = submitted(citizen, item).case
    before = Message.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        handling.accept_case(actor=clerk, case=case)
        assert Message.objects.count() > before
        raise RuntimeError("the request failed after the service call")
    assert Message.objects.count() == before
    assert not Message.objects.filter(event="case.accepted").exists()
