"""Writes of surveys: building, publishing, closing, answering.

draft ──publish──▶ published (answered between ``opens_at`` and ``closes_at``) ──withdraw──▶ withdrawn

Every write is one transaction with its audit event. A person answers a survey once (a unique
constraint on (survey, respondent)); anonymous answers, where the survey allows them, are limited
per client address by the rate limiter and made idempotent by the form's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department, User
from govhall.surveys import ratelimit
from govhall.surveys.builder import QuestionSpec
from govhall.surveys.models import Answer, Choice, Question, Response, Status, Survey

MAX_TEXT = 2000
ANONYMOUS_PER_ADDRESS = 20  # answers per hour from one client address
PERSON_ATTEMPTS = 20  # submissions per minute per person


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行该操作", "you may not do this", status=403)


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise DomainError(
            "invalid_period",
            "截止时间应晚于开始时间",
            "the close must come after the opening",
            details={"field": "closes_at"},
        )


def snapshot(survey: Survey) -> dict[str, Any]:
    return {
        "title": survey.title,
        "status": survey.status,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "allow_anonymous": survey.allow_anonymous,
    }


@transaction.atomic
def create_survey(
    *,
    actor: Any,
    department: Department,
    title: str,
    questions: Sequence[QuestionSpec],
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    allow_anonymous: bool = False,
    results_public: bool = True,
) -> Survey:
    if department.pk not in _working(actor):
        raise _forbidden()
    title = title.strip()
    if not title:
        raise DomainError(
            "title_required", "请填写调查标题", "a title is required", details={"field": "title"}
        )
    if not questions:
        raise DomainError(
            "no_questions", "请至少设置一道题目", "add at least one question", details={"field": "questions"}
        )
    check_window(opens_at, closes_at)
    survey = Survey.objects.create(
        title=title[:120],
        description=description.strip(),
        department=department,
        created_by=actor,
        opens_at=opens_at,
        closes_at=closes_at,
        allow_anonymous=allow_anonymous,
        results_public=results_public,
    )
    for position, spec in enumerate(questions, start=1):
        question = Question.objects.create(
            survey=survey,
            position=position,
            kind=spec.kind,
            text=spec.text,
            required=spec.required,
            max_choices=spec.max_choices,
            rating_max=spec.rating_max,
        )
        Choice.objects.bulk_create(
            [Choice(question=question, position=i, text=text) for i, text in enumerate(spec.choices, start=1)]
        )
    record_event(
        actor=actor,
        action="surveys.survey_created",
        obj=survey,
        after={**snapshot(survey), "questions": len(questions)},
    )
    return survey


def _working(actor: Any) -> frozenset[int]:
    from govhall.surveys.permissions import department_ids

    return department_ids(actor)


def _lock(survey: Survey, actor: Any, action: str) -> Survey:
    locked = Survey.objects.select_for_update(of=("self",)).select_related("department").get(pk=survey.pk)
    if not permissions.can_act(actor, locked, action):
        raise _forbidden()
    return locked


@transaction.atomic
def publish_survey(*, actor: Any, survey: Survey) -> Survey:
    survey = _lock(survey, actor, "publish")
    if survey.status != Status.DRAFT:
        raise Conflict("not_draft", "只有草稿可以发布", "only a draft is published")
    if survey.closes_at <= timezone.now():
        raise Conflict("already_closed", "截止时间已过，请修改后再发布", "the close has passed")
    before = snapshot(survey)
    survey.status = Status.PUBLISHED
    survey.published_at = timezone.now()
    survey.save(update_fields=["status", "published_at"])
    record_event(
        actor=actor, action="surveys.survey_published", obj=survey, before=before, after=snapshot(survey)
    )
    return survey


@transaction.atomic
def close_survey(*, actor: Any, survey: Survey) -> Survey:
    """End a running survey now (the results page then shows the final figures)."""
    survey = _lock(survey, actor, "close")
    now = timezone.now()
    if survey.status != Status.PUBLISHED or survey.closes_at <= now:
        raise Conflict("not_running", "该调查未在进行中", "the survey is not running")
    before = snapshot(survey)
    survey.closes_at = max(now, survey.opens_at + timedelta(seconds=1))
    survey.save(update_fields=["closes_at"])
    record_event(
        actor=actor, action="surveys.survey_closed", obj=survey, before=before, after=snapshot(survey)
    )
    return survey


def _clean_answers(survey: Survey, raw: Mapping[int, Any]) -> list[Answer]:
    """Check each question's answer; ``raw`` maps question id to choice ids, text or a rating."""
    answers: list[Answer] = []
    for question in survey.questions.prefetch_related("choices").order_by("position"):
        value = raw.get(question.pk)
        label = f"第{question.position}题"
        field = {"field": f"q{question.pk}"}
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            ids = [
                int(v)
                for v in (value if isinstance(value, list | tuple) else [value])
                if str(v or "").isdigit()
            ]
            ids = list(dict.fromkeys(ids))
            valid = {c.pk: c for c in question.choices.all()}
            if any(i not in valid for i in ids):
                raise DomainError(
                    "invalid_choice",
                    f"{label}的选项无效",
                    "an option is not one of the question's",
                    details=field,
                )
            if question.kind == Question.Kind.SINGLE and len(ids) > 1:
                raise DomainError("one_choice", f"{label}只能选一项", "choose one option", details=field)
            if question.max_choices and len(ids) > question.max_choices:
                raise DomainError(
                    "too_many_choices",
                    f"{label}最多选{question.max_choices}项",
                    "too many options",
                    details=field,
                )
            if not ids and question.required:
                raise DomainError(
                    "answer_required", f"请回答{label}", "this question is required", details=field
                )
            answers.extend(Answer(question=question, choice=valid[i]) for i in ids)
        elif question.kind == Question.Kind.TEXT:
            text = str(value or "").strip()
            if not text and question.required:
                raise DomainError(
                    "answer_required", f"请回答{label}", "this question is required", details=field
                )
            if len(text) > MAX_TEXT:
                raise DomainError(
                    "answer_too_long", f"{label}不能超过{MAX_TEXT}字", "the answer is too long", details=field
                )
            if text:
                answers.append(Answer(question=question, text=text))
        else:
            rating = int(str(value)) if str(value or "").isdigit() else None
            if rating is None:
                if question.required:
                    raise DomainError("answer_required", f"请为{label}评分", "give a rating", details=field)
                continue
            if not 1 <= rating <= question.rating_max:
                raise DomainError(
                    "invalid_rating",
                    f"{label}评分应为1至{question.rating_max}分",
                    "the rating is out of range",
                    details=field,
                )
            answers.append(Answer(question=question, rating=rating))
    return answers


