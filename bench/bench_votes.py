"""Public votes: casting ballots, and the tally of a large vote.

- Casting: ``vote_services.cast_ballot`` for M voters (``GOVHALL_BENCH_VOTE_CASTS``, default 300;
  eligibility, rate limit in the cache, choice checks, the savepoint insert under the one-ballot
  constraint, ten choices, an audit event), against inserting the same ballot and its choices with
  two bare ``create``/``bulk_create`` calls in a transaction per voter.
- Tally: :func:`govhall.surveys.selectors.tally` (one grouped count) over N ballots of ten choices
  each (``GOVHALL_BENCH_VOTE_VOTERS``, default 10,000), against loading every ballot choice and
  counting in Python. Both sides are checked to give the same counts.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from harness import Row, measure

DATABASES = ("sqlite", "postgresql")
VOTERS = int(os.environ.get("GOVHALL_BENCH_VOTE_VOTERS", "10000"))
CASTS = int(os.environ.get("GOVHALL_BENCH_VOTE_CASTS", "300"))
PROJECTS = [(f"民生项目{i:02d}", "") for i in range(1, 17)]


def _vote(title: str) -> Any:
    from django.utils import timezone

    from govhall.surveys import vote_services
    from govhall.testing import personas

    department = personas.department("dept_a")
    clerk = personas.staff("clerk")
    approver = personas.staff("approver")
    now = timezone.now()
    vote = vote_services.create_vote(
        actor=clerk,
        department=department,
        title=title,
        candidates=PROJECTS,
        min_choices=10,
        max_choices=10,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    return vote_services.publish_vote(actor=approver, vote=vote)


def _voters(prefix: str, n: int) -> list[Any]:
    from govhall.identity.models import User

    User.objects.bulk_create(
        [
            User(username=f"{prefix}{i:06d}", kind=User.Kind.CITIZEN, real_name_level=2, password="!")  # noqa: S106 - unusable
            for i in range(n)
        ],
        batch_size=2000,
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def _choices(rng: random.Random, ids: list[int]) -> list[int]:
    return rng.sample(ids, 10)


def _casting() -> Row:
    from django.db import transaction

    from govhall.surveys import vote_services
    from govhall.surveys.models import Ballot, BallotChoice

    rng = random.Random(7)
    service_vote, bare_vote = _vote("投票基准（服务）"), _vote("投票基准（直接写入）")
    service_ids = list(service_vote.candidates.values_list("pk", flat=True))
    bare_ids = list(bare_vote.candidates.values_list("pk", flat=True))
    voters = _voters("bench-cast-", CASTS)
    plans = [_choices(rng, list(range(16))) for _ in voters]

    started = time.perf_counter()
    for voter, plan in zip(voters, plans, strict=True):
        vote_services.cast_ballot(
            actor=voter, vote=service_vote, candidate_ids=[service_ids[i] for i in plan]
        )
    service = (time.perf_counter() - started) / CASTS

    started = time.perf_counter()
    for voter, plan in zip(voters, plans, strict=True):
        with transaction.atomic():
            ballot = Ballot.objects.create(vote=bare_vote, voter=voter, cast_at=bare_vote.opens_at)
            BallotChoice.objects.bulk_create(
                [BallotChoice(ballot=ballot, candidate_id=bare_ids[i]) for i in plan]
            )
    bare = (time.perf_counter() - started) / CASTS
    assert service_vote.ballots.count() == bare_vote.ballots.count() == CASTS
    return Row(
        figure=f"cast one ballot of 10 choices ({CASTS} voters)",
        value=service,
        baseline=bare,
        baseline_name="bare Ballot.create + bulk_create of its choices",
        notes=[
            f"{1 / service:.0f} ballots/s through the service (checks, rate limit, audit event), "
            f"{1 / bare:.0f} ballots/s bare"
        ],
    )


def _tally() -> Row:
    from govhall.surveys import selectors
    from govhall.surveys.models import Ballot, BallotChoice

    rng = random.Random(11)
    vote = _vote("投票基准（计票）")
    ids = list(vote.candidates.values_list("pk", flat=True))
    voters = _voters("bench-tally-", VOTERS)
    Ballot.objects.bulk_create(
        [Ballot(vote=vote, voter=voter, cast_at=vote.opens_at) for voter in voters], batch_size=2000
    )
    ballots = list(vote.ballots.values_list("pk", flat=True))
    BallotChoice.objects.bulk_create(
        [BallotChoice(ballot_id=b, candidate_id=c) for b in ballots for c in _choices(rng, ids)],
        batch_size=5000,
    )

    def grouped() -> dict[str, int]:
        return {row["name"]: row["votes"] for row in selectors.tally(vote).rows}

    def in_python() -> dict[str, int]:
        names = dict(vote.candidates.values_list("pk", "name"))
        counts = Counter(
            choice.candidate_id
            for choice in BallotChoice.objects.filter(ballot__vote=vote).only("candidate_id")
        )
        return {names[pk]: counts.get(pk, 0) for pk in names}

    fast = measure(grouped, [()], rounds=3)
    slow = measure(in_python, [()], rounds=3)
    assert fast.results == slow.results, (fast.results, slow.results)
    return Row(
        figure=f"tally a vote of {VOTERS:,} ballots × 10 choices",
        value=fast.per_call,
        baseline=slow.per_call,
        baseline_name="load every ballot choice, count in Python",
    )


def run() -> list[Row]:
    return [_casting(), _tally()]
