"""The data hub demo seed: base databases filled from the demo city, idempotent, usable for L2 checks."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from govhall.core.models import AuditEvent
from govhall.datahub import services
from govhall.datahub.models import (
    CreditRecord,
    DataElement,
    FieldSource,
    LegalPersonRecord,
    MacroFigure,
    PersonRecord,
    Resource,
)
from govhall.identity import demo as identity_demo
from govhall.identity.models import User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models: list[Any] = [
        FieldSource,
        PersonRecord,
        LegalPersonRecord,
        MacroFigure,
        CreditRecord,
        Resource,
        DataElement,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_seed_fills_the_bases_once(settings: Any) -> None:
    settings.DEMO_MODE = True
    settings.GOVHALL_DEMO_PASSWORD = "demo-pass-for-tests-1"
    out = StringIO()
    call_command("seed_demo", citizens=30, enterprises=10, stdout=out)
    assert "datahub: people" in out.getvalue()
    first = counts()
    citizens = User.objects.filter(kind=User.Kind.CITIZEN).count()
    assert first["PersonRecord"] == citizens == 31  # 30 generated and demo-citizen
    assert first["LegalPersonRecord"] == User.objects.filter(kind=User.Kind.ENTERPRISE).count() == 11
    # Three indicators × five years × the city and its five counties.
    assert first["MacroFigure"] == 3 * 5 * 6
    assert first["CreditRecord"] == 6 and first["Resource"] == 4
    city_gdp = MacroFigure.objects.get(indicator_code="GDP", division_code="445300", period="2025").value
    counties = MacroFigure.objects.filter(indicator_code="GDP", period="2025").exclude(division_code="445300")
    assert abs(sum(f.value for f in counties) - city_gdp) < 1
    assert FieldSource.objects.get(dataset="population", field="id_number").department.code == "GAJ"
    assert FieldSource.objects.get(dataset="macro", field="RETAIL_SALES").department.code == "TJJ"

    started = time.monotonic()
    again = StringIO()
    call_command("seed_demo", citizens=30, enterprises=10, stdout=again)
    assert time.monotonic() - started < 5
    assert counts() == first and "datahub: nothing to do" in again.getvalue()
    # The seed run's own event records it; the data hub's seed writes none of its own.
    assert not AuditEvent.objects.filter(action__startswith="datahub.").exists()

    demo_citizen = User.objects.get(username="demo-citizen")
    assert demo_citizen.id_number == identity_demo.DEMO_CITIZEN_ID
    assert services.verify_real_name(demo_citizen.id_number, demo_citizen.display_name)
    assert not services.verify_real_name(demo_citizen.id_number, "别人")
    person = PersonRecord.objects.get(id_number_hash=demo_citizen.id_number_hash)
    assert person.household_division == "445302" and person.birth_date is not None
    assert person.birth_date.isoformat() == "1995-06-15"
