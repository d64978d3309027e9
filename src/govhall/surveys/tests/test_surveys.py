"""Surveys: building, answering once, anonymous answers, results and the Excel export."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.surveys import builder, selectors, services
from govhall.surveys.export import survey_workbook
from govhall.surveys.models import Answer, Response
from govhall.surveys.tests.helpers import answers_for, close, open_survey

pytestmark = pytest.mark.django_db


def test_answer_once_and_results(citizen: Any, other_citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    services.submit_response(
        actor=citizen, survey=survey, answers=answers_for(survey, multiple=(0, 1), rating=5)
    )
    services.submit_response(
        actor=other_citizen, survey=survey, answers=answers_for(survey, single=2, rating=2)
    )
    with pytest.raises(Conflict) as error:
        services.submit_response(actor=citizen, survey=survey, answers=answers_for(survey))
    assert error.value.code == "already_answered"
    total, results = selectors.survey_results(survey)
    assert total == 2
    single, multiple, rating, text = results
    assert [o["count"] for o in single.options] == [1, 0, 1]
    assert [o["count"] for o in multiple.options] == [2, 1, 0] and multiple.options[0]["percent"] == 100.0
    assert rating.average == 3.5 and [o["count"] for o in rating.options] == [0, 1, 0, 0, 1]
    assert text.answered == 0 and text.texts == []


def test_answers_are_checked(citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    q = list(survey.questions.order_by("position"))
    bad = answers_for(survey, multiple=(0, 1, 2))
    with pytest.raises(DomainError) as error:
        services.submit_response(actor=citizen, survey=survey, answers=bad)
    assert error.value.code == "too_many_choices" and error.value.details["field"] == f"q{q[1].pk}"
    missing = answers_for(survey)
    missing[q[0].pk] = ""
    with pytest.raises(DomainError) as error:
        services.submit_response(actor=citizen, survey=survey, answers=missing)
    assert error.value.code == "answer_required"
    with pytest.raises(DomainError) as error:
        services.submit_response(actor=citizen, survey=survey, answers=answers_for(survey, rating=6))
    assert error.value.code == "invalid_rating"
    foreign = answers_for(survey)
    foreign[q[0].pk] = str(q[1].choices.first().pk)  # an option of another question
    with pytest.raises(DomainError) as error:
        services.submit_response(actor=citizen, survey=survey, answers=foreign)
    assert error.value.code == "invalid_choice"
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_anonymous_only_where_allowed_and_idempotent(clerk: Any, dept_a: Any) -> None:
    closed_to_anonymous = open_survey(clerk, dept_a)
    with pytest.raises(PermissionDenied) as error:
        services.submit_response(
            actor=None, survey=closed_to_anonymous, answers=answers_for(closed_to_anonymous)
        )
    assert error.value.code == "login_required"
    survey = open_survey(clerk, dept_a, anonymous=True)
    first = services.submit_response(
        actor=None, survey=survey, answers=answers_for(survey), idempotency_key="k1", client="10.0.0.1"
    )
    again = services.submit_response(
        actor=None, survey=survey, answers=answers_for(survey), idempotency_key="k1", client="10.0.0.1"
    )
    assert first.pk == again.pk and first.respondent is None and Response.objects.count() == 1


def test_anonymous_answers_are_rate_limited_per_address(clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a, anonymous=True)
    for _ in range(services.ANONYMOUS_PER_ADDRESS):
        services.submit_response(actor=None, survey=survey, answers=answers_for(survey), client="10.0.0.9")
    with pytest.raises(DomainError) as error:
        services.submit_response(actor=None, survey=survey, answers=answers_for(survey), client="10.0.0.9")
    assert (error.value.code, error.value.status) == ("throttled", 429)
    services.submit_response(actor=None, survey=survey, answers=answers_for(survey), client="10.0.0.10")


def test_closed_or_draft_survey_takes_no_answers(citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    close(survey)
    with pytest.raises(Conflict):
        services.submit_response(actor=citizen, survey=survey, answers=answers_for(survey))


def test_staff_build_and_publish_in_their_department_only(
    clerk: Any, approver: Any, other_dept_approver: Any, dept_a: Any, citizen: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    spec = builder.parse("[单选] 是否满意\n- 是\n- 否")
    with pytest.raises(PermissionDenied):
        services.create_survey(
            actor=other_dept_approver,
            department=dept_a,
            title="调查",
            questions=spec,
            opens_at=now,
            closes_at=now + timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        services.create_survey(
            actor=citizen,
            department=dept_a,
            title="调查",
            questions=spec,
            opens_at=now,
            closes_at=now + timedelta(days=1),
        )
    with pytest.raises(DomainError):
        services.create_survey(
            actor=clerk, department=dept_a, title="调查", questions=spec, opens_at=now, closes_at=now
        )
    survey = services.create_survey(
        actor=clerk,
        department=dept_a,
        title="调查",
        questions=spec,
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )
    with pytest.raises(PermissionDenied):
        services.publish_survey(actor=clerk, survey=survey)  # a clerk drafts, a head publishes
    with pytest.raises(PermissionDenied):
        services.publish_survey(actor=other_dept_approver, survey=survey)
    services.publish_survey(actor=approver, survey=survey)
    survey.refresh_from_db()
    assert survey.status == "published"
    # Drafts are not public; results are the department's until the close.
    assert not selectors.survey_results_visible(citizen, survey)
    assert selectors.survey_results_visible(clerk, survey)
    close(survey)
    assert selectors.survey_results_visible(citizen, survey) and selectors.survey_results_visible(
        None, survey
    )


def test_draft_is_seen_only_by_its_department(
    clerk: Any, dept_a: Any, citizen: Any, other_dept_approver: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    draft = services.create_survey(
        actor=clerk,
        department=dept_a,
        title="草稿调查",
        questions=builder.parse("[填空] 意见"),
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )
    for outsider in (citizen, other_dept_approver, None):
        with pytest.raises(DomainError):
            selectors.survey(outsider, draft.pk)
    assert selectors.survey(clerk, draft.pk) == draft


def test_excel_export(citizen: Any, other_citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    services.submit_response(actor=citizen, survey=survey, answers=answers_for(survey, multiple=(0, 2)))
    answers = answers_for(survey)
    answers[list(survey.questions.order_by("position"))[3].pk] = "希望延长周末开放时间"
    services.submit_response(actor=other_citizen, survey=survey, answers=answers)
    book = load_workbook(BytesIO(survey_workbook(survey)))
    assert book.sheetnames == ["结果汇总", "答卷明细"]
    summary = [row for row in book["结果汇总"].iter_rows(values_only=True)]
    assert ("满意", 2, 100.0) in summary and summary[3][:1] == ("有效答卷：2 份",)
    detail = list(book["答卷明细"].iter_rows(values_only=True))
    assert len(detail) == 3 and detail[1][2] == "实名"
    assert "社保；不动产" in detail[1] and "希望延长周末开放时间" in detail[2]
