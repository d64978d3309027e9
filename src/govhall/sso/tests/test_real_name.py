"""A citizen raises the real-name level to L2 against the data hub's population base; the level
then travels in ID tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.core.models import AuditEvent
from govhall.datahub import services as hub
from govhall.datahub.datasets import DATASETS
from govhall.datahub.models import Dataset
from govhall.identity.models import Role, User
from govhall.testing.factories import DepartmentFactory, MembershipFactory, StaffFactory, ensure_region

pytestmark = pytest.mark.django_db


def _population_knows(person: User, name: str, platform_admin: User) -> None:
    gaj = DepartmentFactory(
        code="GAJ", name="云浮市公安局", short_name="市公安局", region=ensure_region("445300")
    )
    officer = StaffFactory(username="gaj_officer")
    MembershipFactory(user=officer, department=gaj, role=Role.DEPARTMENT_ADMIN)
    for field in DATASETS[Dataset.POPULATION].field_names:
        hub.set_field_source(actor=platform_admin, dataset=Dataset.POPULATION, field=field, department=gaj)
    hub.save_record(
        actor=officer,
        department=gaj,
        dataset=Dataset.POPULATION,
        values={"id_number": person.id_number, "name": name, "address": "云浮市云城区河滨路12号"},
    )


def test_citizen_known_to_the_population_base_becomes_l2(
    client: Client, citizen: Any, platform_admin: Any
) -> None:
    _population_knows(citizen, "张三", platform_admin)
    client.force_login(citizen)
    assert "在线核验实名" in client.get("/accounts/me/").content.decode()
    response = client.post("/sso/real-name/")
    assert response["Location"] == "/accounts/me/"
    citizen.refresh_from_db()
    assert citizen.real_name_level == User.RealNameLevel.L2
    page = client.get("/accounts/me/").content.decode()
    assert "实名等级为 L2" in page and "在线核验实名" not in page
    assert AuditEvent.objects.filter(
        action="identity.real_name_level_set", object_id=str(citizen.pk)
    ).exists()
    assert AuditEvent.objects.get(action="sso.real_name_checked").after == {
        "via": "population_base",
        "matched": True,
    }


def test_a_different_name_stays_l1(client: Client, citizen: Any, platform_admin: Any) -> None:
    _population_knows(citizen, "张叁", platform_admin)
    client.force_login(citizen)
    client.post("/sso/real-name/")
    citizen.refresh_from_db()
    assert citizen.real_name_level == User.RealNameLevel.L1
    assert "请携带身份证到政务服务中心窗口核验" in client.get("/accounts/me/").content.decode()


def test_staff_cannot_verify_online(client: Client, clerk: Any) -> None:
    client.force_login(clerk)
    client.post("/sso/real-name/")
    assert "只有登记了身份证号码的个人用户" in client.get("/accounts/me/").content.decode()
