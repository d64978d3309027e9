"""Many casts for one voter at once make exactly one ballot. Real threads on PostgreSQL; in order on SQLite.

SQLite serialises writers at BEGIN (IMMEDIATE transactions), so on it the same rule is checked with
the calls one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from govhall.core.errors import DomainError
from govhall.surveys import vote_services
from govhall.surveys.models import Ballot, BallotChoice
from govhall.surveys.tests.helpers import candidate_ids, open_vote, verified

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_at_once(*calls: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def run(*calls: Callable[[], Any]) -> list[Any]:
    if connection.vendor != "postgresql":
        outcomes: list[Any] = []
        for call in calls:
            try:
                outcomes.append(call())
            except DomainError as exc:
                outcomes.append(exc)
        return outcomes
    return run_at_once(*calls)


def test_simultaneous_casts_for_one_voter_make_one_ballot(
    citizen: Any, clerk: Any, approver: Any, dept_a: Any
) -> None:
    vote = open_vote(clerk, dept_a)
    voter = verified(citizen)
    ids = candidate_ids(vote, 16)
    outcomes = run(
        *[
            lambda i=i: vote_services.cast_ballot(
                actor=voter, vote=vote, candidate_ids=ids[i % 7 : i % 7 + 10]
            )
            for i in range(THREADS)
        ]
    )
    winners = [o for o in outcomes if isinstance(o, vote_services.CastResult)]
    losers = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(winners) == 1 and len(losers) == THREADS - 1, outcomes
    assert {(o.status, o.code) for o in losers} == {(409, "already_voted")}
    ballot = Ballot.objects.get()
    assert ballot.pk == winners[0].ballot.pk
    assert BallotChoice.objects.filter(ballot=ballot).count() == 10


def test_simultaneous_changes_leave_one_whole_ballot(
    citizen: Any, clerk: Any, approver: Any, dept_a: Any
) -> None:
    vote = open_vote(clerk, dept_a, allow_change=True)
    voter = verified(citizen)
    ids = candidate_ids(vote, 16)
    outcomes = run(
        *[
            lambda i=i: vote_services.cast_ballot(
                actor=voter, vote=vote, candidate_ids=ids[i % 7 : i % 7 + 10]
            )
            for i in range(THREADS)
        ]
    )
    assert all(isinstance(o, vote_services.CastResult) for o in outcomes), outcomes
    assert sorted(o.changed for o in outcomes) == [False] + [True] * (THREADS - 1)
    ballot = Ballot.objects.get()
    assert ballot.changes == THREADS - 1
    # The ballot holds exactly one caller's ten choices, never a mixture.
    chosen = sorted(BallotChoice.objects.filter(ballot=ballot).values_list("candidate_id", flat=True))
    assert chosen in [sorted(ids[i % 7 : i % 7 + 10]) for i in range(THREADS)]
