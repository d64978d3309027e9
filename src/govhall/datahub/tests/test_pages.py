"""The data hub pages, driven with the test client as the people who use them."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from govhall.core.models import AuditEvent
from govhall.datahub import exchange, services
from govhall.datahub.models import (
    AccessCredential,
    AccessGrant,
    ComparisonJob,
    ContributedUpdate,
    Dataset,
    Resource,
)
from govhall.datahub.tests.test_exchange import legal_resource
from govhall.datahub.tests.test_import import csv_file
from govhall.identity.models import Department, User
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def test_catalogue_search_and_export(
    client: Client, sources: None, scjgj: Department, scjgj_officer: User
) -> None:
    resource = legal_resource(scjgj_officer, scjgj)
    assert resource.name not in text(client.get("/datahub/catalogue/"))  # not open to the public
    page = text(as_user(client, scjgj_officer).get("/datahub/catalogue/", {"q": "法定代表人"}))
    assert resource.name in page and "共 1 项资源" in page and "登记资源" in page
    assert "共 0 项资源" in text(client.get("/datahub/catalogue/", {"q": "不存在的东西"}))
    exported = client.get("/datahub/catalogue/export.xlsx", {"q": "法定代表人"})
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None and [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        resource.code
    ]


def test_register_apply_approve_and_take_a_credential_through_the_pages(
    sources: None, scjgj: Department, scjgj_officer: User, swuju: Department, swuju_officer: User
) -> None:
    market, tax = Client(), Client()
    market.force_login(scjgj_officer)
    tax.force_login(swuju_officer)
    created = market.post(
        "/datahub/catalogue/new/",
        {
            "provider": scjgj.pk,
            "name": "企业年报信息",
            "summary": "企业年度报告公示信息",
            "elements": "uscc,统一社会信用代码,uscc\nemployees,从业人数,integer\ncontact,联系人,text,个人",
            "key_element": "uscc",
            "sharing_type": "conditional",
            "sharing_conditions": "用于监管",
            "open_type": "not_open",
            "update_cycle": "yearly",
            "format": "database",
            "access_methods": ["api"],
        },
    )
    assert created.status_code == 302, created.content.decode()
    resource = Resource.objects.get(name="企业年报信息")
    assert resource.elements.get(name="contact").is_personal

    applied = tax.post(
        f"/datahub/catalogue/{resource.code}/",
        {
            "consumer": swuju.pk,
            "purpose": "核定企业所得税",
            "legal_basis": "税收征收管理法",
            "requested_fields": ["uscc", "employees"],
        },
    )
    assert applied.status_code == 302
    grant = AccessGrant.objects.get()
    assert "待审核" in text(tax.get(f"/datahub/grants/{grant.pk}/")) and "批准</button>" not in text(
        tax.get(f"/datahub/grants/{grant.pk}/")
    )
    assert "企业年报信息" in text(market.get("/datahub/grants/"))
    approved = market.post(
        f"/datahub/grants/{grant.pk}/",
        {
            "action": "approve",
            "allowed_fields": ["uscc"],
            "rate_limit_per_minute": "30",
            "conditions": "仅限税收",
        },
    )
    assert approved.status_code == 302
    grant.refresh_from_db()
    assert grant.status == "approved" and grant.allowed_fields == ["uscc"]

    page = text(tax.post(f"/datahub/grants/{grant.pk}/", {"action": "credential"}))
    raw = re.search(r"(dh_[A-Za-z0-9_-]{20,})", page)
    assert raw is not None
    assert AccessCredential.objects.get().key_hash == AccessCredential.hash_key(raw.group(1))
    assert raw.group(1) not in text(tax.get(f"/datahub/grants/{grant.pk}/"))  # shown once
    # The consumer cannot approve or revoke.
    assert tax.post(f"/datahub/grants/{grant.pk}/", {"action": "revoke", "reason": "x"}).status_code == 403


def test_citizens_see_no_data_hub_pages(
    client: Client, citizen: User, sources: None, gaj: Department, gaj_officer: User
) -> None:
    from govhall.datahub.catalogue import ElementSpec, register_resource

    resource = register_resource(
        actor=gaj_officer,
        provider=gaj,
        name="人口基础信息",
        summary="户籍人口",
        dataset=Dataset.POPULATION,
        elements=[ElementSpec("id_number", ""), ElementSpec("name", "")],
        key_element="id_number",
        sharing_type="conditional",
        sharing_conditions="法定职责",
        update_cycle="realtime",
        access_methods=["api"],
    )
    as_user(client, citizen)
    for url in (
        "/datahub/",
        "/datahub/people/",
        "/datahub/grants/",
        "/datahub/imports/",
        "/datahub/access-log/",
    ):
        assert client.get(url).status_code == 403, url
    assert "人口基础信息" not in text(client.get("/datahub/catalogue/"))
    assert client.get(f"/datahub/catalogue/{resource.code}/").status_code == 404


def test_person_lookup_page_is_masked_and_audited(
    client: Client, sources: None, gaj: Department, gaj_officer: User, mzj_officer: User
) -> None:
    number = random_id_number("445302")
    services.save_record(
        actor=gaj_officer,
        department=gaj,
        dataset=Dataset.POPULATION,
        values={"id_number": number, "name": "赵小红"},
    )
    as_user(client, mzj_officer)
    assert client.get("/datahub/people/").status_code == 403
    as_user(client, gaj_officer)
    page = text(client.post("/datahub/people/", {"id_number": number, "purpose": "核查户籍证明申请"}))
    assert "赵**" in page and number not in page and number[:4] + "*" * 10 + number[-4:] in page
    assert AuditEvent.objects.filter(
        action="datahub.population.read", after__purpose="核查户籍证明申请"
    ).exists()


def test_import_page_shows_progress_and_the_report(
    client: Client, sources: None, gaj: Department, gaj_officer: User
) -> None:
    as_user(client, gaj_officer)
    bad = random_id_number()
    upload = csv_file(
        [
            ["id_number", "name"],
            [random_id_number(), "甲"],
            [bad[:-1] + ("0" if bad[-1] != "0" else "1"), "乙"],
        ]
    )
    response = client.post(
        "/datahub/imports/",
        {"department": gaj.pk, "target": "dataset:population", "mode": "all_or_nothing", "file": upload},
    )
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "第 3 行 line 3" in page and "未导入 failed" in page and 'aria-valuenow="100"' in page
    fragment = text(client.get(response["Location"], HTTP_HX_REQUEST="true"))
    assert (
        fragment.startswith('<div id="import-progress"') and "hx-get" not in fragment
    )  # finished: no polling


def test_comparison_pages_create_show_assign_and_export(
    client: Client,
    sources: None,
    scjgj: Department,
    scjgj_officer: User,
    swuju: Department,
    swuju_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    codes = [random_uscc("445302", "91") for _ in range(3)]
    for code in codes:
        services.save_record(
            actor=scjgj_officer,
            department=scjgj,
            dataset=Dataset.LEGAL_PERSON,
            values={"uscc": code, "name": "石材厂"},
        )
    market = legal_resource(scjgj_officer, scjgj)
    grant = exchange.apply_for_access(
        actor=swuju_officer,
        resource=market,
        consumer=swuju,
        purpose="税源核查",
        legal_basis="税法",
        fields=["uscc", "name"],
    )
    exchange.approve_access(actor=scjgj_officer, grant=grant, allowed_fields=["uscc", "name"])
    from govhall.datahub.catalogue import ElementSpec, register_resource

    tax = register_resource(
        actor=swuju_officer,
        provider=swuju,
        name="税务登记户",
        summary="纳税人",
        elements=[ElementSpec("uscc", "纳税人识别号", "uscc")],
        key_element="uscc",
        sharing_type="conditional",
        sharing_conditions="税收",
        update_cycle="daily",
        access_methods=["api"],
    )
    as_user(client, swuju_officer)
    client.post(
        "/datahub/imports/",
        {
            "department": swuju.pk,
            "target": f"resource:{tax.code}",
            "mode": "all_or_nothing",
            "file": csv_file([["uscc"], [codes[0]]]),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/datahub/comparisons/",
            {
                "department": swuju.pk,
                "name": "登记未办税",
                "kind": "missing_in_b",
                "resource_a": market.code,
                "key_a": "uscc",
                "resource_b": tax.code,
                "key_b": "uscc",
                "output_fields": "name",
                "condition_op": "=",
            },
        )
    assert response.status_code == 302, response.content.decode()
    job = ComparisonJob.objects.get()
    page = text(client.get(response["Location"]))
    assert "找到 2 条" in page and all(code in page for code in codes[1:]) and codes[0] not in page
    assert client.post(response["Location"], {"action": "assign", "department": scjgj.pk}).status_code == 302
    job.refresh_from_db()
    assert job.assigned_department == scjgj
    exported = client.get(f"/datahub/comparisons/{job.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None and len(list(sheet.iter_rows())) == 3


def test_access_log_and_contribution_pages(
    client: Client, sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User
) -> None:
    number = random_id_number()
    services.save_record(
        actor=gaj_officer,
        department=gaj,
        dataset=Dataset.POPULATION,
        values={"id_number": number, "name": "钱七"},
    )
    services.save_record(
        actor=mzj_officer,
        department=mzj,
        dataset=Dataset.POPULATION,
        values={"id_number": number, "status": "deceased"},
    )
    contribution = ContributedUpdate.objects.get()
    as_user(client, mzj_officer)
    assert "等待 云浮市公安局 确认" in text(client.get("/datahub/contributions/"))
    as_user(client, gaj_officer)
    assert "采纳" in text(client.get("/datahub/contributions/"))
    client.post(
        "/datahub/contributions/", {"id": contribution.pk, "decision": "confirm", "note": "死亡证明已核"}
    )
    contribution.refresh_from_db()
    assert contribution.status == "confirmed"
    assert "暂无访问记录" in text(client.get("/datahub/access-log/"))


def test_the_admin_lists_data_hub_objects_read_only(
    client: Client, platform_admin: User, sources: None
) -> None:
    platform_admin.is_staff = True
    platform_admin.save()
    as_user(client, platform_admin)
    page = client.get("/admin/datahub/fieldsource/")
    assert page.status_code == 200 and "population" in page.content.decode()
    assert client.get("/admin/datahub/fieldsource/add/").status_code == 403
