"""The apply page offers the applicant's own usable electronic licences in place of a material, and the
case pages link a licence used that way to its public verification page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.cases.models import Case, CaseMaterial
from govhall.cases.tests.helpers import PDF_BYTES, material_ids, publish_item
from govhall.cases.views_common import mask_name
from govhall.catalog.content import MaterialSpec
from govhall.catalog.models import ServiceItem
from govhall.identity.models import Department
from govhall.licences import demo, services
from govhall.licences.models import Licence, LicenceEvent, LicenceType

pytestmark = pytest.mark.django_db

DRIVING = "机动车驾驶证"
DRIVING_DATA = {"vehicle_class": "C1", "first_issued_on": "2018-05-02"}


@pytest.fixture
def types(dept_a: Department) -> dict[str, LicenceType]:
    demo.ensure_types()
    found = {t.name: t for t in LicenceType.objects.all()}
    for name in (DRIVING, "中华人民共和国残疾人证"):
        found[name].issuing_departments.add(dept_a)
    return found


@pytest.fixture
def driving_item(dept_a: Department, types: dict[str, LicenceType]) -> ServiceItem:
    return publish_item(
        dept_a,
        name="驾驶人信息变更备案",
        target="person",
        materials=[
            MaterialSpec(name="申请书", medium="electronic"),
            MaterialSpec(name=DRIVING, source="licence", licence_type=DRIVING),
        ],
    )


def issue(approver: Any, holder: Any, licence_type: LicenceType, dept: Department, **kw: Any) -> Licence:
    data = DRIVING_DATA if licence_type.name == DRIVING else {"category": "视力", "grade": "二级"}
    return services.issue_licence(
        actor=approver,
        licence_type=licence_type,
        issuer=dept,
        holder=services.holder_from_account(holder),
        data=data,
        **kw,
    )


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply_page(client: Client, item: ServiceItem) -> tuple[str, str]:
    page = client.get(f"/apply/{item.implementation_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key is not None
    return html, key.group(1)


def posted(item: ServiceItem, key: str, reference: str) -> dict[str, Any]:
    ids = material_ids(item)
    return {
        "idempotency_key": key,
        "action": "submit",
        "form-contact_name": "张三",
        "form-contact_phone": "13800138000",
        "form-description": "驾驶人联系方式变更",
        f"material-{ids['申请书']}-way": "upload",
        f"material-{ids['申请书']}-file": SimpleUploadedFile("申请书.pdf", PDF_BYTES, "application/pdf"),
        f"material-{ids[DRIVING]}-way": "licence",
        f"material-{ids[DRIVING]}-licence": reference,
    }


def offered(html: str, item: ServiceItem) -> list[str]:
    name = f"material-{material_ids(item)[DRIVING]}-licence"
    return re.findall(rf'name="{name}" id="[^"]+" value="([^"]+)"', html)


def test_only_the_applicants_own_valid_licences_of_the_type_are_offered(
    driving_item: ServiceItem,
    types: dict[str, LicenceType],
    citizen: Any,
    other_citizen: Any,
    approver: Any,
    dept_a: Department,
) -> None:
    mine = issue(approver, citizen, types[DRIVING], dept_a)
    issue(approver, other_citizen, types[DRIVING], dept_a)
    issue(approver, citizen, types["中华人民共和国残疾人证"], dept_a)
    revoked = issue(approver, citizen, types[DRIVING], dept_a)
    services.set_status(actor=approver, licence=revoked, operation="revoke", reason="记分满分")
    issue(
        approver,
        citizen,
        types[DRIVING],
        dept_a,
        valid_from=date.today() - timedelta(days=3000),
        valid_until=date.today() - timedelta(days=1),
    )

    html, _ = apply_page(logged_in(citizen), driving_item)
    way = f"material-{material_ids(driving_item)[DRIVING]}-way-licence"
    assert re.search(rf'id="{way}" value="licence" data-way>', html)  # enabled
    assert offered(html, driving_item) == [mine.identifier]
    label = re.search(rf'for="material-{material_ids(driving_item)[DRIVING]}-licence-1">(.*?)</label>', html)
    assert label is not None and DRIVING in label.group(1)
    assert citizen.display_name not in label.group(1) and mask_name(citizen.display_name) in label.group(1)
    assert mine.holder_id_masked in label.group(1) and citizen.id_number not in html
    assert mine.valid_until is not None and mine.valid_until.isoformat() in label.group(1)
    assert "您暂无可用的电子证照" not in html

    # The other citizen sees only their own.
    theirs = offered(apply_page(logged_in(other_citizen), driving_item)[0], driving_item)
    assert len(theirs) == 1 and theirs != [mine.identifier]


def test_without_a_usable_licence_the_option_is_off_and_upload_stays(
    driving_item: ServiceItem, citizen: Any
) -> None:
    html, _ = apply_page(logged_in(citizen), driving_item)
    ids = material_ids(driving_item)
    assert re.search(rf'id="material-{ids[DRIVING]}-way-licence" value="licence" disabled', html)
    assert "您暂无可用的电子证照，请上传材料" in html
    assert f'name="material-{ids[DRIVING]}-file"' in html
    assert re.search(rf'id="material-{ids[DRIVING]}-way-upload" value="upload" checked', html)


def test_submitting_with_a_licence_files_the_case_without_an_upload_and_links_it(
    driving_item: ServiceItem,
    types: dict[str, LicenceType],
    citizen: Any,
    approver: Any,
    clerk: Any,
    dept_a: Department,
) -> None:
    licence = issue(approver, citizen, types[DRIVING], dept_a)
    client = logged_in(citizen)
    _, key = apply_page(client, driving_item)
    response = client.post(
        f"/apply/{driving_item.implementation_code}/", posted(driving_item, key, licence.identifier)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant=citizen)
    assert case.status == Case.Status.SUBMITTED
    given = case.materials.get(material__name=DRIVING)
    assert (given.kind, given.licence_reference, given.file.name or "") == (
        CaseMaterial.Kind.LICENCE,
        licence.identifier,
        "",
    )
    assert case.materials.filter(kind=CaseMaterial.Kind.UPLOAD).count() == 1  # the form PDF only
    assert LicenceEvent.objects.filter(licence=licence, kind="use").count() == 1

    link = f'href="/licences/verify/?id={quote(licence.identifier)}"'
    assert link in client.get(f"/my/cases/{case.case_no}/").content.decode()
    assert link in logged_in(clerk).get(f"/workbench/cases/{case.case_no}/").content.decode()
    verified = Client().get(f"/licences/verify/?id={quote(licence.identifier)}")
    assert 'data-outcome="valid"' in verified.content.decode()


def test_a_forged_identifier_is_a_field_error_and_files_nothing(
    driving_item: ServiceItem,
    types: dict[str, LicenceType],
    citizen: Any,
    other_citizen: Any,
    approver: Any,
    dept_a: Department,
) -> None:
    mine = issue(approver, citizen, types[DRIVING], dept_a)
    theirs = issue(approver, other_citizen, types[DRIVING], dept_a)
    last = mine.identifier[-1]
    forged = {
        theirs.identifier: "未找到申请人持有的该证照",
        mine.identifier[:-1] + ("0" if last != "0" else "1"): "",  # wrong check character
    }
    client = logged_in(citizen)
    ids = material_ids(driving_item)
    for reference, message in forged.items():
        _, key = apply_page(client, driving_item)
        response = client.post(
            f"/apply/{driving_item.implementation_code}/", posted(driving_item, key, reference)
        )
        html = response.content.decode()
        assert response.status_code == 422
        errors = re.search(rf'id="material-{ids[DRIVING]}-file-error">(.*?)</div>\s*</div>', html, re.S)
        assert errors is not None and errors.group(1).strip()
        assert message in errors.group(1)
        # The choice is kept: the licence way stays selected and the applicant's own licence offered.
        assert re.search(rf'id="material-{ids[DRIVING]}-way-licence" value="licence" checked', html)
        assert offered(html, driving_item) == [mine.identifier]
    assert not Case.objects.filter(applicant=citizen).exists()
    assert not LicenceEvent.objects.filter(kind="use").exists()
