"""Consultations and complaints: routing, life cycles, deadlines, who sees what, FAQ publication."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govhall.cases.models import Case
from govhall.catalog.models import FAQ
from govhall.complaints import selectors, services
from govhall.complaints.models import Complaint, Consultation
from govhall.complaints.redaction import redact
from govhall.core import permissions
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.supervision import evaluation
from govhall.supervision.models import Alert
from govhall.testing.factories import random_id_number

CS = Complaint.Status


@pytest.mark.django_db
def test_consultation_on_an_item_goes_to_its_department_and_is_answered(
    citizen: Any, item: Any, clerk: Any, other_dept_approver: Any, clock: Any
) -> None:
    clock("2026-11-20 10:00")  # Friday
    asked = services.ask(
        actor=citizen,
        subject="经营场所",
        question="住宅可以作为经营场所吗？",
        item=item,
        idempotency_key="q1",
    )
    again = services.ask(
        actor=citizen, subject="重复", question="重复提交的内容", item=item, idempotency_key="q1"
    )
    assert again.pk == asked.pk and Consultation.objects.count() == 1
    assert asked.department_id == item.department_id and asked.number.startswith("ZX20261120")
    assert asked.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-11-27"  # 5 working days
    assert selectors.consultation_queue(clerk).filter(pk=asked.pk).exists()
    assert not selectors.consultation_queue(other_dept_approver).exists()
    with pytest.raises(PermissionDenied):
        services.answer_consultation(actor=other_dept_approver, consultation=asked, answer="不是我部门的答复")
    with pytest.raises(PermissionDenied):
        services.ask(actor=clerk, subject="工作人员", question="工作人员不能提交咨询", item=item)
    answered = services.answer_consultation(actor=clerk, consultation=asked, answer="符合规划用途的可以。")
    assert answered.status == Consultation.Status.ANSWERED
    with pytest.raises(Conflict):
        services.answer_consultation(actor=clerk, consultation=asked, answer="再答一次也不行")


@pytest.mark.django_db
def test_published_answer_joins_the_items_faq_without_personal_details(
    citizen: Any, item: Any, clerk: Any, reviewer: Any
) -> None:
    id_number = random_id_number("445302")
    question = f"我是张三，身份证{id_number}，电话13812345678，住宅能否作经营场所？"
    asked = services.ask(
        actor=citizen, subject="经营场所", question=question, item=item, publish_consent=True
    )
    services.answer_consultation(actor=clerk, consultation=asked, answer="张三您好：可以，需提交住所证明。")
    with pytest.raises(PermissionDenied):
        services.publish_to_faq(actor=clerk, consultation=asked)  # clerks answer; reviewers publish
    faq = services.publish_to_faq(actor=reviewer, consultation=asked)
    assert faq.version_id == item.current_version_id
    assert id_number not in faq.question and "13812345678" not in faq.question and "张三" not in faq.question
    assert "张某" in faq.question and "张三" not in faq.answer
    assert FAQ.objects.filter(version=item.current_version).count() == 1
    with pytest.raises(Conflict):
        services.publish_to_faq(actor=reviewer, consultation=asked)


@pytest.mark.django_db
def test_no_consent_no_publication(citizen: Any, item: Any, reviewer: Any) -> None:
    asked = services.ask(actor=citizen, subject="问题", question="不愿公开的问题内容", item=item)
    services.answer_consultation(actor=reviewer, consultation=asked, answer="这是答复内容")
    with pytest.raises(Conflict) as error:
        services.publish_to_faq(actor=reviewer, consultation=asked)
    assert error.value.code == "no_consent"


@given(
    st.text(alphabet="办理营业执照需要什么材料，谢谢。abc ", max_size=30),
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"\d{17}[\dX]", fullmatch=True),
    st.from_regex(r"[a-z]{3,8}@[a-z]{2,6}\.cn", fullmatch=True),
)
@settings(max_examples=60, deadline=None)
def test_redaction_removes_numbers_and_mail(prefix: str, phone: str, id_number: str, mail: str) -> None:
    text = f"{prefix}{phone}，{id_number}；{mail}。{prefix}"
    cleaned = redact(text, ["王小明"])
    assert phone not in cleaned and id_number not in cleaned and mail not in cleaned
    assert prefix.strip() == "" or prefix in cleaned


@pytest.mark.django_db
def test_complaint_lifecycle_confirm(
    citizen: Any,
    completed_case: Case,
    reviewer: Any,
    approver: Any,
    clerk: Any,
    other_dept_approver: Any,
    other_county_clerk: Any,
) -> None:
    complaint = services.complain(
        actor=citizen,
        target=Complaint.Target.CASE,
        case=completed_case,
        subject="办理拖延",
        content="材料齐全仍被要求多跑一次",
        idempotency_key="c-1",
    )
    assert complaint.department_id == completed_case.lead_department_id and complaint.status == CS.SUBMITTED
    assert (
        services.complain(
            actor=citizen,
            target="case",
            case=completed_case,
            subject="x2",
            content="重复的投诉内容",
            idempotency_key="c-1",
        ).pk
        == complaint.pk
    )
    for outsider in (clerk, other_dept_approver, other_county_clerk):
        assert not permissions.can_view(outsider, complaint)
        assert not selectors.complaint_queue(outsider).exists()
        with pytest.raises(PermissionDenied):
            services.accept(actor=outsider, complaint=complaint)
    with pytest.raises(Conflict):
        services.answer(actor=reviewer, complaint=complaint, finding="核实中的情况", answer="答复内容")
    services.accept(actor=reviewer, complaint=complaint)
    services.answer(
        actor=approver, complaint=complaint, finding="窗口人员解释不清属实", answer="已批评教育并致歉"
    )
    with pytest.raises(PermissionDenied):
        services.confirm(actor=reviewer, complaint=complaint)
    done = services.confirm(actor=citizen, complaint=complaint, feedback="认可")
    assert done.status == CS.CONFIRMED
    assert list(done.events.values_list("kind", flat=True)) == [
        "submitted",
        "accepted",
        "answered",
        "confirmed",
    ]


@pytest.mark.django_db
def test_complaint_about_someone_elses_case_is_refused(other_citizen: Any, completed_case: Case) -> None:
    with pytest.raises(DomainError) as error:
        services.complain(
            actor=other_citizen, target="case", case=completed_case, subject="他人", content="别人的办件投诉"
        )
    assert error.value.code == "case_required"


@pytest.mark.django_db
def test_objection_escalates_to_the_supervisor_of_the_region(
    citizen: Any, dept_a: Any, reviewer: Any, supervisor: Any, county_supervisor: Any, clock: Any
) -> None:
    complaint = services.complain(
        actor=citizen,
        target="staff",
        department=dept_a,
        staff_name="3号窗口",
        subject="态度",
        content="工作人员态度生硬",
    )
    services.accept(actor=reviewer, complaint=complaint)
    with pytest.raises(Conflict):
        services.escalate(actor=citizen, complaint=complaint, reason="还没答复就提请")  # not late yet
    services.answer(actor=reviewer, complaint=complaint, finding="调取录像核实", answer="已提醒注意服务用语")
    clock("2026-11-23 10:00")
    escalated = services.object_to(actor=citizen, complaint=complaint, reason="处理太轻，不认可")
    assert escalated.status == CS.ESCALATED
    assert escalated.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-12-07"  # 10 working days
    assert list(selectors.escalated(supervisor)) == [escalated]
    assert not selectors.escalated(county_supervisor).exists()
    with pytest.raises(PermissionDenied):
        services.resolve(actor=county_supervisor, complaint=complaint, opinion="越权处理")
    resolved = services.resolve(actor=supervisor, complaint=complaint, opinion="责成部门再次致歉并通报")
    assert resolved.status == CS.RESOLVED


@pytest.mark.django_db
def test_overdue_consultation_and_complaint_raise_alerts(
    citizen: Any, item: Any, dept_a: Any, clock: Any
) -> None:
    clock("2026-11-23 10:00")  # Monday
    asked = services.ask(actor=citizen, subject="问题", question="什么时候可以办理", item=item)
    complaint = services.complain(
        actor=citizen, target="department", department=dept_a, subject="投诉", content="电话一直没人接"
    )
    late_q = datetime(
        2026, 12, 1, 9, 0, tzinfo=SHANGHAI
    )  # the consultation was due at the end of Monday 30 November
    assert (
        evaluation.evaluate(
            "complaints_consultations", [asked.pk], now=datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI)
        )
        == []
    )
    raised = evaluation.evaluate("complaints_consultations", [asked.pk], now=late_q)
    assert [a.rule_kind for a in raised] == ["consultation_overdue"]
    assert evaluation.evaluate("complaints_complaints", [complaint.pk], now=late_q) == []
    raised = evaluation.evaluate(
        "complaints_complaints", [complaint.pk], now=datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    )
    assert [a.rule_kind for a in raised] == ["complaint_overdue"]
    assert Alert.objects.filter(subject_type="complaints.complaint").count() == 1
    # Past its deadline the complainant may take it to supervision without an answer.
    clock("2026-12-08 09:00")
    assert services.escalate(actor=citizen, complaint=complaint, reason="超期未答复").status == CS.ESCALATED
