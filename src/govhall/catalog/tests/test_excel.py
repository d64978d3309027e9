from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from govhall.catalog import excel, selectors
from govhall.catalog.content import FeeSpec
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.catalog.tests import factories as f
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> tuple[object, list[ServiceItem]]:
    dept = f.department("SCJGJ")
    admin = f.staff(dept)
    items = [
        f.published_item(dept, actor=admin),
        f.published_item(
            dept,
            actor=admin,
            kind="04",
            name="占用城市道路费征收",
            aliases=[],
            item_type="instant",
            promised_days=0,
            statutory_days=0,
            fees=[FeeSpec(name="占道费", amount=Decimal("12.50"), basis="粤价〔2000〕1号")],
            process_steps=["申请", "受理", "缴费"],
            consult_phone="0766-12345",
        ),
    ]
    return admin, items


def export(items: list[ServiceItem]) -> bytes:
    return excel.export_workbook(list(selectors.published_items().filter(pk__in=[i.pk for i in items])))


def test_round_trip_export_import_export_is_unchanged(setup: tuple[object, list[ServiceItem]]) -> None:
    admin, items = setup
    first = export(items)
    report = excel.import_workbook(actor=admin, data=first)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert ItemVersion.objects.count() == 2  # no new versions for unchanged rows
    assert excel.workbook_values(export(items)) == excel.workbook_values(first)
    values = excel.workbook_values(first)
    assert values["收费 fees"][1][1:] == ["占道费", "12.50", "粤价〔2000〕1号"]


def _edit(data: bytes, sheet: str, cell: str, value: object) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_changed_row_publishes_a_new_version_and_new_rows_create_items(
    setup: tuple[object, list[ServiceItem]],
) -> None:
    admin, items = setup
    data = _edit(export(items), "事项 items", "N2", 5)  # promised days of the first item
    book = load_workbook(io.BytesIO(data))
    sheet = book["事项 items"]
    new_row = [c.value for c in sheet[3]]
    new_row[0] = ""  # the code is derived from department, level and basic code
    new_row[1] = "040009900000"
    new_row[5] = "新导入的征收事项"
    sheet.append(new_row)
    out = io.BytesIO()
    book.save(out)
    report = excel.import_workbook(actor=admin, data=out.getvalue())
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    first = ServiceItem.objects.get(pk=items[0].pk)
    assert first.current_version.number == 2 and first.current_version.promised_days == 5  # type: ignore[union-attr]
    created = ServiceItem.objects.get(basic_code="040009900000")
    assert created.current_version.name == "新导入的征收事项"  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="catalog.imported").count() == 1


def test_bad_rows_are_all_reported_and_nothing_is_imported(setup: tuple[object, list[ServiceItem]]) -> None:
    admin, items = setup
    data = export(items)
    data = _edit(data, "事项 items", "N2", "十天")  # not a number
    data = _edit(data, "事项 items", "H3", "alien")  # unknown target
    data = _edit(data, "材料 materials", "G2", "stone")  # unknown medium
    data = _edit(data, "事项 items", "C2", "NOPE")  # unknown department
    data = _edit(data, "事项 items", "F3", "")  # missing name
    before = ItemVersion.objects.count()
    with pytest.raises(DomainError) as info:
        excel.import_workbook(actor=admin, data=data)
    problems = info.value.details["problems"]
    located = {(p["sheet"], p["row"], p["column"][:1]) for p in problems}
    assert ("事项 items", 2, "C") in located
    assert ("事项 items", 3, "H") in located and ("事项 items", 3, "F") in located
    assert "row 3, column H" in info.value.message_en and "第3行" in info.value.message_zh
    assert ItemVersion.objects.count() == before


def test_other_departments_rows_are_refused(setup: tuple[object, list[ServiceItem]]) -> None:
    _, items = setup
    outsider = f.staff(f.department("OTHER"))
    with pytest.raises(DomainError) as info:
        excel.import_workbook(actor=outsider, data=export(items))
    assert {p["row"] for p in info.value.details["problems"]} == {2, 3}


def test_not_a_workbook() -> None:
    with pytest.raises(DomainError) as info:
        excel.import_workbook(actor=f.platform_admin(), data=b"not excel")
    assert info.value.code == "import_unreadable"


def test_generated_forms_open() -> None:
    data = excel.material_form(item_name="食品经营许可", material_name="申请书", code="X", sample=True)
    book = load_workbook(io.BytesIO(data))
    assert book.active["A1"].value == "申请书（示例）"  # type: ignore[index]
