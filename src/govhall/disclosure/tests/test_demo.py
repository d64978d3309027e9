"""The demo disclosure data: created through the demo city's departments and people, once."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from govhall.disclosure import demo, search
from govhall.disclosure.models import InformationRequest, NegativeListEntry, PenaltyDecision, Publication
from govhall.identity.models import Department, Membership, Role
from govhall.testing import personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(citizen: Any, enterprise: Any) -> None:
    city = personas.region(personas.CITY)
    county = personas.region(personas.COUNTY)
    citizen.username, enterprise.username = "demo-citizen", "demo-enterprise"
    citizen.save(update_fields=["username"])
    enterprise.save(update_fields=["username"])
    for code, region in [
        ("SCJGJ", city),
        ("MZJ", city),
        ("ZJJ", city),
        ("GAJ", city),
        ("SCJGJ-5302", county),
    ]:
        department = Department.objects.create(
            code=code,
            name=f"云浮市{code}",
            short_name=code,
            region=region,
            uscc=personas.random_uscc(region.code, "11"),
        )
        for role in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER):
            user = personas.services.create_staff(
                actor=None,
                username=f"{code.lower()}-{role}",
                password=personas.PASSWORD,
                display_name=role,
                memberships=[(department, role)],
            )
            assert Membership.objects.filter(user=user).exists()


def run(seed: int = 5) -> tuple[dict[str, int], str]:
    out = io.StringIO()
    return demo.seed(out, random.Random(seed)), out.getvalue()


def test_demo_seeds_once_with_consistent_numbers(demo_city: None) -> None:
    created, _ = run()
    assert created["publications"] >= 20 and created["reviews"] == created["publications"]
    assert created["negative list entries"] == 14 and created["penalty decisions"] == 6
    assert created["information requests"] == 4 and created["drafts in review"] == 1
    for department_id in set(Publication.objects.values_list("department_id", flat=True)):
        years = Publication.objects.filter(
            department_id=department_id, index_sequence__isnull=False
        ).values_list("index_year", "index_sequence")
        by_year: dict[int, list[int]] = {}
        for year, sequence in years:
            by_year.setdefault(year, []).append(sequence)
        assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in by_year.values())
    assert Publication.objects.filter(status=Publication.Status.WITHDRAWN).count() == 1
    assert set(InformationRequest.objects.values_list("status", flat=True)) == {
        "answered",
        "processing",
        "correcting",
    }
    assert all("*" in p.party_public_name for p in PenaltyDecision.objects.filter(party_kind="natural"))
    assert NegativeListEntry.objects.filter(kind="prohibited").count() == 5
    assert search.search("食品安全抽检", kinds=["publication"])
    again, output = run(seed=6)
    assert again == {} and "nothing new" in output
