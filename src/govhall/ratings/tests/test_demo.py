"""The demo ratings, consultations and complaint: created through the services, once."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from govhall.cases.tests.helpers import publish_item
from govhall.complaints.models import Complaint, Consultation
from govhall.identity import services as identity_services
from govhall.identity.models import Department, Role
from govhall.ratings import demo
from govhall.ratings.models import Rating, Rectification
from govhall.testing import personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(citizen: Any) -> None:
    city = personas.region(personas.CITY)
    citizen.username = "demo-citizen"
    citizen.save(update_fields=["username"])
    market = Department.objects.create(
        code="SCJGJ",
        name="云浮市市场监督管理局",
        short_name="市市场监管局",
        region=city,
        uscc=personas.random_uscc(city.code, "11"),
    )
    centre = Department.objects.create(
        code="ZWFW",
        name="云浮市政务服务中心",
        short_name="政务服务中心",
        region=city,
        uscc=personas.random_uscc(city.code, "11"),
    )
    identity_services.create_staff(
        actor=None,
        username="demo-clerk",
        password=personas.PASSWORD,
        display_name="李文静",
        memberships=[(centre, Role.WINDOW_CLERK), (market, Role.WINDOW_CLERK)],
    )
    identity_services.create_staff(
        actor=None,
        username="demo-approver",
        password=personas.PASSWORD,
        display_name="黄志强",
        memberships=[(market, Role.REVIEWER), (market, Role.APPROVER)],
    )
    publish_item(market)


def test_demo_seeds_once(demo_city: None) -> None:
    created = demo.seed(io.StringIO(), random.Random(1))
    assert created["ratings"] == 66 == Rating.objects.count()
    assert created["consultations"] == 2 == Consultation.objects.count()
    assert Complaint.objects.count() == 1
    assert Rectification.objects.filter(rating__rater__username="demo-citizen").count() == 1
    assert created["completed cases"] == 1
    assert demo.seed(io.StringIO(), random.Random(1)) == {}
    assert Rating.objects.count() == 66
