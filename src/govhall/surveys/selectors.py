"""Reads of surveys and votes, filtered by :mod:`govhall.surveys.permissions`; results and tallies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.surveys.models import Answer, Ballot, BallotChoice, Question, Response, Status, Survey, Vote
from govhall.surveys.permissions import department_ids, is_insider

TEXT_SAMPLE = 50


def visible_surveys(user: Any) -> QuerySet[Survey]:
    return permissions.restrict(Survey.objects.all(), user).select_related("department")


def public_surveys() -> QuerySet[Survey]:
    return (
        Survey.objects.filter(status=Status.PUBLISHED)
        .select_related("department")
        .order_by("-opens_at", "-id")
    )


def survey(user: Any, pk: int) -> Survey:
    found = visible_surveys(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("survey_not_found", "该调查不存在", "no such survey", status=404)
    return found


def staff_surveys(user: Any) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(department_id__in=department_ids(user))
        .select_related("department")
        .annotate(answered=Count("responses"))
    )


def has_answered(user: Any, item: Survey) -> bool:
    return (
        permissions.is_authenticated(user) and Response.objects.filter(survey=item, respondent=user).exists()
    )


def survey_results_visible(user: Any, item: Survey) -> bool:
    if is_insider(user, item):
        return True
    return item.status == Status.PUBLISHED and item.results_public and item.closes_at <= timezone.now()


@dataclass
class QuestionResult:
    question: Question
    answered: int
    options: list[dict[str, Any]] = field(default_factory=list)  # {"label", "count", "percent"}
    average: float | None = None
    texts: list[str] = field(default_factory=list)


def survey_results(item: Survey) -> tuple[int, list[QuestionResult]]:
    """Responses in total and, per question, option counts with shares of respondents, ratings, texts."""
    total = item.responses.count()
    results: list[QuestionResult] = []
    for question in item.questions.prefetch_related("choices").order_by("position"):
        answers = Answer.objects.filter(question=question)
        answered = answers.values("response").distinct().count()
        result = QuestionResult(question=question, answered=answered)
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            counts = dict(answers.values_list("choice").annotate(n=Count("id")).order_by())
            for choice in question.choices.all():
                n = counts.get(choice.pk, 0)
                result.options.append(
                    {
                        "label": choice.text,
                        "count": n,
                        "percent": round(n * 100 / answered, 1) if answered else 0.0,
                    }
                )
        elif question.kind == Question.Kind.RATING:
            counts = dict(answers.values_list("rating").annotate(n=Count("id")).order_by())
            for score in range(1, question.rating_max + 1):
                n = counts.get(score, 0)
                result.options.append(
                    {
                        "label": f"{score}分",
                        "count": n,
                        "percent": round(n * 100 / answered, 1) if answered else 0.0,
                    }
                )
            if answered:
                result.average = round(sum(s * n for s, n in counts.items()) / answered, 2)
        else:
            result.texts = list(answers.order_by("-id").values_list("text", flat=True)[:TEXT_SAMPLE])
        results.append(result)
    return total, results


# --- Votes ---------------------------------------------------------------------------------------


def visible_votes(user: Any) -> QuerySet[Vote]:
    return permissions.restrict(Vote.objects.all(), user).select_related("department")


def public_votes() -> QuerySet[Vote]:
    return (
        Vote.objects.filter(status=Status.PUBLISHED).select_related("department").order_by("-opens_at", "-id")
    )


def vote(user: Any, pk: int) -> Vote:
    found = visible_votes(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("vote_not_found", "该投票不存在", "no such vote", status=404)
    return found


def staff_votes(user: Any) -> QuerySet[Vote]:
    return (
        Vote.objects.filter(department_id__in=department_ids(user))
        .select_related("department")
        .annotate(voters=Count("ballots"))
    )


def my_ballot(user: Any, item: Vote) -> list[int] | None:
    """The candidate ids of the user's ballot, or None when they have not voted."""
    if not permissions.is_authenticated(user):
        return None
    ballot = Ballot.objects.filter(vote=item, voter=user).first()
    if ballot is None:
        return None
    return list(ballot.choices.values_list("candidate_id", flat=True))


def vote_results_visible(user: Any, item: Vote) -> bool:
    """The tally is public after the close; the organising department and supervisors see it earlier."""
    if is_insider(user, item):
        return True
    return item.status == Status.PUBLISHED and item.closes_at <= timezone.now()


@dataclass(frozen=True)
class Tally:
    voters: int
    rows: list[dict[str, Any]]  # {"rank", "name", "votes", "percent", "chosen"}


def tally(item: Vote) -> Tally:
    """Votes per candidate, most first (ties in list order); the first ``max_choices`` are chosen."""
    voters = item.ballots.count()
    counts = dict(
        BallotChoice.objects.filter(ballot__vote=item)
        .values_list("candidate")
        .annotate(n=Count("id"))
        .order_by()
    )
    candidates = sorted(item.candidates.all(), key=lambda c: (-counts.get(c.pk, 0), c.position))
    rows = [
        {
            "rank": rank,
            "name": c.name,
            "votes": counts.get(c.pk, 0),
            "percent": round(counts.get(c.pk, 0) * 100 / voters, 1) if voters else 0.0,
            "chosen": rank <= item.max_choices and voters > 0,
        }
        for rank, c in enumerate(candidates, start=1)
    ]
    return Tally(voters=voters, rows=rows)
