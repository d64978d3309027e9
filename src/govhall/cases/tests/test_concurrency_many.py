"""Many clients at once on PostgreSQL: one Idempotency-Key files one case whatever the number of retries.

Real threads released together on PostgreSQL (each with its own connection); on SQLite, which
serialises writers, the same calls run one after the other.
"""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import services
from govhall.cases.models import Case, CaseMaterial, Task
from govhall.cases.tests.helpers import FORM, publish_item
from govhall.cases.tests.test_concurrency import run
from govhall.catalog.content import MaterialSpec

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def paper_item(department: Any) -> Any:
    return publish_item(department, name="证明开具", materials=[MaterialSpec(name="身份证", medium="paper")])


def apply_call(actor: Any, item: Any, key: str) -> Any:
    material = item.current_version.materials.get()

    def apply() -> services.SubmitResult:
        return services.submit_case(
            actor=actor,
            item=item,
            form_data=dict(FORM),
            provided=[services.ProvidedMaterial(material_id=material.pk, kind=CaseMaterial.Kind.COUNTER)],
            idempotency_key=key,
        )

    return apply


def test_n_retries_with_one_key_file_one_case(citizen: Any, item: Any) -> None:
    target = paper_item(item.department)
    outcomes = run(*[apply_call(citizen, target, "same-key") for _ in range(THREADS)])
    assert all(isinstance(o, services.SubmitResult) for o in outcomes), outcomes
    assert len({o.case.pk for o in outcomes}) == 1
    assert [o.created for o in outcomes].count(True) == 1
    case = Case.objects.get(item=target)
    assert case.case_no and {o.case.case_no for o in outcomes} == {case.case_no}
    assert case.events.filter(kind="submitted").count() == 1
    assert Task.objects.filter(case=case).count() == 1


def test_n_keys_at_once_file_n_cases_with_distinct_numbers(
    citizen: Any, other_citizen: Any, item: Any
) -> None:
    target = paper_item(item.department)
    calls = [apply_call(citizen if n % 2 else other_citizen, target, f"key-{n}") for n in range(THREADS)]
    # Each key twice, all released together: still one case per key.
    outcomes = run(*calls, *calls)
    assert all(isinstance(o, services.SubmitResult) for o in outcomes), outcomes
    cases = Case.objects.filter(item=target)
    assert cases.count() == THREADS
    numbers = sorted(c.case_no for c in cases)
    assert len(set(numbers)) == THREADS
    assert [o.created for o in outcomes].count(True) == THREADS
    assert Task.objects.filter(case__item=target).count() == THREADS
