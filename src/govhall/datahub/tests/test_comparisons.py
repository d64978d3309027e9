"""Comparisons on DuckDB over generated data with a known set of mismatches."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from openpyxl import load_workbook

from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.datahub import comparisons, exchange, importing
from govhall.datahub.catalogue import ElementSpec, register_resource
from govhall.datahub.models import AccessLog, ComparisonJob, ComparisonResult, Dataset, Resource
from govhall.datahub.tests.test_import import csv_file
from govhall.identity.models import Department, User
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db


def own_resource(officer: User, provider: Department, name: str, elements: list[ElementSpec]) -> Resource:
    return register_resource(
        actor=officer,
        provider=provider,
        name=name,
        summary=name,
        elements=elements,
        key_element=elements[0].name,
        sharing_type=Resource.SharingType.CONDITIONAL,
        sharing_conditions="用于比对核查",
        update_cycle=Resource.UpdateCycle.MONTHLY,
        access_methods=["api"],
    )


def base_resource(officer: User, provider: Department, dataset: str, fields: list[str]) -> Resource:
    return register_resource(
        actor=officer,
        provider=provider,
        name=f"{dataset} 基础信息",
        summary="基础库",
        dataset=dataset,
        elements=[ElementSpec(f, "") for f in fields],
        key_element=fields[0],
        sharing_type=Resource.SharingType.CONDITIONAL,
        sharing_conditions="用于法定职责",
        update_cycle=Resource.UpdateCycle.DAILY,
        access_methods=["api"],
    )


def grant(
    resource: Resource,
    consumer: Department,
    consumer_officer: User,
    provider_officer: User,
    fields: list[str],
) -> None:
    applied = exchange.apply_for_access(
        actor=consumer_officer,
        resource=resource,
        consumer=consumer,
        purpose="开展数据比对，发现漏征漏管和冒领",
        legal_basis="《政务信息资源共享管理暂行办法》",
        fields=fields,
    )
    exchange.approve_access(actor=provider_officer, grant=applied, allowed_fields=fields)


def run(capture: Any, **arguments: Any) -> ComparisonJob:
    with capture(execute=True):
        job = comparisons.create_comparison(**arguments)
    job.refresh_from_db()
    return job


@pytest.fixture
def shandong(
    sources: None, scjgj: Department, scjgj_officer: User, swuju: Department, swuju_officer: User
) -> dict[str, Any]:
    """40 registered enterprises, 2 of them cancelled; the tax register lacks 7 active ones and the
    2 cancelled ones, and knows 3 enterprises registered elsewhere."""
    rng = random.Random(923)
    codes = sorted({random_uscc("445302", "91") for _ in range(43)})[:43]
    registered, outsiders = codes[:40], codes[40:]
    cancelled = set(rng.sample(registered, 2))
    rows = [["uscc", "name", "status"]] + [
        [code, f"企业{i}", "cancelled" if code in cancelled else "active"]
        for i, code in enumerate(registered)
    ]
    importing.start_import(
        actor=scjgj_officer, department=scjgj, upload=csv_file(rows, "e.csv"), dataset=Dataset.LEGAL_PERSON
    )
    absent = set(rng.sample([c for c in registered if c not in cancelled], 7)) | cancelled
    taxed = [code for code in registered if code not in absent] + outsiders
    tax = own_resource(
        swuju_officer,
        swuju,
        "税务登记户",
        [ElementSpec("uscc", "纳税人识别号", "uscc"), ElementSpec("taxpayer", "纳税人名称")],
    )
    tax_rows = [["uscc", "taxpayer"]] + [[code.lower(), "纳税人"] for code in taxed]
    job = importing.start_import(
        actor=swuju_officer, department=swuju, upload=csv_file(tax_rows, "t.csv"), resource=tax
    )
    assert job.status == "done", job.errors
    market = base_resource(scjgj_officer, scjgj, Dataset.LEGAL_PERSON, ["uscc", "name", "status"])
    return {"market": market, "tax": tax, "expected": sorted(absent - cancelled), "registered": registered}


def test_registered_but_not_taxed_finds_exactly_the_planted_enterprises(
    shandong: dict[str, Any],
    scjgj_officer: User,
    swuju: Department,
    swuju_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    market, tax = shandong["market"], shandong["tax"]
    arguments = {
        "actor": swuju_officer,
        "department": swuju,
        "name": "登记未办税企业比对",
        "kind": ComparisonJob.Kind.MISSING_IN_B,
        "resource_a": market,
        "key_a": "uscc",
        "resource_b": tax,
        "key_b": "uscc",
        "filter_a": {"field": "status", "value": "active"},
        "output_fields": ["name"],
    }
    with pytest.raises(PermissionDenied):
        comparisons.create_comparison(**arguments)
    grant(market, swuju, swuju_officer, scjgj_officer, ["uscc", "name", "status"])
    job = run(django_capture_on_commit_callbacks, **arguments)
    assert job.status == ComparisonJob.Status.DONE, job.error
    assert (job.rows_a, job.rows_b, job.progress) == (40, 34, 100)
    found = list(job.results.order_by("key_display"))
    assert [r.key_display for r in found] == shandong["expected"]
    assert set(found[0].data) == {"uscc", "name"} and found[0].data["name"].startswith("企业")
    # Reading market regulation's data for the comparison is an access under the grant.
    log = AccessLog.objects.get()
    assert (log.consumer, log.record_count, log.query) == (swuju, 40, {"comparison": job.pk})
    assert AuditEvent.objects.filter(action="datahub.comparison.run", after__results=7).exists()


def test_deceased_subsidy_recipients_are_found_without_decrypting_id_numbers(
    sources: None,
    gaj: Department,
    gaj_officer: User,
    mzj: Department,
    mzj_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    numbers = list(dict.fromkeys(random_id_number("445302") for _ in range(20)))[:15]
    dead = set(numbers[:4]) | {numbers[14]}  # numbers[14] is dead but receives nothing
    people = [["id_number", "name", "status"]] + [
        [n, "居民", "deceased" if n in dead else "normal"] for n in numbers
    ]
    importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file(people), dataset=Dataset.POPULATION
    )
    population = base_resource(gaj_officer, gaj, Dataset.POPULATION, ["id_number", "status"])
    grant(population, mzj, mzj_officer, gaj_officer, ["id_number", "status"])
    subsidy = own_resource(
        mzj_officer,
        mzj,
        "高龄津贴发放名单",
        [
            ElementSpec("id_number", "身份证号码", "id_number", True),
            ElementSpec("amount", "月发放金额", "decimal"),
        ],
    )
    recipients = [["id_number", "amount"]] + [[n, "200"] for n in numbers[:12]]
    importing.start_import(actor=mzj_officer, department=mzj, upload=csv_file(recipients), resource=subsidy)

    job = run(
        django_capture_on_commit_callbacks,
        actor=mzj_officer,
        department=mzj,
        name="已故人员仍领取高龄津贴",
        kind=ComparisonJob.Kind.MATCH_IN_B,
        resource_a=subsidy,
        key_a="id_number",
        resource_b=population,
        key_b="id_number",
        condition_b={"field": "status", "value": "deceased"},
        output_fields=["amount"],
    )
    assert job.status == "done", job.error
    shown = sorted(r.key_display for r in job.results.all())
    assert shown == sorted(n[:4] + "*" * 10 + n[-4:] for n in numbers[:4])
    assert not any(n in str(list(job.results.values("data", "key_display"))) for n in numbers)

    # Duplicate recipients across two programmes: a match without a condition.
    second = own_resource(
        mzj_officer, mzj, "特困人员供养名单", [ElementSpec("id_number", "身份证号码", "id_number", True)]
    )
    importing.start_import(
        actor=mzj_officer,
        department=mzj,
        upload=csv_file([["id_number"], *[[n] for n in numbers[10:15]]]),
        resource=second,
    )
    both = run(
        django_capture_on_commit_callbacks,
        actor=mzj_officer,
        department=mzj,
        name="重复领取",
        kind=ComparisonJob.Kind.MATCH_IN_B,
        resource_a=subsidy,
        key_a="id_number",
        resource_b=second,
        key_b="id_number",
    )
    assert both.result_count == 2  # numbers[10] and numbers[11]


def test_job_definitions_are_checked(
    shandong: dict[str, Any], scjgj: Department, scjgj_officer: User
) -> None:
    market, tax = shandong["market"], shandong["tax"]
    base = {
        "actor": scjgj_officer,
        "department": scjgj,
        "name": "x",
        "kind": "missing_in_b",
        "resource_a": market,
        "key_a": "uscc",
        "resource_b": tax,
        "key_b": "uscc",
    }
    with pytest.raises(PermissionDenied):  # market regulation holds no grant on the tax register
        comparisons.create_comparison(**base)
    for change, code in (
        ({"key_a": "name"}, "key_types"),
        ({"key_b": "nope"}, "unknown_field"),
        ({"kind": "fuzzy"}, "kind"),
        ({"condition_b": {"field": "taxpayer", "value": "x"}}, "condition_b"),
    ):
        with pytest.raises(DomainError) as caught:
            comparisons.create_comparison(**{**base, **change})
        assert caught.value.code == code


def test_assignment_follow_up_export_and_a_grant_revoked_before_the_run(
    shandong: dict[str, Any],
    scjgj: Department,
    scjgj_officer: User,
    swuju: Department,
    swuju_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    market, tax = shandong["market"], shandong["tax"]
    grant(market, swuju, swuju_officer, scjgj_officer, ["uscc", "name", "status"])
    arguments = {
        "actor": swuju_officer,
        "department": swuju,
        "name": "登记未办税",
        "kind": "missing_in_b",
        "resource_a": market,
        "key_a": "uscc",
        "resource_b": tax,
        "key_b": "uscc",
        "output_fields": ["name", "status"],
    }
    job = run(django_capture_on_commit_callbacks, **arguments)
    assert job.result_count == 9  # the cancelled ones too: no filter
    with pytest.raises(PermissionDenied):
        comparisons.assign_comparison(actor=scjgj_officer, job=job, department=scjgj)
    comparisons.assign_comparison(actor=swuju_officer, job=job, department=scjgj)
    first = job.results.order_by("id").first()
    assert first is not None
    comparisons.set_follow_up(
        actor=scjgj_officer, result=first, follow_up="confirmed", note="已责令办理税务登记"
    )
    assert ComparisonResult.objects.get(pk=first.pk).follow_up == "confirmed"
    sheet = load_workbook(io.BytesIO(comparisons.results_workbook(job))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 10 and rows[0][0] == "统一社会信用代码 uscc" and "已核实 confirmed" in rows[1:][0]

    # Queued, then the provider withdraws the grant: the run reads nothing and says why.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = comparisons.create_comparison(**arguments)
    active = market.grants.get(status="approved")
    exchange.revoke_access(actor=scjgj_officer, grant=active, reason="期满")
    for callback in callbacks:
        callback()
    queued.refresh_from_db()
    assert queued.status == "failed" and "grant" in queued.error
    assert AccessLog.objects.count() == 1
