"""/api/v1/votes/: public votes, casting a ballot, the tally after the close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError
from govhall.surveys import selectors, vote_services

router = Router(tags=["民生投票 votes"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}


class CandidateOut(Schema):
    id: int
    position: int
    name: str
    description: str


class VoteOut(Schema):
    id: int
    title: str
    description: str
    department: str
    opens_at: datetime
    closes_at: datetime
    min_choices: int
    max_choices: int
    allow_change: bool
    is_open: bool
    candidates: list[CandidateOut]
    my_choices: list[int] | None


class BallotIn(Schema):
    candidates: list[int]


class BallotOut(Schema):
    vote: int
    candidates: list[int]
    changed: bool


class TallyRow(Schema):
    rank: int
    name: str
    votes: int
    percent: float
    chosen: bool


class TallyOut(Schema):
    vote: int
    final: bool
    voters: int
    rows: list[TallyRow]


def _maybe_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@router.get("/", response=list[VoteOut], auth=None, summary="民生投票 Votes")
def votes(request: HttpRequest) -> list[VoteOut]:
    user = _maybe_user(request)
    return [_vote(v, user) for v in selectors.public_votes().prefetch_related("candidates")[:50]]


def _vote(vote: Any, user: Any) -> VoteOut:
    return VoteOut(
        id=vote.pk,
        title=vote.title,
        description=vote.description,
        department=vote.department.name,
        opens_at=vote.opens_at,
        closes_at=vote.closes_at,
        min_choices=vote.min_choices,
        max_choices=vote.max_choices,
        allow_change=vote.allow_change,
        is_open=vote.is_open,
        candidates=[
            CandidateOut(id=c.pk, position=c.position, name=c.name, description=c.description)
            for c in vote.candidates.all()
        ],
        my_choices=selectors.my_ballot(user, vote),
    )


@router.get("/{vote_id}", response={200: VoteOut, **ERRORS}, summary="投票 Vote")
def get_vote(request: HttpRequest, vote_id: int) -> VoteOut:
    user = request.auth  # type: ignore[attr-defined]
    return _vote(selectors.vote(user, vote_id), user)


@router.post("/{vote_id}/ballot", response={200: BallotOut, **ERRORS}, summary="投票 Cast a ballot")
def cast(request: HttpRequest, vote_id: int, payload: BallotIn) -> BallotOut:
    """L2 real-name citizens only; one ballot each (409 ``already_voted``), changeable until the
    close where the vote allows it; 429 when attempts come too fast."""
    user = request.auth  # type: ignore[attr-defined]
    vote = selectors.vote(user, vote_id)
    result = vote_services.cast_ballot(
        actor=user,
        vote=vote,
        candidate_ids=payload.candidates,
        client=str(request.META.get("REMOTE_ADDR", "")),
    )
    return BallotOut(vote=vote.pk, candidates=sorted(set(payload.candidates)), changed=result.changed)


@router.get("/{vote_id}/results", response={200: TallyOut, **ERRORS}, auth=None, summary="投票结果 Tally")
def results(request: HttpRequest, vote_id: int) -> TallyOut:
    user = _maybe_user(request)
    vote = selectors.vote(user, vote_id)
    if not selectors.vote_results_visible(user, vote):
        raise DomainError(
            "results_not_public",
            "投票结果将在投票截止后公布",
            "the tally is published after the close",
            status=403,
        )
    tally = selectors.tally(vote)
    return TallyOut(
        vote=vote.pk, final=vote.is_closed, voters=tally.voters, rows=[TallyRow(**row) for row in tally.rows]
    )
