"""The mailbox and vote APIs over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhall.identity.tokens import issue_token
from govhall.mailbox.tests.helpers import mayor_mailbox
from govhall.surveys.tests.helpers import candidate_ids, close, open_vote, verified

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user).raw}"}


def post(client: Client, url: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_vote_over_the_api(client: Client, citizen: Any, clerk: Any, approver: Any, dept_a: Any) -> None:
    vote = open_vote(clerk, dept_a)
    ids = candidate_ids(vote, 10)
    listed = client.get("/api/v1/votes/").json()
    assert listed[0]["id"] == vote.pk and len(listed[0]["candidates"]) == 16
    url = f"/api/v1/votes/{vote.pk}/ballot"
    assert post(client, url, {"candidates": ids}, {}).status_code == 401
    headers = bearer(citizen)
    refused = post(client, url, {"candidates": ids}, headers)
    assert refused.status_code == 403 and refused.json()["code"] == "real_name_required"
    verified(citizen)
    assert post(client, url, {"candidates": ids}, headers).json() == {
        "vote": vote.pk,
        "candidates": sorted(ids),
        "changed": False,
    }
    again = post(client, url, {"candidates": ids}, headers)
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert client.get(f"/api/v1/votes/{vote.pk}", **headers).json()["my_choices"] is not None
    assert client.get(f"/api/v1/votes/{vote.pk}/results").status_code == 403
    close(vote)
    tally = client.get(f"/api/v1/votes/{vote.pk}/results").json()
    assert tally["final"] and tally["voters"] == 1 and sum(r["chosen"] for r in tally["rows"]) == 10


def test_letter_over_the_api(client: Client, citizen: Any) -> None:
    box = mayor_mailbox()
    assert client.get("/api/v1/mailbox/mailboxes").json()[0]["code"] == box.code
    payload = {"mailbox": box.code, "category": "consult", "subject": "咨询", "content": "如何办理居住证？"}
    headers = {**bearer(citizen), "HTTP_IDEMPOTENCY_KEY": "api-1"}
    first = post(client, "/api/v1/mailbox/my/letters", payload, headers)
    second = post(client, "/api/v1/mailbox/my/letters", payload, headers)
    assert first.status_code == 201 and first.json()["number"] == second.json()["number"]
    assert [x["number"] for x in client.get("/api/v1/mailbox/my/letters", **bearer(citizen)).json()] == [
        first.json()["number"]
    ]
    assert client.get("/api/v1/mailbox/letters").json() == []
