"""Public votes: who may vote, one ballot each, changes until the close, the tally after it."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.surveys import selectors, vote_services
from govhall.surveys.models import Ballot, BallotChoice
from govhall.surveys.tests.helpers import PROJECTS, candidate_ids, close, open_vote, verified

pytestmark = pytest.mark.django_db


def test_l2_citizen_votes_once(citizen: Any, clerk: Any, approver: Any, dept_a: Any) -> None:
    vote = open_vote(clerk, dept_a)
    voter = verified(citizen)
    result = vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=candidate_ids(vote, 10))
    assert not result.changed and result.ballot.choices.count() == 10
    with pytest.raises(Conflict) as error:
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=candidate_ids(vote, 10))
    assert error.value.code == "already_voted" and "每人只能投一次" in error.value.message_zh
    assert Ballot.objects.count() == 1 and BallotChoice.objects.count() == 10


def test_who_may_not_vote(
    citizen: Any, enterprise: Any, clerk: Any, approver: Any, dept_a: Any, platform_admin: Any
) -> None:
    vote = open_vote(clerk, dept_a)
    ids = candidate_ids(vote, 10)
    with pytest.raises(PermissionDenied) as error:
        vote_services.cast_ballot(actor=citizen, vote=vote, candidate_ids=ids)  # L1: registered only
    assert error.value.code == "real_name_required"
    for outsider, code in ((verified(enterprise), "citizens_only"), (verified(clerk, 3), "citizens_only")):
        with pytest.raises(PermissionDenied) as error:
            vote_services.cast_ballot(actor=outsider, vote=vote, candidate_ids=ids)
        assert error.value.code == code
    with pytest.raises(PermissionDenied) as error:
        vote_services.cast_ballot(actor=None, vote=vote, candidate_ids=ids)
    assert error.value.code == "login_required"
    assert not Ballot.objects.exists()
    # L3 (verified in person) votes too.
    vote_services.cast_ballot(actor=verified(citizen, 3), vote=vote, candidate_ids=ids)


def test_choice_count_and_candidates_are_checked(
    citizen: Any, clerk: Any, approver: Any, dept_a: Any
) -> None:
    vote = open_vote(clerk, dept_a)
    voter = verified(citizen)
    with pytest.raises(DomainError) as error:
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=candidate_ids(vote, 11))
    assert error.value.code == "choice_count" and "1至10" in error.value.message_zh
    with pytest.raises(DomainError):
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=[])
    other = open_vote(clerk, dept_a)
    with pytest.raises(DomainError) as error:
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=candidate_ids(other, 1))
    assert error.value.code == "invalid_candidate"
    # Repeated ids count once.
    first = candidate_ids(vote, 1)[0]
    vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=[first, first])
    assert BallotChoice.objects.filter(ballot__voter=voter).count() == 1


def test_ballot_changes_until_close_where_allowed(
    citizen: Any, clerk: Any, approver: Any, dept_a: Any
) -> None:
    vote = open_vote(clerk, dept_a, allow_change=True)
    voter = verified(citizen)
    ids = candidate_ids(vote, 16)
    vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=ids[:10])
    result = vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=ids[6:16])
    assert result.changed and result.ballot.changes == 1
    assert sorted(selectors.my_ballot(voter, vote) or []) == sorted(ids[6:16])
    assert Ballot.objects.count() == 1
    close(vote)
    with pytest.raises(Conflict) as error:
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=ids[:10])
    assert error.value.code == "vote_not_open"


def test_tally_public_only_after_close(
    citizen: Any,
    other_citizen: Any,
    clerk: Any,
    approver: Any,
    dept_a: Any,
    supervisor: Any,
    other_dept_approver: Any,
) -> None:
    vote = open_vote(clerk, dept_a)
    ids = candidate_ids(vote, 16)
    vote_services.cast_ballot(actor=verified(citizen), vote=vote, candidate_ids=ids[:10])
    vote_services.cast_ballot(actor=verified(other_citizen), vote=vote, candidate_ids=ids[5:15])
    for outsider in (citizen, None, other_dept_approver):
        assert not selectors.vote_results_visible(outsider, vote)
    assert selectors.vote_results_visible(clerk, vote) and selectors.vote_results_visible(supervisor, vote)
    close(vote)
    assert selectors.vote_results_visible(citizen, vote) and selectors.vote_results_visible(None, vote)
    tally = selectors.tally(vote)
    assert tally.voters == 2
    top = tally.rows[:5]
    assert [r["name"] for r in top] == [name for name, _ in PROJECTS[5:10]] and {r["votes"] for r in top} == {
        2
    }
    assert [r["chosen"] for r in tally.rows].count(True) == 10
    assert tally.rows[-1]["votes"] == 0 and tally.rows[-1]["name"] == PROJECTS[15][0]


def test_attempts_are_rate_limited_per_person(citizen: Any, clerk: Any, approver: Any, dept_a: Any) -> None:
    vote = open_vote(clerk, dept_a)
    voter = verified(citizen)
    for _ in range(vote_services.PERSON_ATTEMPTS):
        with pytest.raises(DomainError):
            vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=[])
    with pytest.raises(DomainError) as error:
        vote_services.cast_ballot(actor=voter, vote=vote, candidate_ids=candidate_ids(vote, 10))
    assert (error.value.code, error.value.status) == ("throttled", 429)


def test_attempts_are_rate_limited_per_address(
    citizen: Any, other_citizen: Any, clerk: Any, approver: Any, dept_a: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(vote_services, "ADDRESS_ATTEMPTS", 1)
    vote = open_vote(clerk, dept_a)
    vote_services.cast_ballot(
        actor=verified(citizen), vote=vote, candidate_ids=candidate_ids(vote, 10), client="10.1.1.1"
    )
    with pytest.raises(DomainError) as error:
        vote_services.cast_ballot(
            actor=verified(other_citizen), vote=vote, candidate_ids=candidate_ids(vote, 10), client="10.1.1.1"
        )
    assert error.value.status == 429


def test_building_votes(clerk: Any, approver: Any, other_dept_approver: Any, dept_a: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    common = {"opens_at": now, "closes_at": now + timedelta(days=3), "title": "票决"}
    with pytest.raises(DomainError) as error:
        vote_services.create_vote(
            actor=clerk, department=dept_a, candidates=PROJECTS[:3], max_choices=4, **common
        )
    assert error.value.code == "bad_choice_count"
    with pytest.raises(DomainError) as error:
        vote_services.create_vote(
            actor=clerk, department=dept_a, candidates=[("甲", ""), ("甲", "")], max_choices=1, **common
        )
    assert error.value.code == "bad_candidates"
    with pytest.raises(PermissionDenied):
        vote_services.create_vote(
            actor=other_dept_approver, department=dept_a, candidates=PROJECTS, max_choices=10, **common
        )
    vote = vote_services.create_vote(
        actor=clerk, department=dept_a, candidates=PROJECTS, max_choices=10, **common
    )
    with pytest.raises(PermissionDenied):
        vote_services.publish_vote(actor=clerk, vote=vote)
    vote_services.publish_vote(actor=approver, vote=vote)
    with pytest.raises(Conflict):
        vote_services.publish_vote(actor=approver, vote=vote)
