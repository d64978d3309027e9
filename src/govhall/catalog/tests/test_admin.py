from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from govhall.catalog import excel, selectors
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.catalog.tests import factories as f
from govhall.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, object]:
    own, other = f.department("AAA"), f.department("BBB")
    admin_a = f.staff(own)
    admin_a.is_staff = True
    admin_a.save()
    return {"admin": admin_a, "own": f.published_item(own, actor=admin_a), "other": f.published_item(other)}


def login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_department_admin_sees_only_own_items(client: Client, setup: dict[str, object]) -> None:
    login(client, setup["admin"])
    page = client.get("/admin/catalog/serviceitem/").content.decode()
    own, other = setup["own"], setup["other"]
    assert own.implementation_code in page and other.implementation_code not in page  # type: ignore[attr-defined]
    assert client.get(f"/admin/catalog/serviceitem/{other.pk}/change/").status_code in {302, 403, 404}  # type: ignore[attr-defined]


def test_revision_publish_flow_through_admin_actions(client: Client, setup: dict[str, object]) -> None:
    login(client, setup["admin"])
    item: ServiceItem = setup["own"]  # type: ignore[assignment]
    client.post("/admin/catalog/serviceitem/", {"action": "start_revision", "_selected_action": [item.pk]})
    draft = item.versions.get(status=ItemVersion.Status.DRAFT)
    assert client.get(f"/admin/catalog/itemversion/{draft.pk}/change/").status_code == 200
    for action in ("submit", "publish"):
        client.post("/admin/catalog/itemversion/", {"action": action, "_selected_action": [draft.pk]})
    item.refresh_from_db()
    assert item.current_version_id == draft.pk
    assert AuditEvent.objects.filter(action="catalog.version.published", actor=setup["admin"]).exists()


def test_export_and_import_pages(client: Client, setup: dict[str, object]) -> None:
    login(client, setup["admin"])
    item: ServiceItem = setup["own"]  # type: ignore[assignment]
    response = client.post(
        "/admin/catalog/serviceitem/", {"action": "export_excel", "_selected_action": [item.pk]}
    )
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content))["事项 items"]["A2"].value == item.implementation_code
    upload = io.BytesIO(response.content)
    upload.name = "catalogue.xlsx"
    done = client.post("/admin/catalog/serviceitem/import/", {"workbook": upload}, follow=True)
    assert "未变 1" in done.content.decode()
    other_book = excel.export_workbook(list(selectors.published_items().filter(pk=setup["other"].pk)))  # type: ignore[attr-defined]
    bad = io.BytesIO(other_book)
    bad.name = "other.xlsx"
    refused = client.post("/admin/catalog/serviceitem/import/", {"workbook": bad}).content.decode()
    assert "无权维护该部门的事项" in refused


def test_add_item_in_admin(client: Client, setup: dict[str, object]) -> None:
    login(client, setup["admin"])
    own_department = setup["own"].department  # type: ignore[attr-defined]
    response = client.post(
        "/admin/catalog/serviceitem/add/",
        {
            "department": own_department.pk,
            "level": "city",
            "basic_code": "200001200000",
            "name": "新事项",
            "target": "person",
            "item_type": "instant",
            "legal_basis": "《某条例》",
            "conditions": "符合条件",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ServiceItem.objects.get(basic_code="200001200000")
    assert item.current_version is None and item.versions.get().status == ItemVersion.Status.DRAFT
