"""Writes of public votes (民生实事票决): building, publishing, casting ballots.

Only natural persons verified to real-name level L2 or above vote. One ballot per voter and vote is
the database's rule (unique constraint on (vote, voter)): simultaneous casts for one voter insert
one row, the others meet the constraint and either change that ballot (where the vote allows
changes until its close) or are told they have voted. Attempts are rate-limited per person and per
client address in the shared cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department, User
from govhall.surveys import ratelimit
from govhall.surveys.models import Ballot, BallotChoice, Candidate, Status, Vote
from govhall.surveys.services import check_window

MIN_LEVEL = User.RealNameLevel.L2
PERSON_ATTEMPTS = 10  # per minute
ADDRESS_ATTEMPTS = 120  # per minute from one client address (a household or office shares one)
MAX_CANDIDATES = 100

ALREADY_VOTED = (
    "already_voted",
    "您已投过票，每人只能投一次",
    "you have already voted; one ballot per person",
)


@dataclass(frozen=True)
class CastResult:
    ballot: Ballot
    changed: bool


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行该操作", "you may not do this", status=403)


def snapshot(vote: Vote) -> dict[str, Any]:
    return {
        "title": vote.title,
        "status": vote.status,
        "opens_at": vote.opens_at,
        "closes_at": vote.closes_at,
        "min_choices": vote.min_choices,
        "max_choices": vote.max_choices,
        "allow_change": vote.allow_change,
    }


@transaction.atomic
def create_vote(
    *,
    actor: Any,
    department: Department,
    title: str,
    candidates: Sequence[tuple[str, str]],
    max_choices: int,
    opens_at: datetime,
    closes_at: datetime,
    min_choices: int = 1,
    description: str = "",
    allow_change: bool = False,
) -> Vote:
    from govhall.surveys.permissions import department_ids

    if department.pk not in department_ids(actor):
        raise _forbidden()
    title = title.strip()
    if not title:
        raise DomainError(
            "title_required", "请填写投票标题", "a title is required", details={"field": "title"}
        )
    names = [name.strip() for name, _ in candidates]
    if (
        len(names) < 2
        or len(names) > MAX_CANDIDATES
        or any(not n for n in names)
        or len(set(names)) != len(names)
    ):
        raise DomainError(
            "bad_candidates",
            "候选项目应为2至100个，名称不能为空或重复",
            "2 to 100 candidates with distinct names",
            details={"field": "candidates"},
        )
    if not 1 <= min_choices <= max_choices <= len(names):
        raise DomainError(
            "bad_choice_count",
            "每人选择数量应在1与候选项目数之间，且至少数不大于最多数",
            "choices per voter must lie between 1 and the number of candidates",
            details={"field": "max_choices"},
        )
    check_window(opens_at, closes_at)
    vote = Vote.objects.create(
        title=title[:120],
        description=description.strip(),
        department=department,
        created_by=actor,
        opens_at=opens_at,
        closes_at=closes_at,
        max_choices=max_choices,
        min_choices=min_choices,
        allow_change=allow_change,
    )
    Candidate.objects.bulk_create(
        [
            Candidate(vote=vote, position=i, name=name[:120], description=desc.strip())
            for i, (name, (_, desc)) in enumerate(zip(names, candidates, strict=True), start=1)
        ]
    )
    record_event(
        actor=actor, action="surveys.vote_created", obj=vote, after={**snapshot(vote), "candidates": names}
    )
    return vote


@transaction.atomic
def publish_vote(*, actor: Any, vote: Vote) -> Vote:
    vote = Vote.objects.select_for_update(of=("self",)).select_related("department").get(pk=vote.pk)
    if not permissions.can_act(actor, vote, "publish"):
        raise _forbidden()
    if vote.status != Status.DRAFT:
        raise Conflict("not_draft", "只有草稿可以发布", "only a draft is published")
    if vote.closes_at <= timezone.now():
        raise Conflict("already_closed", "截止时间已过，请修改后再发布", "the close has passed")
    before = snapshot(vote)
    vote.status = Status.PUBLISHED
    vote.published_at = timezone.now()
    vote.save(update_fields=["status", "published_at"])
    record_event(actor=actor, action="surveys.vote_published", obj=vote, before=before, after=snapshot(vote))
    return vote


def check_voter(actor: Any) -> None:
    """Only natural persons verified to L2 or above; raises otherwise."""
    if not permissions.is_authenticated(actor):
        raise PermissionDenied("login_required", "请登录后投票", "log in to vote", status=401)
    if actor.kind != User.Kind.CITIZEN:
        raise PermissionDenied("citizens_only", "民生投票仅限个人实名用户参加", "only natural persons vote")
    if actor.real_name_level < MIN_LEVEL:
        raise PermissionDenied(
            "real_name_required",
            "仅限完成实名核验（L2及以上）的用户投票，请先进行实名认证",
            "only users verified to real-name level L2 or above may vote",
        )


def _chosen(vote: Vote, candidate_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in candidate_ids))
    valid = set(vote.candidates.values_list("pk", flat=True))
    if any(i not in valid for i in ids):
        raise DomainError(
            "invalid_candidate", "所选项目不属于本次投票", "a candidate is not part of this vote"
        )
    if not vote.min_choices <= len(ids) <= vote.max_choices:
        if vote.min_choices == vote.max_choices:
            zh = f"请选择{vote.max_choices}个项目（当前选择了{len(ids)}个）"
        else:
            zh = f"请选择{vote.min_choices}至{vote.max_choices}个项目（当前选择了{len(ids)}个）"
        raise DomainError("choice_count", zh, f"choose {vote.min_choices} to {vote.max_choices} candidates")
    return ids


def cast_ballot(
    *, actor: Any, vote: Vote, candidate_ids: Sequence[int], client: str = "", at: datetime | None = None
) -> CastResult:
    """Cast (or, where allowed, change) ``actor``'s one ballot in ``vote``."""
    check_voter(actor)
    ratelimit.hit("vote", f"user:{actor.pk}", limit=PERSON_ATTEMPTS)
    ratelimit.hit("vote-address", client, limit=ADDRESS_ATTEMPTS)
    moment = at or timezone.now()
    if not vote.is_open_at(moment):
        raise Conflict("vote_not_open", "投票未开始或已截止", "the vote is not open")
    if not vote.allow_change and Ballot.objects.filter(vote=vote, voter=actor).exists():
        raise Conflict(*ALREADY_VOTED)
    ids = _chosen(vote, candidate_ids)
    with transaction.atomic():
        changed = False
        before: list[int] | None = None
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(vote=vote, voter=actor, cast_at=moment)
        except IntegrityError:
            if not vote.allow_change:
                raise Conflict(*ALREADY_VOTED) from None
            ballot = Ballot.objects.select_for_update().get(vote=vote, voter=actor)
            before = sorted(ballot.choices.values_list("candidate_id", flat=True))
            ballot.choices.all().delete()
            ballot.changed_at = moment
            ballot.changes += 1
            ballot.save(update_fields=["changed_at", "changes"])
            changed = True
        BallotChoice.objects.bulk_create([BallotChoice(ballot=ballot, candidate_id=i) for i in ids])
        record_event(
            actor=actor,
            action="surveys.ballot_changed" if changed else "surveys.ballot_cast",
            obj=ballot,
            before={"candidates": before} if changed else None,
            after={"vote": vote.pk, "candidates": sorted(ids)},
        )
    return CastResult(ballot=ballot, changed=changed)
