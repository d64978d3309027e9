"""Two people acting at once: exactly one wins. Real threads on PostgreSQL; in order on SQLite.

SQLite serialises writers at BEGIN (IMMEDIATE transactions), so on it the same rule is checked with
the two calls one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from govhall.cases import handling, services
from govhall.cases.models import Case, CaseMaterial, CaseNumberCounter, Task
from govhall.cases.tests.helpers import FORM, draft_with_materials, publish_item, staff_member, submitted
from govhall.catalog.content import MaterialSpec
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released together; each result or the exception raised."""
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


def test_two_approvers_complete_the_same_task_once(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, dept_a: Any
) -> None:
    second_approver = staff_member("approver2", dept_a, "approver")
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=case.tasks.get(step_kind="review"), action="approve")
    decide = case.tasks.get(step_kind="decide")

    outcomes = run(
        lambda: handling.complete_task(actor=approver, task=decide, action="approve", opinion="同意"),
        lambda: handling.complete_task(actor=second_approver, task=decide, action="deny", opinion="不同意"),
    )
    winners = [o for o in outcomes if isinstance(o, Task)]
    losers = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert (losers[0].status, losers[0].code) == (409, "task_already_completed")
    decide.refresh_from_db()
    case.refresh_from_db()
    assert decide.status == Task.Status.DONE
    assert case.decision == (Case.Decision.APPROVED if decide.action == "approve" else Case.Decision.DENIED)
    assert case.events.filter(kind="decided").count() == 1
    assert case.tasks.filter(step_kind="complete").count() == 1


def test_a_retried_submission_racing_the_first_files_one_case(citizen: Any, item: Any) -> None:
    draft = draft_with_materials(citizen, item)
    outcomes = run(
        lambda: services.submit_case(actor=citizen, draft=draft, idempotency_key="race"),
        lambda: services.submit_case(actor=citizen, draft=draft, idempotency_key="race"),
    )
    assert all(isinstance(o, services.SubmitResult) for o in outcomes), outcomes
    assert {o.case.pk for o in outcomes} == {draft.pk}
    assert sorted(o.created for o in outcomes) == [False, True]
    assert Case.objects.exclude(case_no=None).count() == 1
    assert Task.objects.count() == 1


def test_simultaneous_submissions_get_consecutive_numbers(
    citizen: Any, other_citizen: Any, item: Any
) -> None:
    drafts = [draft_with_materials(user, item) for user in (citizen, other_citizen)]
    outcomes = run(*[lambda d=d: services.submit_case(actor=d.applicant, draft=d) for d in drafts])
    assert all(isinstance(o, services.SubmitResult) for o in outcomes), outcomes
    numbers = sorted(o.case.case_no[-6:] for o in outcomes)
    assert numbers == ["000001", "000002"]
    assert CaseNumberCounter.objects.get().last == 2


def test_two_new_applications_with_one_key_file_one_case(citizen: Any, item: Any) -> None:
    paper_item = publish_item(
        item.department, name="证明开具", materials=[MaterialSpec(name="身份证", medium="paper")]
    )
    material = paper_item.current_version.materials.get()

    def apply() -> services.SubmitResult:
        return services.submit_case(
            actor=citizen,
            item=paper_item,
            form_data=dict(FORM),
            provided=[services.ProvidedMaterial(material_id=material.pk, kind=CaseMaterial.Kind.COUNTER)],
            idempotency_key="double-click",
        )

    outcomes = run(apply, apply)
    assert all(isinstance(o, services.SubmitResult) for o in outcomes), outcomes
    assert len({o.case.pk for o in outcomes}) == 1
    assert Case.objects.filter(item=paper_item).count() == 1
