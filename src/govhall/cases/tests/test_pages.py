"""The applicant's pages with Django's test client: apply, 我的办件, supplements, withdrawal, status query."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.cases import handling
from govhall.cases.models import Case, CaseMaterial
from govhall.cases.tests.helpers import PDF_BYTES, material_ids, submitted
from govhall.catalog.models import ServiceItem

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply_url(item: ServiceItem) -> str:
    return f"/apply/{item.implementation_code}/"


def form_key(client: Client, item: ServiceItem) -> str:
    page = client.get(apply_url(item))
    assert page.status_code == 200
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def application(
    item: ServiceItem, key: str, *, action: str = "submit", overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The form a citizen posts: every field filled, the application PDF uploaded, the licence shown."""
    ids = material_ids(item)
    data: dict[str, Any] = {
        "idempotency_key": key,
        "action": action,
        "form-contact_name": "张三",
        "form-contact_phone": "13800138000",
        "form-description": "开一家小餐馆",
        f"material-{ids['申请书']}-way": "upload",
        f"material-{ids['申请书']}-file": SimpleUploadedFile("申请书.pdf", PDF_BYTES, "application/pdf"),
        f"material-{ids['营业执照']}-way": "counter",
        f"material-{ids['委托书']}-way": "upload",
    }
    data.update(overrides or {})
    return data


def stored_files() -> list[Path]:
    return list((Path(settings.MEDIA_ROOT) / "cases").glob("*"))


# --- Who may see what ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(item: ServiceItem, citizen: Any) -> None:
    case = submitted(citizen, item).case
    client = Client()
    for url in (apply_url(item), "/my/cases/", f"/my/cases/{case.case_no}/", "/workbench/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_another_citizen_gets_404_for_the_case_and_its_files(
    item: ServiceItem, citizen: Any, other_citizen: Any
) -> None:
    case = submitted(citizen, item).case
    upload = case.materials.get(kind=CaseMaterial.Kind.UPLOAD)
    owner, stranger = logged_in(citizen), logged_in(other_citizen)
    assert owner.get(f"/my/cases/{case.case_no}/").status_code == 200
    assert owner.get(f"/my/cases/{case.case_no}/materials/{upload.pk}/").status_code == 200
    assert stranger.get(f"/my/cases/{case.case_no}/").status_code == 404
    assert stranger.get(f"/my/cases/{case.case_no}/materials/{upload.pk}/").status_code == 404
    assert stranger.post(f"/my/cases/{case.case_no}/withdraw/").status_code == 404
    assert str(case.case_no) not in stranger.get("/my/cases/").content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_a_citizen_cannot_open_the_workbench(citizen: Any) -> None:
    response = logged_in(citizen).get("/workbench/")
    assert response.status_code == 403
    assert "工作台仅供工作人员使用" in response.content.decode()


# --- Apply ---------------------------------------------------------------------------------------


def test_apply_page_shows_the_schema_form_and_the_materials(item: ServiceItem, citizen: Any) -> None:
    html = logged_in(citizen).get(apply_url(item)).content.decode()
    assert 'name="form-contact_name"' in html and 'name="form-contact_phone"' in html
    assert '<label class="form-label" for="id_form-contact_phone">联系电话' in html
    ids = material_ids(item)
    assert f'name="material-{ids["申请书"]}-file"' in html
    # The electronic-only material cannot be shown at the counter; with no licence of the type held,
    # the licence option is off and says so (test_pages_licences covers holding one).
    assert f'id="material-{ids["申请书"]}-way-counter"' not in html
    assert f'id="material-{ids["营业执照"]}-way-counter"' in html
    assert re.search(rf'id="material-{ids["营业执照"]}-way-licence" value="licence" disabled', html)
    assert "您暂无可用的电子证照，请上传材料" in html
    assert "保存草稿" in html and "提交申请" in html


def test_submitting_shows_the_case_number_and_the_code_once(item: ServiceItem, citizen: Any) -> None:
    client = logged_in(citizen)
    response = client.post(apply_url(item), application(item, form_key(client, item)))
    assert response.status_code == 302
    case = Case.objects.get(applicant=citizen)
    assert case.status == Case.Status.SUBMITTED and case.case_no
    assert response["Location"] == f"/my/cases/{case.case_no}/code/?submitted=1"
    assert case.form_data["description"] == "开一家小餐馆"
    assert {m.kind for m in case.materials.all()} == {"upload", "counter"}

    first = client.get(response["Location"]).content.decode()
    assert "申请已提交" in first and str(case.case_no) in first
    code = re.search(r'id="verification-code"[^>]*>([A-Z0-9]{8})<', first)
    assert code is not None
    second = client.get(response["Location"]).content.decode()
    assert code.group(1) not in second and "已经显示过" in second

    # The code works in the public status query.
    query = Client().post(
        "/status/", {"case_no": case.case_no, "identifier": citizen.id_number, "code": code.group(1)}
    )
    assert query.status_code == 200 and "查询结果" in query.content.decode()