def submit_response(
    *,
    actor: Any,
    survey: Survey,
    answers: Mapping[int, Any],
    idempotency_key: str = "",
    client: str = "",
    at: datetime | None = None,
) -> Response:
    """Answer a survey: once per logged-in person; anonymously only where the survey allows it."""
    moment = at or timezone.now()
    signed_in = permissions.is_authenticated(actor)
    if not survey.is_open_at(moment):
        raise Conflict("survey_not_open", "该调查不在填写时间内", "the survey is not open")
    if not signed_in and not survey.allow_anonymous:
        raise PermissionDenied(
            "login_required", "请登录后填写该调查", "log in to answer this survey", status=401
        )
    if signed_in and actor.kind == User.Kind.STAFF and survey.department_id in _working(actor):
        raise PermissionDenied(
            "own_survey", "不能填写本部门发起的调查", "staff do not answer their own survey"
        )
    key = idempotency_key.strip()[:64]
    if key:
        existing = Response.objects.filter(survey=survey, idempotency_key=key).first()
        if existing is not None:
            return existing
    if signed_in:
        ratelimit.hit("survey", f"user:{actor.pk}", limit=PERSON_ATTEMPTS)
        if Response.objects.filter(survey=survey, respondent=actor).exists():
            raise Conflict(
                "already_answered", "您已填写过该调查，每人限填一次", "you have already answered this survey"
            )
    else:
        ratelimit.hit("survey-anonymous", f"{survey.pk}:{client}", limit=ANONYMOUS_PER_ADDRESS, window=3600)
    rows = _clean_answers(survey, answers)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                respondent=actor if signed_in else None,
                submitted_at=moment,
                idempotency_key=key,
            )
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
            record_event(
                actor=actor if signed_in else "anonymous",
                action="surveys.response_submitted",
                obj=response,
                after={"survey": survey.pk, "answers": len(rows)},
            )
    except IntegrityError:
        if key:
            existing = Response.objects.filter(survey=survey, idempotency_key=key).first()
            if existing is not None:
                return existing
        raise Conflict(
            "already_answered", "您已填写过该调查，每人限填一次", "you have already answered this survey"
        ) from None
    return response
