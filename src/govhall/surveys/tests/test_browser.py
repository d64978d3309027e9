"""In a real browser: an L2 citizen votes for ten projects once and cannot vote twice."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.surveys.models import Ballot, BallotChoice
from govhall.surveys.tests.helpers import open_vote, verified
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_votes_once_and_cannot_vote_twice(page: Any, live_server: Any, screenshot: Any) -> None:
    department = personas.department("dept_a")
    personas.staff("approver")  # publishes the vote
    vote = open_vote(personas.staff("clerk"), department)
    citizen = verified(personas.citizen("citizen"))

    page.goto(f"/accounts/login/?next=/surveys/votes/{vote.pk}/")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/surveys/votes/{vote.pk}/")

    boxes = page.locator("input[name=candidate]")
    assert boxes.count() == 16
    for index in range(10):
        boxes.nth(index).check()
    # The eleventh is disabled once ten are ticked.
    assert boxes.nth(10).is_disabled()
    assert page.locator("#picked").inner_text() == "10"
    screenshot(page, "vote-ballot")
    page.get_by_role("button", name="提交投票").click()
    page.wait_for_selector("#voted")
    assert "投票成功" in page.content()
    assert page.locator("input[name=candidate]").first.is_disabled()
    screenshot(page, "vote-cast")

    # A second attempt from a second tab that still shows the ballot: a clear refusal, no second ballot.
    other = page.context.new_page()
    other.goto(f"/surveys/votes/{vote.pk}/")
    other.evaluate("document.querySelector('form#ballot fieldset').disabled = false")
    other.locator("input[name=candidate]").nth(15).check()
    other.locator("form#ballot button[type=submit]").click()
    other.wait_for_selector("#vote-error")
    assert "您已投过票，每人只能投一次" in other.locator("#vote-error").inner_text()
    assert other.locator("#picked").inner_text() == "10"  # the stored ballot, not the refused one
    screenshot(other, "vote-twice-refused")
    assert Ballot.objects.filter(vote=vote, voter=citizen).count() == 1
    assert BallotChoice.objects.filter(ballot__vote=vote).count() == 10
