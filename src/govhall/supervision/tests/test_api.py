"""/api/v1/supervision: alerts and metrics by persona."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhall.cases.tests.helpers import publish_item
from govhall.identity.tokens import issue_token
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import accepted_case, check, only_rules
from govhall.testing import personas

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user).raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/supervision/{path}", params, **self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/supervision/{path}", json.dumps(body), content_type="application/json", **self.headers
        )


@pytest.fixture
def cards(citizen: Any, item: Any, clerk: Any, other_county_clerk: Any, clock: Any) -> tuple[Alert, Alert]:
    only_rules("overdue")
    city = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")
    county_item = publish_item(personas.department("other_county_dept"))
    county = accepted_case(citizen, county_item, other_county_clerk, clock, "2026-11-20 10:00")
    (city_card,) = check(city, "2026-12-07 09:00")
    (county_card,) = check(county, "2026-12-07 09:00")
    return city_card, county_card


def test_alerts_by_persona(
    cards: tuple[Alert, Alert], supervisor: Any, county_supervisor: Any, clerk: Any, citizen: Any
) -> None:
    city_card, county_card = cards
    body = Api(supervisor).get("alerts").json()
    assert body["count"] == 2 and {a["id"] for a in body["items"]} == {city_card.pk, county_card.pk}
    item = next(a for a in body["items"] if a["id"] == city_card.pk)
    assert (item["level"], item["rule"], item["department"]) == ("yellow", "overdue", "SCJG")
    assert item["case_no"] == city_card.facts["case_no"] and item["status"] == "open"
    assert Api(county_supervisor).get("alerts").json() == {"count": 0, "items": []}
    assert [a["id"] for a in Api(clerk).get("alerts").json()["items"]] == [city_card.pk]
    refused = Api(citizen).get("alerts")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_alert_filters(cards: tuple[Alert, Alert], supervisor: Any) -> None:
    api = Api(supervisor)
    assert api.get("alerts", department="LDSCJG").json()["count"] == 1
    assert api.get("alerts", level="red").json()["count"] == 0
    assert api.get("alerts", period="2026-12", rule="overdue").json()["count"] == 2
    assert (
        api.get("alerts", limit=1).json()["count"] == 2
        and len(api.get("alerts", limit=1).json()["items"]) == 1
    )
    assert api.get("alerts", level="purple").status_code == 422
    assert api.get("alerts", period="someday").json()["code"] == "invalid_period"
    assert api.get("alerts", department="NOPE").status_code == 404


def test_explain_and_decide_through_the_api(
    cards: tuple[Alert, Alert], reviewer: Any, clerk: Any, supervisor: Any
) -> None:
    city_card = cards[0]
    explained = Api(reviewer).post(f"alerts/{city_card.pk}/explain", {"explanation": "已整改"})
    assert explained.status_code == 200 and explained.json()["status"] == "explained"
    refused = Api(clerk).post(f"alerts/{city_card.pk}/decide", {"decision": "close"})
    assert refused.status_code == 403
    decided = Api(supervisor).post(f"alerts/{city_card.pk}/decide", {"decision": "close", "note": "属实"})
    assert decided.status_code == 200 and decided.json()["status"] == "closed"
    assert Api(supervisor).post(f"alerts/{city_card.pk}/decide", {"decision": "close"}).status_code == 409


def test_metrics(cards: tuple[Alert, Alert], supervisor: Any, clerk: Any, citizen: Any) -> None:
    body = Api(supervisor).get("metrics", period="2026-11").json()
    assert body["period"] == "2026-11" and body["start"] == "2026-11-01" and body["end"] == "2026-12-01"
    assert {row["department"] for row in body["departments"]} == {"SCJG", "LDSCJG"}
    assert body["total"]["received"] == 2 and body["total"]["accepted"] == 2
    one = Api(supervisor).get("metrics", period="2026Q4", department="SCJG").json()
    assert [row["department"] for row in one["departments"]] == ["SCJG"]
    figures = one["departments"][0]["figures"]
    assert (figures["received"], figures["alerts"]["yellow"], figures["completion_rate"]) == (1, 1, "0.00")
    assert Api(clerk).get("metrics", period="2026Q4", department="LDSCJG").status_code == 404
    assert Api(citizen).get("metrics", period="2026Q4").status_code == 403
    assert Api(supervisor).get("metrics").status_code == 422  # the period is required