def test_a_double_submit_files_one_case(item: ServiceItem, citizen: Any) -> None:
    client = logged_in(citizen)
    key = form_key(client, item)
    first = client.post(apply_url(item), application(item, key))
    again = client.post(apply_url(item), application(item, key))
    case = Case.objects.get(applicant=citizen)
    assert first["Location"].startswith(f"/my/cases/{case.case_no}/code/")
    assert again.status_code == 302 and again["Location"] == f"/my/cases/{case.case_no}/"
    assert Case.objects.filter(applicant=citizen).count() == 1
    assert len(stored_files()) == 1
    assert "没有重复提交" in client.get(again["Location"]).content.decode()


def test_bad_input_shows_field_errors_and_creates_nothing(item: ServiceItem, citizen: Any) -> None:
    client = logged_in(citizen)
    ids = material_ids(item)
    data = application(
        item,
        form_key(client, item),
        overrides={
            "form-contact_phone": "12345",
            "form-contact_name": "",
            f"material-{ids['申请书']}-file": SimpleUploadedFile(
                "a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
            ),
            f"material-{ids['委托书']}-file": SimpleUploadedFile("b.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    response = client.post(apply_url(item), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "仅接受 PDF、JPEG、PNG、OFD、DOCX 文件" in html and "only PDF, JPEG, PNG, OFD and DOCX" in html
    assert 'id="id_form-contact_phone-error"' in html and "格式不正确" in html
    assert 'id="id_form-contact_name-error"' in html and "必填项" in html
    assert 'href="#material-{}"'.format(ids["申请书"]) in html
    assert "请重新选择要上传的文件" in html
    # What was typed is kept; nothing was written, the one good upload included.
    assert 'value="12345"' in html
    assert not Case.objects.exists()
    assert not CaseMaterial.objects.exists()
    assert stored_files() == []


def test_a_missing_required_material_is_reported_on_its_row(item: ServiceItem, citizen: Any) -> None:
    client = logged_in(citizen)
    ids = material_ids(item)
    data = application(item, form_key(client, item))
    del data[f"material-{ids['申请书']}-file"]
    response = client.post(apply_url(item), data)
    assert response.status_code == 422
    assert "缺少必要材料「申请书」" in response.content.decode()
    assert not Case.objects.exists() and stored_files() == []


def test_a_draft_is_saved_then_submitted(item: ServiceItem, citizen: Any) -> None:
    client = logged_in(citizen)
    ids = material_ids(item)
    data = application(item, form_key(client, item), action="draft", overrides={"form-contact_phone": ""})
    saved = client.post(apply_url(item), data)
    draft = Case.objects.get(applicant=citizen)
    assert draft.status == Case.Status.DRAFT
    assert saved["Location"] == f"{apply_url(item)}?draft={draft.uid}"
    page = client.get(saved["Location"]).content.decode()
    assert "草稿" in page and "✓ 已提供：申请书.pdf" in page
    assert f'name="draft" value="{draft.uid}"' in page
    assert draft.reference in client.get("/my/cases/?status=draft").content.decode()

    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key is not None
    done = client.post(
        apply_url(item),
        {
            "draft": str(draft.uid),
            "idempotency_key": key.group(1),
            "action": "submit",
            "form-contact_name": "张三",
            "form-contact_phone": "13800138000",
            f"material-{ids['营业执照']}-way": "counter",
        },
    )
    draft.refresh_from_db()
    assert done.status_code == 302 and draft.status == Case.Status.SUBMITTED
    assert draft.materials.count() == 2
    assert Case.objects.filter(applicant=citizen).count() == 1


def test_staff_cannot_apply_and_wrong_applicant_kind_is_explained(
    dept_a: Any, clerk: Any, citizen: Any
) -> None:
    from govhall.cases.tests.helpers import publish_item

    enterprise_item = publish_item(dept_a, name="企业投资项目备案", target="legal")
    staff_page = logged_in(clerk).get(apply_url(enterprise_item))
    assert staff_page.status_code == 403 and "窗口收件" in staff_page.content.decode()
    page = logged_in(citizen).get(apply_url(enterprise_item)).content.decode()
    assert "该事项仅面向法人（企业）办理" in page


def test_unknown_item_is_a_404_page(citizen: Any) -> None:
    response = logged_in(citizen).get("/apply/NO-SUCH-ITEM/")
    assert response.status_code == 404 and "事项不存在" in response.content.decode()


# --- 我的办件 -----------------------------------------------------------------------------------


def test_my_cases_lists_and_filters_by_status(item: ServiceItem, citizen: Any, clerk: Any) -> None:
    accepted = submitted(citizen, item).case
    waiting = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=accepted)
    client = logged_in(citizen)
    html = client.get("/my/cases/").content.decode()
    assert str(accepted.case_no) in html and str(waiting.case_no) in html
    assert "审核" in html  # the accepted one's current step
    assert "云浮市市场监督管理局" in html
    only_submitted = client.get("/my/cases/?status=submitted").content.decode()
    assert str(waiting.case_no) in only_submitted and str(accepted.case_no) not in only_submitted
    # An unknown status filter is ignored, not an error.
    assert client.get("/my/cases/?status=nonsense").status_code == 200


def test_supplement_request_shows_everything_missing_and_is_answered(
    item: ServiceItem, citizen: Any, clerk: Any
) -> None:
    case = submitted(citizen, item).case
    ids = material_ids(item)
    handling.request_supplement(
        actor=clerk,
        case=case,
        items=[
            handling.SupplementItem(material_id=ids["申请书"], reason="须本人签名"),
            handling.SupplementItem(field="contact_phone", name="联系电话", reason="无法接通"),
            handling.SupplementItem(name="场地租赁合同"),
        ],
        note="请一次补齐",
    )
    client = logged_in(citizen)
    page = client.get(f"/my/cases/{case.case_no}/").content.decode()
    assert "请补正材料（一次性告知）" in page
    for text in ("申请书", "须本人签名", "联系电话", "无法接通", "场地租赁合同", "请一次补齐"):
        assert text in page
    assert f'name="material-{ids["申请书"]}-file"' in page and 'name="form-contact_phone"' in page

    # Without the file: field error, the case still waits for its supplement.
    missing = client.post(
        f"/my/cases/{case.case_no}/supplement/", {"form-contact_phone": "13900139000", "note": "已更正"}
    )
    assert missing.status_code == 422 and "请按补正告知重新提供「申请书」" in missing.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPLEMENT_REQUESTED

    done = client.post(
        f"/my/cases/{case.case_no}/supplement/",
        {
            "form-contact_phone": "13900139000",
            "note": "已签名并更正电话",
            f"material-{ids['申请书']}-way": "upload",
            f"material-{ids['申请书']}-file": SimpleUploadedFile("签名版.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.form_data["contact_phone"] == "13900139000"
    assert case.events.filter(kind="supplemented", note="已签名并更正电话").exists()
    assert "签名版.pdf" in client.get(f"/my/cases/{case.case_no}/").content.decode()


def test_withdraw_while_undecided(item: ServiceItem, citizen: Any) -> None:
    case = submitted(citizen, item).case
    client = logged_in(citizen)
    assert "撤回申请" in client.get(f"/my/cases/{case.case_no}/").content.decode()
    assert client.get(f"/my/cases/{case.case_no}/withdraw/").status_code == 405
    response = client.post(f"/my/cases/{case.case_no}/withdraw/", {"reason": "不开店了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    page = client.get(f"/my/cases/{case.case_no}/").content.decode()
    assert "申请已撤回" in page and "撤回申请</summary>" not in page
    again = client.post(f"/my/cases/{case.case_no}/withdraw/")
    assert again.status_code == 409 and "不能撤回" in again.content.decode()


def test_a_new_verification_code_replaces_the_old_one(item: ServiceItem, citizen: Any) -> None:
    result = submitted(citizen, item)
    case = result.case
    client = logged_in(citizen)
    response = client.post(f"/my/cases/{case.case_no}/code/")
    assert response["Location"] == f"/my/cases/{case.case_no}/code/"
    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="verification-code"[^>]*>([A-Z0-9]{8})<', page)
    assert code is not None and code.group(1) != result.verification_code
    anonymous = Client()
    old = anonymous.post(
        "/status/",
        {"case_no": case.case_no, "identifier": citizen.id_number, "code": result.verification_code},
    )
    assert old.status_code == 404
    new = anonymous.post(
        "/status/", {"case_no": case.case_no, "identifier": citizen.id_number, "code": code.group(1)}
    )
    assert new.status_code == 200


# --- Public status query -------------------------------------------------------------------------


def test_status_query_shows_a_masked_summary_and_one_uniform_error(item: ServiceItem, citizen: Any) -> None:
    cache.clear()
    result = submitted(citizen, item)
    case = result.case
    client = Client()
    assert client.get("/status/").status_code == 200
    page = client.post(
        "/status/",
        {"case_no": case.case_no, "identifier": citizen.id_number, "code": result.verification_code},
    ).content.decode()
    assert str(case.case_no) in page and "已提交待受理" in page
    assert "张*" in page and "张三" not in page
    assert citizen.id_number not in page.replace(f'value="{citizen.id_number}"', "")
    assert "13800138000" not in page

    wrong = [
        {"case_no": case.case_no, "identifier": citizen.id_number, "code": "WRONG123"},
        {"case_no": case.case_no, "identifier": "445302199001011234", "code": result.verification_code},
        {"case_no": "20990101-XX-000001", "identifier": citizen.id_number, "code": result.verification_code},
    ]
    bodies = set()
    for data in wrong:
        response = client.post("/status/", data)
        assert response.status_code == 404
        body = response.content.decode()
        bodies.add(re.sub(r'value="[^"]*"', "", body.split("<main", 1)[1].split('id="q-case-no"')[0]))
        assert "办件编号、证件号码或查询码不正确" in body
    assert len(bodies) == 1, "every mismatch must read the same"


def test_status_query_is_rate_limited(item: ServiceItem, citizen: Any) -> None:
    cache.clear()
    client = Client()
    codes = [
        client.post("/status/", {"case_no": "X", "identifier": "Y", "code": "Z"}).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [404] * 20 and codes[20] == 429
    cache.clear()
