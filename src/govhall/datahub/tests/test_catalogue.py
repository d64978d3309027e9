"""The resource catalogue: registration rules, search, visibility and the Excel export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.datahub import selectors
from govhall.datahub.catalogue import ElementSpec, catalogue_workbook, register_resource
from govhall.datahub.models import Dataset, Resource
from govhall.identity.models import Department, User

pytestmark = pytest.mark.django_db


def register(officer: User, provider: Department, **overrides: Any) -> Resource:
    arguments: dict[str, Any] = {
        "actor": officer,
        "provider": provider,
        "name": "婚姻登记信息",
        "summary": "结婚、离婚登记记录",
        "elements": [
            ElementSpec("id_number", "身份证号码", "id_number", True),
            ElementSpec("marital_status", "婚姻状况", "text"),
            ElementSpec("registered_on", "登记日期", "date"),
        ],
        "key_element": "id_number",
        "sharing_type": Resource.SharingType.CONDITIONAL,
        "sharing_conditions": "用于法定职责",
        "update_cycle": Resource.UpdateCycle.DAILY,
        "access_methods": ["api", "query"],
        **overrides,
    }
    return register_resource(**arguments)


def test_registration_generates_a_code_and_is_audited(mzj: Department, mzj_officer: User) -> None:
    resource = register(mzj_officer, mzj)
    assert resource.code == "445300-MZJ-0001"
    assert [e.name for e in resource.elements.all()] == ["id_number", "marital_status", "registered_on"]
    assert register(mzj_officer, mzj, name="收养登记信息").code == "445300-MZJ-0002"
    event = AuditEvent.objects.filter(action="datahub.resource.register").first()
    assert event is not None and event.after["elements"] == ["id_number", "marital_status", "registered_on"]
    with pytest.raises(Conflict):
        register(mzj_officer, mzj, code="445300-MZJ-0001")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"sharing_type": "not_shared"}, "not_shared_reason"),
        ({"sharing_conditions": ""}, "sharing_conditions"),
        ({"key_element": "name"}, "key_element"),
        ({"access_methods": []}, "access_methods"),
        ({"access_methods": ["fax"]}, "access_methods"),
        ({"elements": [ElementSpec("身份证", "身份证")]}, "element_name"),
        ({"elements": [ElementSpec("a", "甲"), ElementSpec("a", "乙")]}, "element_duplicate"),
        ({"code": "bad code"}, "resource_code"),
    ],
)
def test_registration_rules(mzj: Department, mzj_officer: User, overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        register(mzj_officer, mzj, **overrides)
    assert caught.value.code == code
    assert not Resource.objects.exists()


def test_not_shared_resources_carry_their_legal_reason(mzj: Department, mzj_officer: User) -> None:
    resource = register(
        mzj_officer, mzj, sharing_type="not_shared", not_shared_reason="《收养登记工作规范》保密规定"
    )
    assert resource.not_shared_reason.startswith("《收养")


def test_base_resources_are_published_by_their_source_with_the_base_types(
    sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User
) -> None:
    elements = [ElementSpec("id_number", "", "text", False), ElementSpec("name", "")]
    with pytest.raises(PermissionDenied):
        register(mzj_officer, mzj, dataset=Dataset.POPULATION, elements=elements)
    resource = register(gaj_officer, gaj, name="人口基础信息", dataset=Dataset.POPULATION, elements=elements)
    id_element = resource.elements.get(name="id_number")
    # A provider cannot declare the ID number plain text or not personal.
    assert (id_element.data_type, id_element.is_personal, id_element.label) == (
        "id_number",
        True,
        "公民身份号码",
    )
    with pytest.raises(DomainError) as caught:
        register(gaj_officer, gaj, dataset=Dataset.POPULATION, elements=[ElementSpec("height", "身高")])
    assert caught.value.code == "element_not_in_dataset"


def test_staff_who_are_not_officers_cannot_register(mzj: Department, clerk: User) -> None:
    with pytest.raises(PermissionDenied):
        register(clerk, mzj)


def test_search_finds_by_name_element_and_provider_and_hides_closed_resources_from_citizens(
    mzj: Department, mzj_officer: User, gaj: Department, gaj_officer: User, citizen: User, clerk: User
) -> None:
    marriages = register(mzj_officer, mzj)
    weather = register(
        gaj_officer,
        gaj,
        name="交通事故统计",
        summary="按月统计",
        elements=[ElementSpec("month", "月份"), ElementSpec("accidents", "事故数", "integer")],
        key_element="month",
        sharing_type="unconditional",
        sharing_conditions="",
        open_type="open",
    )
    assert list(selectors.catalogue(clerk, q="婚姻状况")) == [marriages]
    assert list(selectors.catalogue(clerk, q="公安")) == [weather]
    assert list(selectors.catalogue(clerk, sharing_type="unconditional")) == [weather]
    assert set(selectors.catalogue(clerk)) == {marriages, weather}
    assert list(selectors.catalogue(citizen)) == [weather]
    assert list(selectors.catalogue(None)) == [weather]


def test_the_export_is_a_workbook_with_one_row_per_resource(mzj: Department, mzj_officer: User) -> None:
    register(mzj_officer, mzj)
    register(
        mzj_officer, mzj, name="收养登记信息", sharing_type="not_shared", not_shared_reason="涉及个人隐私"
    )
    content = catalogue_workbook(selectors.catalogue(mzj_officer))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "资源代码 code" and len(rows) == 3
    assert rows[1][1] == "婚姻登记信息" and "身份证号码(id_number:id_number,个人)" in str(rows[1][4])
    assert rows[2][5] == "不予共享 not shared" and rows[2][6] == "涉及个人隐私"
