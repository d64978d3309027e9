"""Approval → licence issued → holder downloads it → the QR URL verifies it → a second application
at another department reuses it without an upload."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.test import Client

from govhall.cases import handling
from govhall.cases import services as case_services
from govhall.cases.models import Case, CaseMaterial, Task
from govhall.catalog import services as catalog_services
from govhall.catalog.codes import build_basic_code
from govhall.catalog.content import GuideContent, MaterialSpec
from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.identity.models import Department
from govhall.licences import pdf, selectors, services
from govhall.licences.models import Licence, LicenceEvent, LicenceType
from govhall.testing import personas

pytestmark = pytest.mark.django_db
_main = itertools.count(61001)
FORM = {"contact_name": "何建国", "contact_phone": "13800138000", "address": "云浮市云城区石材大道88号"}


def publish(
    department: Department, name: str, *, result_licence: str = "", materials: list[MaterialSpec]
) -> ServiceItem:
    admin = personas.staff("platform_admin")
    version = catalog_services.create_item(
        actor=admin,
        department=department,
        level="city",
        basic_code=build_basic_code(kind="01", main=next(_main)),
        content=GuideContent(
            name=name,
            target="legal",
            legal_basis="《中华人民共和国行政许可法》",
            conditions="符合法定条件",
            item_type="promised",
            statutory_days=20,
            promised_days=10,
            online_depth=3,
            result_licence_type=result_licence,
            materials=materials,
        ),
    )
    catalog_services.submit_for_review(actor=admin, version=version)
    catalog_services.publish(actor=admin, version=version)
    return ServiceItem.objects.select_related("current_version", "department").get(pk=version.item_id)


def approve(case: Case, clerk: Any, reviewer: Any, approver: Any) -> Case:
    handling.accept_case(actor=clerk, case=case)
    for kind, actor in (("review", reviewer), ("decide", approver)):
        task = case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
        handling.complete_task(actor=actor, task=task, action="approve", opinion="同意")
    case.refresh_from_db()
    return case


@pytest.fixture
def food_item(dept_a: Department, licence_types: dict[str, LicenceType]) -> ServiceItem:
    return publish(
        dept_a,
        "食品经营许可",
        result_licence="食品经营许可证",
        materials=[MaterialSpec(name="食品经营许可申请书", medium="electronic", source="applicant")],
    )


@pytest.fixture
def land_item(dept_b: Department) -> ServiceItem:
    return publish(
        dept_b,
        "建设项目用地预审",
        materials=[MaterialSpec(name="食品经营许可证", source="licence", licence_type="食品经营许可证")],
    )


def apply_with_upload(enterprise: Any, item: ServiceItem, form: dict[str, Any]) -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = case_services.save_draft(actor=enterprise, item=item, form_data=form)
    material = item.current_version.materials.get()  # type: ignore[union-attr]
    upload = SimpleUploadedFile(
        "申请书.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", content_type="application/pdf"
    )
    case_services.attach_material(
        actor=enterprise,
        case=draft,
        material_id=material.pk,
        stream=upload.file,
        filename="申请书.pdf",
        size=upload.size,
    )
    return case_services.submit_case(actor=enterprise, draft=draft).case


def test_licence_journey(
    enterprise: Any,
    clerk: Any,
    reviewer: Any,
    approver: Any,
    food_item: ServiceItem,
    land_item: ServiceItem,
    client: Client,
) -> None:
    form = {
        **FORM,
        "premises": "云城区石材大道88号首层",
        "business_form": "食品销售经营者",
        "business_items": "预包装食品销售",
    }
    case = approve(apply_with_upload(enterprise, food_item, form), clerk, reviewer, approver)
    assert case.status == Case.Status.APPROVED

    # 1. The approval issued the licence, in the deciding transaction, signed by the department.
    licence = Licence.objects.get(case=case)
    version = licence.current_version
    assert version is not None
    assert (licence.licence_type.name, licence.issuer, licence.holder) == (
        "食品经营许可证",
        food_item.department,
        enterprise,
    )
    assert (
        version.data["premises"] == "云城区石材大道88号首层"
        and version.data["licence_no"] == case.result.document_no
    )
    assert version.data["legal_representative"] == enterprise.legal_representative
    assert version.issued_by == approver and licence.valid_until is not None

    # 2. The holder sees it in 我的证照 and downloads the PDF.
    client.force_login(enterprise)
    page = client.get("/licences/mine/")
    assert page.status_code == 200 and version.identifier in page.content.decode()
    download = client.get(f"/licences/pdf/{version.identifier}/?download=1")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF") and "attachment" in download["Content-Disposition"]

    # 3. The QR code's URL opens the public verification page, for anyone.
    url = pdf.verification_url(version.identifier, "http://testserver")
    anonymous = Client()
    checked = anonymous.get(url)
    body = checked.content.decode()
    assert checked.status_code == 200 and 'data-outcome="valid"' in body and "证照真实有效" in body

    # 4. Another department's application takes the licence instead of an upload.
    client.force_login(enterprise)
    material = land_item.current_version.materials.get()  # type: ignore[union-attr]
    usable = client.get("/api/v1/licences/mine", {"licence_type": material.licence_type}).json()
    assert [row["identifier"] for row in usable] == [version.identifier]
    response = client.post(
        "/api/v1/cases",
        data=json.dumps(
            {
                "item": land_item.implementation_code,
                "form": FORM,
                "materials": [
                    {"material_id": material.pk, "kind": "licence", "reference": usable[0]["identifier"]}
                ],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    second = Case.objects.get(case_no=response.json()["case_no"])
    provided = second.materials.get()
    assert (provided.kind, provided.licence_reference, provided.file.name or "") == (
        CaseMaterial.Kind.LICENCE,
        version.identifier,
        "",
    )
    use = LicenceEvent.objects.get(licence=licence, kind="use")
    assert use.data["case"] == str(second.uid) and use.version == version
    assert AuditEvent.objects.filter(action="licences.use", object_id=str(licence.pk)).exists()


def test_reuse_refuses_someone_elses_or_an_invalid_licence(
    enterprise: Any,
    approver: Any,
    land_item: ServiceItem,
    licence_types: dict[str, LicenceType],
    dept_a: Department,
) -> None:
    from govhall.testing.factories import random_uscc

    material = land_item.current_version.materials.get()  # type: ignore[union-attr]
    other = services.issue_licence(
        actor=approver,
        licence_type=licence_types["食品经营许可证"],
        issuer=dept_a,
        holder=services.Holder("legal", "别家公司", random_uscc("445302", "91")),
        data={"premises": "x", "business_form": "y", "business_items": "z"},
    )
    mine = services.issue_licence(
        actor=approver,
        licence_type=licence_types["营业执照"],
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data={"business_scope": "x"},
    )
    attempts = {
        other.identifier: "licence_not_held",
        mine.identifier: "licence_type_mismatch",
        other.identifier[:-1] + ("0" if other.identifier[-1] != "0" else "1"): "licence_id_checksum",
    }
    for reference, code in attempts.items():
        with pytest.raises(DomainError) as caught:
            case_services.save_draft(
                actor=enterprise,
                item=land_item,
                form_data=FORM,
                provided=[
                    case_services.ProvidedMaterial(
                        material_id=material.pk, kind="licence", reference=reference
                    )
                ],
            )
        assert caught.value.code == code and caught.value.status == 422
        assert caught.value.details["fields"][0]["field"] == f"materials.{material.pk}"
    own = services.issue_licence(
        actor=approver,
        licence_type=licence_types["食品经营许可证"],
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data={"premises": "x", "business_form": "y", "business_items": "z"},
    )
    services.set_status(actor=approver, licence=own, operation="suspend", reason="整改")
    assert selectors.usable_licences_for(enterprise, "食品经营许可证") == []
    with pytest.raises(DomainError) as caught:
        case_services.save_draft(
            actor=enterprise,
            item=land_item,
            form_data=FORM,
            provided=[
                case_services.ProvidedMaterial(
                    material_id=material.pk, kind="licence", reference=own.identifier
                )
            ],
        )
    assert caught.value.code == "licence_not_valid"
    # A paper licence number is still taken as text, for the department to check by hand.
    draft = case_services.save_draft(
        actor=enterprise,
        item=land_item,
        form_data=FORM,
        provided=[
            case_services.ProvidedMaterial(
                material_id=material.pk, kind="licence", reference="JY14453020012345"
            )
        ],
    )
    assert draft.materials.get().licence_reference == "JY14453020012345"
