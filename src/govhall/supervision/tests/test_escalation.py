"""提级督办: a supervisor hands an alert up to the region above; unexplained cards go up by themselves
after the configured number of working days. Audited, notified, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.core.errors import DomainError
from govhall.supervision import services
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import at
from govhall.supervision.tests.test_api import Api
from govhall.supervision.tests.test_lifecycle import actions

pytestmark = pytest.mark.django_db


def test_supervisor_escalates_a_county_card_to_the_city(
    cards: tuple[Alert, Alert], supervisor: Any, other_county_clerk: Any
) -> None:
    county_card = cards[1]
    escalated = services.escalate_alert(actor=supervisor, alert=county_card, note="多次超期，提请市级督办")
    assert escalated.escalated_to == county_card.region.parent
    assert escalated.escalated_by == supervisor and escalated.status == Alert.Status.OPEN
    assert actions(county_card)[-1] == "supervision.alert_escalated"
    assert supervisor.messages.filter(event="supervision.alert_escalated").exists()
    with pytest.raises(DomainError) as again:
        services.escalate_alert(actor=supervisor, alert=county_card, note="再次督办")
    assert again.value.code == "alert_already_escalated" and again.value.status == 409
    # The department still explains it afterwards; the life cycle goes on.
    explained = services.explain_alert(actor=other_county_clerk, alert=county_card, explanation="已整改")
    assert explained.status == Alert.Status.EXPLAINED and explained.is_escalated


def test_only_supervisors_escalate_and_a_reason_is_required(
    cards: tuple[Alert, Alert], clerk: Any, supervisor: Any, county_supervisor: Any
) -> None:
    city_card, county_card = cards
    with pytest.raises(DomainError) as clerk_tried:
        services.escalate_alert(actor=clerk, alert=city_card, note="想督办")
    assert clerk_tried.value.status == 403
    with pytest.raises(DomainError) as outsider:
        services.escalate_alert(actor=county_supervisor, alert=county_card, note="不属本区")
    assert outsider.value.status == 404  # another county's alert does not exist for them
    with pytest.raises(DomainError) as blank:
        services.escalate_alert(actor=supervisor, alert=city_card, note="  ")
    assert blank.value.status == 422
    city_card.refresh_from_db()
    assert not city_card.is_escalated and actions(city_card) == ["supervision.alert_raised"]


def test_a_decided_alert_is_not_escalated(cards: tuple[Alert, Alert], reviewer: Any, supervisor: Any) -> None:
    city_card = cards[0]
    services.explain_alert(actor=reviewer, alert=city_card, explanation="已整改")
    services.decide_alert(actor=supervisor, alert=city_card, decision="close")
    with pytest.raises(DomainError) as refused:
        services.escalate_alert(actor=supervisor, alert=city_card, note="督办")
    assert refused.value.code == "invalid_alert_status"


def test_unexplained_cards_escalate_after_three_working_days_once(
    cards: tuple[Alert, Alert], settings: Any, reviewer: Any
) -> None:
    settings.GOVHALL_SUPERVISION_ESCALATE_AFTER = 3
    city_card, county_card = cards  # raised Monday 7 December 2026
    services.explain_alert(actor=reviewer, alert=city_card, explanation="已整改")
    assert services.escalate_unexplained(now=at("2026-12-09 18:00")) == []  # two working days
    (escalated,) = services.escalate_unexplained(now=at("2026-12-10 08:00"))
    assert escalated.pk == county_card.pk and escalated.escalated_by is None
    assert "3 个工作日未说明" in escalated.escalation_note
    assert services.escalate_unexplained(now=at("2026-12-11 08:00")) == []
    assert actions(county_card).count("supervision.alert_escalated") == 1


def test_escalation_can_be_switched_off(cards: tuple[Alert, Alert], settings: Any) -> None:
    settings.GOVHALL_SUPERVISION_ESCALATE_AFTER = 0
    assert services.escalate_unexplained(now=at("2027-01-29 08:00")) == []


def test_escalate_through_the_api_and_the_page(
    cards: tuple[Alert, Alert], supervisor: Any, clerk: Any
) -> None:
    city_card, county_card = cards
    response = Api(supervisor).post(f"alerts/{county_card.pk}/escalate", {"note": "提请市级督办"})
    assert response.status_code == 200 and response.json()["escalated_to"] == county_card.region.parent.code
    assert Api(clerk).post(f"alerts/{city_card.pk}/escalate", {"note": "x"}).status_code == 403
    client = Client()
    client.force_login(supervisor)
    page = client.post(f"/supervision/alerts/{city_card.pk}/escalate/", {"note": "督办"}, follow=True)
    assert "已督办" in page.content.decode()
    listing = client.get("/supervision/alerts/?status=pending").content.decode()
    assert listing.count("已督办") == 2
