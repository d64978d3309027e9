"""Governed exchange over HTTP: apply → approve with fields → credential → scoped, masked, logged query."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from govhall.core.models import AuditEvent
from govhall.datahub import services
from govhall.datahub.catalogue import ElementSpec, register_resource
from govhall.datahub.models import AccessGrant, AccessLog, Dataset, Resource
from govhall.identity.models import Department, User
from govhall.identity.tokens import issue_token
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db

LEGAL_FIELDS = ["uscc", "name", "entity_type", "legal_representative", "registered_capital", "status"]


class Api:
    def __init__(self, client: Client, user: Any = None, raw: str = "") -> None:
        self.client = client
        token = raw or (issue_token(user=user).raw if user is not None else "")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, **self.headers)

    def post(self, url: str, payload: Any = None) -> Any:
        return self.client.post(
            url, json.dumps(payload or {}), content_type="application/json", **self.headers
        )


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["message_zh"] and body["message_en"]
    return str(body["code"])


def legal_resource(officer: User, scjgj: Department) -> Resource:
    return register_resource(
        actor=officer,
        provider=scjgj,
        code="445300-SCJGJ-0001",
        name="法人单位基础信息",
        summary="市场主体登记信息：名称、类型、法定代表人、注册资本、登记状态",
        dataset=Dataset.LEGAL_PERSON,
        elements=[ElementSpec(name, "") for name in LEGAL_FIELDS],
        key_element="uscc",
        sharing_type=Resource.SharingType.CONDITIONAL,
        sharing_conditions="用于法定职责范围内的税收征管、监管执法",
        update_cycle=Resource.UpdateCycle.DAILY,
        access_methods=["api", "query"],
    )


@pytest.fixture
def enterprises(sources: None, scjgj: Department, scjgj_officer: User) -> list[str]:
    codes = [random_uscc("445302", "91") for _ in range(3)]
    for i, code in enumerate(codes):
        services.save_record(
            actor=scjgj_officer,
            department=scjgj,
            dataset=Dataset.LEGAL_PERSON,
            values={
                "uscc": code,
                "name": f"云浮市第{i}石材有限公司",
                "entity_type": "company",
                "legal_representative": f"法人{i}",
                "registered_capital": str(100 * (i + 1)),
                "status": "active",
            },
        )
    return codes


def test_tax_applies_market_regulation_approves_tax_queries_and_is_logged(
    client: Client,
    enterprises: list[str],
    scjgj: Department,
    scjgj_officer: User,
    swuju: Department,
    swuju_officer: User,
    mzj_officer: User,
    supervisor: User,
) -> None:
    resource = legal_resource(scjgj_officer, scjgj)
    tax, market = Api(client, swuju_officer), Api(client, scjgj_officer)

    listed = tax.get("/api/v1/datahub/resources", q="法定代表人")
    assert [r["code"] for r in listed.json()] == [resource.code]

    applied = tax.post(
        f"/api/v1/datahub/resources/{resource.code}/applications",
        {
            "purpose": "核查辖区企业税务登记情况，追缴漏征税款",
            "legal_basis": "《中华人民共和国税收征收管理法》第十五条",
            "fields": ["uscc", "name", "legal_representative", "registered_capital"],
        },
    )
    assert applied.status_code == 201, applied.content
    grant = applied.json()
    assert grant["status"] == "pending" and grant["consumer"] == "SWUJU"
    # The consumer cannot approve its own application; the provider can.
    assert error_code(
        tax.post(f"/api/v1/datahub/grants/{grant['id']}/approve", {"allowed_fields": ["uscc"]}), 403
    )
    approved = market.post(
        f"/api/v1/datahub/grants/{grant['id']}/approve",
        {
            "allowed_fields": ["uscc", "name", "legal_representative"],
            "conditions": "仅限税收征管使用，不得向第三方提供",
            "expires_on": str(timezone.localdate() + timedelta(days=365)),
        },
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["allowed_fields"] == ["uscc", "name", "legal_representative"]
    assert AuditEvent.objects.filter(action="datahub.grant.approve", object_id=str(grant["id"])).exists()

    issued = tax.post(f"/api/v1/datahub/grants/{grant['id']}/credentials")
    assert issued.status_code == 201
    raw = issued.json()["credential"]
    assert raw.startswith("dh_") and raw not in str(list(resource.grants.values()))
    system = Api(client, raw=raw)

    answer = system.get(f"/api/v1/datahub/resources/{resource.code}/records")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] == 3 and body["fields"] == ["uscc", "name", "legal_representative"]
    assert all(set(row) == {"uscc", "name", "legal_representative"} for row in body["records"])
    assert "registered_capital" not in answer.content.decode()
    one = system.get(f"/api/v1/datahub/resources/{resource.code}/records", key=enterprises[1].lower())
    assert one.json()["records"] == [
        {"uscc": enterprises[1], "name": "云浮市第1石材有限公司", "legal_representative": "法人1"}
    ]
    asked_for_more = system.get(
        f"/api/v1/datahub/resources/{resource.code}/records", fields="name,registered_capital"
    )
    assert error_code(asked_for_more, 403) == "field_not_granted"

    log = market.get("/api/v1/datahub/access-log").json()
    assert [(e["consumer"], e["record_count"], e["grant"]) for e in log] == [
        ("SWUJU", 1, grant["id"]),
        ("SWUJU", 3, grant["id"]),
    ]
    assert log[0]["purpose"].startswith("核查辖区企业") and log[0]["credential"] == raw[:10]
    assert enterprises[1] not in json.dumps(log)
    # Supervisors of the region read the log too; an unrelated department does not.
    assert len(Api(client, supervisor).get("/api/v1/datahub/access-log").json()) == 2
    assert Api(client, mzj_officer).get("/api/v1/datahub/access-log").json() == []

    # Another department, with no grant, is refused, by token and by a credential of another grant.
    other = Api(client, mzj_officer).get(f"/api/v1/datahub/resources/{resource.code}/records")
    assert error_code(other, 403) == "no_grant"
    assert error_code(Api(client).get(f"/api/v1/datahub/resources/{resource.code}/records"), 401)
    assert error_code(
        Api(client, raw="dh_forged").get(f"/api/v1/datahub/resources/{resource.code}/records"), 401
    )
    assert AccessLog.objects.count() == 2


def test_refusal_needs_a_reason_and_revocation_stops_credentials(
    client: Client, enterprises: list[str], scjgj: Department, scjgj_officer: User, swuju_officer: User
) -> None:
    resource = legal_resource(scjgj_officer, scjgj)
    tax, market = Api(client, swuju_officer), Api(client, scjgj_officer)
    url = f"/api/v1/datahub/resources/{resource.code}/applications"
    payload = {"purpose": "税源核查", "legal_basis": "税收征收管理法", "fields": ["uscc", "name"]}
    first = tax.post(url, payload).json()
    assert error_code(tax.post(url, payload), 409) == "grant_exists"
    assert error_code(market.post(f"/api/v1/datahub/grants/{first['id']}/refuse", {"reason": " "}), 422)
    refused = market.post(f"/api/v1/datahub/grants/{first['id']}/refuse", {"reason": "用途超出法定职责"})
    assert refused.json()["status"] == "refused"
    assert AuditEvent.objects.get(action="datahub.grant.refuse").after["reason"] == "用途超出法定职责"
    assert (
        error_code(tax.post(f"/api/v1/datahub/grants/{first['id']}/credentials"), 409) == "grant_not_usable"
    )

    second = tax.post(url, payload).json()
    beyond = market.post(
        f"/api/v1/datahub/grants/{second['id']}/approve", {"allowed_fields": ["uscc", "status"]}
    )
    assert error_code(beyond, 422) == "beyond_request"
    market.post(f"/api/v1/datahub/grants/{second['id']}/approve", {"allowed_fields": ["uscc"]})
    raw = tax.post(f"/api/v1/datahub/grants/{second['id']}/credentials").json()["credential"]
    system = Api(client, raw=raw)
    assert system.get(f"/api/v1/datahub/resources/{resource.code}/records").status_code == 200
    market.post(f"/api/v1/datahub/grants/{second['id']}/revoke", {"reason": "申请部门违反使用条件"})
    assert error_code(system.get(f"/api/v1/datahub/resources/{resource.code}/records"), 401)
    # The officer's own session path goes through the same grant, now revoked.
    assert error_code(tax.get(f"/api/v1/datahub/resources/{resource.code}/records"), 403) == "no_grant"


def test_expired_grants_and_rate_limits(
    client: Client,
    enterprises: list[str],
    scjgj: Department,
    scjgj_officer: User,
    swuju: Department,
    swuju_officer: User,
) -> None:
    from govhall.datahub import exchange

    resource = legal_resource(scjgj_officer, scjgj)
    grant = exchange.apply_for_access(
        actor=swuju_officer,
        resource=resource,
        consumer=swuju,
        purpose="税源核查",
        legal_basis="税收征收管理法",
        fields=["uscc"],
    )
    exchange.approve_access(
        actor=scjgj_officer, grant=grant, allowed_fields=["uscc"], rate_limit_per_minute=2
    )
    raw = exchange.issue_credential(actor=swuju_officer, grant=grant).raw
    system = Api(client, raw=raw)
    url = f"/api/v1/datahub/resources/{resource.code}/records"
    assert [system.get(url).status_code for _ in range(2)] == [200, 200]
    assert error_code(system.get(url), 429) == "throttled"
    assert AccessLog.objects.count() == 2

    AccessGrant.objects.filter(pk=grant.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    assert error_code(system.get(url), 403) == "grant_not_usable"


def test_personal_fields_are_masked_unless_the_grant_lets_them_through(
    client: Client,
    sources: None,
    gaj: Department,
    gaj_officer: User,
    mzj: Department,
    mzj_officer: User,
    citizen: User,
) -> None:
    from govhall.datahub import exchange

    number = random_id_number("445302")
    services.save_record(
        actor=gaj_officer,
        department=gaj,
        dataset=Dataset.POPULATION,
        values={"id_number": number, "name": "黄小明"},
    )
    population = register_resource(
        actor=gaj_officer,
        provider=gaj,
        name="人口基础信息",
        summary="户籍人口基础信息",
        dataset=Dataset.POPULATION,
        elements=[ElementSpec("id_number", ""), ElementSpec("name", ""), ElementSpec("status", "")],
        key_element="id_number",
        sharing_type=Resource.SharingType.CONDITIONAL,
        sharing_conditions="仅用于法定职责",
        update_cycle=Resource.UpdateCycle.REALTIME,
        access_methods=["api"],
    )
    assert all(e.is_personal for e in population.elements.filter(name__in=["id_number", "name"]))
    grant = exchange.apply_for_access(
        actor=mzj_officer,
        resource=population,
        consumer=mzj,
        purpose="核查低保对象生存状态",
        legal_basis="《社会救助暂行办法》",
        fields=["id_number", "name", "status"],
    )
    exchange.approve_access(
        actor=gaj_officer,
        grant=grant,
        allowed_fields=["id_number", "name", "status"],
        unmasked_fields=["id_number"],
    )
    rows = (
        Api(client, mzj_officer)
        .get(f"/api/v1/datahub/resources/{population.code}/records", key=number)
        .json()
    )
    assert rows["records"] == [{"id_number": number, "name": "黄**", "status": "normal"}]
    log = AccessLog.objects.get()
    assert number not in json.dumps(log.query) and log.user == mzj_officer and log.credential is None

    # Citizens neither see the population resource nor read it.
    citizen_api = Api(client, citizen)
    assert error_code(citizen_api.get(f"/api/v1/datahub/resources/{population.code}"), 404)
    assert (
        error_code(citizen_api.get(f"/api/v1/datahub/resources/{population.code}/records"), 403) == "no_grant"
    )
    assert error_code(
        citizen_api.post(
            f"/api/v1/datahub/resources/{population.code}/applications",
            {"consumer": "MZJ", "purpose": "x", "legal_basis": "y", "fields": ["name"]},
        ),
        404,
    )


@pytest.mark.redis
def test_rate_limits_are_shared_through_redis(redis_url: str, settings: Any) -> None:
    """Web processes on several hosts count against one limit when the cache is Redis."""
    import uuid

    from django.core.cache import cache

    from govhall.core.errors import DomainError
    from govhall.datahub import exchange

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"govhall-test-{uuid.uuid4().hex}",
        }
    }
    grant = AccessGrant(rate_limit_per_minute=3)
    moment = 1_800_000_000.0
    for _ in range(3):
        exchange.check_rate(grant, "c1", now=moment)
    with pytest.raises(DomainError) as caught:
        exchange.check_rate(grant, "c1", now=moment + 1)
    assert caught.value.status == 429
    exchange.check_rate(grant, "c2", now=moment)  # another credential has its own count
    exchange.check_rate(grant, "c1", now=moment + 60)  # and the next minute starts afresh
    # Only this test's keys: the Redis database may be shared with other suites running now.
    cache.delete_many(
        [f"datahub:rate:{s}:{int(t // 60)}" for s in ("c1", "c2") for t in (moment, moment + 60)]
    )


def test_catalogue_api_filters_by_provider_code(
    client: Client, sources: None, scjgj: Department, scjgj_officer: User, swuju_officer: User
) -> None:
    resource = legal_resource(scjgj_officer, scjgj)
    api = Api(client, swuju_officer)
    assert [r["code"] for r in api.get("/api/v1/datahub/resources", provider="scjgj").json()] == [
        resource.code
    ]
    assert api.get("/api/v1/datahub/resources", provider="NOSUCH").json() == []
    detail = api.get(f"/api/v1/datahub/resources/{resource.code.lower()}").json()
    assert detail["provider"] == "SCJGJ" and [e["name"] for e in detail["elements"]] == LEGAL_FIELDS
