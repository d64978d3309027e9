"""The periodic sweep: reads only what is due or changed, per-region rules, idempotent, concurrent."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import publish_item, staff_member
from govhall.identity.models import Role
from govhall.supervision import evaluation, services
from govhall.supervision.case_rules import CASE
from govhall.supervision.models import Alert, SweepMark
from govhall.supervision.registry import Finding
from govhall.supervision.tasks import sweep_supervision_rules
from govhall.supervision.tests.helpers import accepted_case, alerts_of, at, file_case, only_rules


@pytest.mark.django_db
def test_the_sweep_loads_only_the_due_case(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("overdue")
    due = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")  # due 4 December
    later = accepted_case(other_citizen, item, clerk, clock, "2026-11-20 10:00")
    Case.objects.filter(pk=later.pk).update(promised_deadline=at("2027-03-01 23:59:59"))
    evaluation.sweep(now=at("2026-11-20 10:30"))  # sets the marks; both cases changed, nothing due
    assert Alert.objects.count() == 0
    with CaptureQueriesContext(connection) as queries:
        report = evaluation.sweep(now=at("2026-12-07 09:00"))
    assert (report.checked, report.raised["yellow"]) == (1, 1)
    loaded = [
        re.findall(r'"cases_caseevent"\."case_id" IN \(([^)]*)\)', q["sql"]) for q in queries.captured_queries
    ]
    assert [ids for ids in loaded if ids] == [[str(due.pk)]]  # one batch of facts: the due case alone
    listing = [q["sql"] for q in queries.captured_queries if '"cases_case"."promised_deadline" <' in q["sql"]]
    assert listing and all('"cases_case"."promised_deadline" >=' in sql for sql in listing)  # windowed
    assert evaluation.sweep(now=at("2026-12-07 09:05")).checked == 0
    assert alerts_of(due) == [("overdue", "yellow")] and alerts_of(later) == []


@pytest.mark.django_db
def test_the_sweep_picks_up_changes_since_its_watermark(
    citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("refusal_without_reason")
    evaluation.sweep(now=at("2026-11-23 08:00"))
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    Case.objects.filter(pk=case.pk).update(status=Case.Status.REJECTED)
    case.events.create(occurred_at=at("2026-11-23 09:30"), kind="rejected", to_status="rejected")
    report = evaluation.sweep(now=at("2026-11-23 09:35"))
    assert report.raised["yellow"] == 1
    assert SweepMark.objects.get(name="events").mark == at("2026-11-23 09:35")
    # Within the overlap the same entries are read again, and raise nothing again.
    assert evaluation.sweep(now=at("2026-11-23 09:40")).raised["yellow"] == 0


@pytest.mark.django_db
def test_a_region_sets_its_own_threshold_and_may_switch_a_rule_off(
    citizen: Any,
    other_citizen: Any,
    item: Any,
    county_dept: Any,
    other_county_dept: Any,
    clerk: Any,
    county_region: Any,
    other_county_region: Any,
    clock: Any,
) -> None:
    only_rules("deadline_approaching")
    services.save_rule(
        actor=None,
        kind="deadline_approaching",
        region=county_region,
        enabled=True,
        threshold=3,
        level="warning",
    )
    services.save_rule(
        actor=None,
        kind="deadline_approaching",
        region=other_county_region,
        enabled=False,
        threshold=1,
        level="warning",
    )
    county_clerk = staff_member("county_clerk", county_dept, Role.WINDOW_CLERK)
    other_clerk = staff_member("other_county_clerk", other_county_dept, Role.WINDOW_CLERK)
    city = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")  # due Friday 4 December
    county = accepted_case(citizen, publish_item(county_dept), county_clerk, clock, "2026-11-20 10:00")
    other = accepted_case(
        other_citizen, publish_item(other_county_dept), other_clerk, clock, "2026-11-20 10:00"
    )
    evaluation.sweep(now=at("2026-11-20 10:30"))
    # Monday 30 November: four working days left — nobody is warned.
    assert evaluation.sweep(now=at("2026-11-30 09:00")).raised["warning"] == 0
    # Tuesday 1 December: three left — the county's rule (3) warns, the city's default (1) does not.
    evaluation.sweep(now=at("2026-12-01 09:00"))
    assert (alerts_of(county), alerts_of(city)) == ([("deadline_approaching", "warning")], [])
    evaluation.sweep(now=at("2026-12-03 09:00"))
    assert alerts_of(city) == [("deadline_approaching", "warning")]
    assert alerts_of(other) == []  # switched off in 罗定市
    alert = Alert.objects.get(case=county)
    assert alert.rule is not None and alert.rule.region == county_region


@pytest.mark.django_db
def test_raising_the_same_finding_twice_makes_one_alert(citizen: Any, item: Any, clock: Any) -> None:
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    finding = Finding(
        kind="out_of_order",
        subject_type=CASE,
        subject_id=str(case.pk),
        key="completed_without_acceptance",
        department_id=case.lead_department_id,
        region_id=case.lead_department.region_id,
        title="未经受理即办结",
        case_id=case.pk,
    )
    ctx = evaluation.Context.load(at("2026-11-23 10:00"))
    assert len(services.raise_findings([finding], ctx=ctx)) == 1
    assert services.raise_findings([finding], ctx=ctx) == []
    assert Alert.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_periodic_task_runs_the_sweep(citizen: Any, item: Any, clerk: Any, clock: Any) -> None:
    only_rules("overdue")
    accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")
    clock("2026-12-07 09:00")
    assert sweep_supervision_rules.call_local()["raised"]["yellow"] == 1
    assert sweep_supervision_rules.call_local()["raised"]["yellow"] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_sweeps_at_once_raise_each_alert_once(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    cases = [
        accepted_case(person, item, clerk, clock, "2026-11-20 10:00") for person in (citizen, other_citizen)
    ]
    Task.objects.update(due_at=None)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            evaluation.sweep(now=at("2026-12-07 09:00"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for case in cases:
        assert alerts_of(case) == [("overdue", "yellow")]


def test_the_first_sweep_reads_only_recent_changes(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, clock: Any, settings: Any
) -> None:
    """A deployment joining an existing history checks the last 30 days of changes, not every case."""
    only_rules("overdue")
    old = accepted_case(citizen, item, clerk, clock, "2026-06-01 10:00")
    recent = accepted_case(other_citizen, item, clerk, clock, "2026-11-20 10:00")
    far = at("2027-06-01 23:59:59")  # neither is due: only the change window decides what is read
    Case.objects.filter(pk__in=[old.pk, recent.pk]).update(promised_deadline=far, statutory_deadline=far)
    assert evaluation.sweep(now=at("2026-11-20 10:30")).checked == 1
    SweepMark.objects.all().delete()
    settings.GOVHALL_SUPERVISION_FIRST_LOOKBACK_DAYS = 0  # the whole history
    assert evaluation.sweep(now=at("2026-11-20 10:30")).checked == 2
