"""Submission rules: idempotency, published items, applicant kind, form fields, materials, uploads."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from govhall.cases import forms, services, uploads
from govhall.cases.models import Case, CaseMaterial, CaseNumberCounter, Task
from govhall.cases.tests.helpers import (
    FORM,
    PDF_BYTES,
    draft_with_materials,
    material_ids,
    publish_item,
    submitted,
)
from govhall.catalog import services as catalog_services
from govhall.core.errors import DomainError
from govhall.testing import personas

pytestmark = pytest.mark.django_db


def fields_of(error: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {entry["field"] for entry in error.value.details.get("fields", [])}


def test_retried_submit_with_the_same_key_returns_the_same_case(citizen: Any, item: Any) -> None:
    first = submitted(citizen, item, key="retry-me")
    counts = (Case.objects.count(), Task.objects.count(), CaseNumberCounter.objects.get().last)
    again = services.submit_case(actor=citizen, draft=first.case, idempotency_key="retry-me")
    assert again.case.pk == first.case.pk and not again.created and again.verification_code is None
    # A new request body with the same key (the client retried from scratch) also replays.
    replay = services.submit_case(actor=citizen, item=item, form_data=dict(FORM), idempotency_key="retry-me")
    assert replay.case.pk == first.case.pk and not replay.created
    assert (Case.objects.count(), Task.objects.count(), CaseNumberCounter.objects.get().last) == counts


def test_a_key_is_per_applicant_and_per_application(
    citizen: Any, other_citizen: Any, item: Any, dept_b: Any
) -> None:
    submitted(citizen, item, key="same-key")
    assert submitted(other_citizen, item, key="same-key").created
    other_item = publish_item(dept_b, name="测绘资质")
    with pytest.raises(DomainError) as reused:
        services.submit_case(actor=citizen, item=other_item, form_data=dict(FORM), idempotency_key="same-key")
    assert (reused.value.status, reused.value.code) == (409, "idempotency_key_reused")


def test_submit_without_a_draft_when_no_file_is_needed(citizen: Any, dept_a: Any) -> None:
    from govhall.catalog.content import MaterialSpec

    item = publish_item(dept_a, name="证明开具", materials=[MaterialSpec(name="身份证", medium="paper")])
    material = item.current_version.materials.get()
    result = services.submit_case(
        actor=citizen,
        item=item,
        form_data=dict(FORM),
        provided=[services.ProvidedMaterial(material_id=material.pk, kind=CaseMaterial.Kind.COUNTER)],
        idempotency_key="one-shot",
    )
    assert result.created and result.case.status == Case.Status.SUBMITTED


def test_unknown_and_unpublished_items_are_refused(citizen: Any, item: Any) -> None:
    with pytest.raises(DomainError) as unknown:
        services.submit_case(actor=citizen, item=None, form_data=dict(FORM))
    assert (unknown.value.status, unknown.value.code, fields_of(unknown)) == (404, "unknown_item", {"item"})

    catalog_services.withdraw(actor=personas.staff("platform_admin"), item=item, reason="暂停办理")
    item.refresh_from_db()
    with pytest.raises(DomainError) as unpublished:
        services.submit_case(actor=citizen, item=item, form_data=dict(FORM))
    assert (unpublished.value.status, unpublished.value.code) == (422, "item_not_published")


def test_a_draft_of_a_withdrawn_item_cannot_be_submitted(citizen: Any, item: Any) -> None:
    draft = draft_with_materials(citizen, item)
    catalog_services.withdraw(actor=personas.staff("platform_admin"), item=item, reason="暂停办理")
    with pytest.raises(DomainError) as unpublished:
        services.submit_case(actor=citizen, draft=draft)
    assert unpublished.value.code == "item_not_published"
    draft.refresh_from_db()
    assert draft.status == Case.Status.DRAFT and draft.case_no is None


def test_applicant_kind_must_match_the_item(citizen: Any, enterprise: Any, clerk: Any, dept_a: Any) -> None:
    for_enterprises = publish_item(dept_a, name="企业登记", target="legal")
    for_people = publish_item(dept_a, name="个人证明", target="person")
    with pytest.raises(DomainError) as person_on_legal:
        services.submit_case(actor=citizen, item=for_enterprises, form_data=dict(FORM))
    assert (person_on_legal.value.code, fields_of(person_on_legal)) == ("wrong_applicant_kind", {"applicant"})
    with pytest.raises(DomainError) as legal_on_person:
        services.submit_case(actor=enterprise, item=for_people, form_data=dict(FORM))
    assert legal_on_person.value.code == "wrong_applicant_kind"
    with pytest.raises(DomainError) as staff_applies:
        services.submit_case(actor=clerk, item=for_people, form_data=dict(FORM))
    assert staff_applies.value.code == "applicant_not_eligible"


def test_missing_fields_and_materials_are_all_reported_at_once(citizen: Any, item: Any) -> None:
    ids = material_ids(item)
    with pytest.raises(DomainError) as incomplete:
        services.submit_case(actor=citizen, item=item, form_data={"contact_phone": "12345"})
    assert incomplete.value.status == 422
    assert fields_of(incomplete) == {
        "contact_name",
        "contact_phone",
        f"materials.{ids['申请书']}",
        f"materials.{ids['营业执照']}",
    }
    assert Case.objects.count() == 0  # nothing half written


def test_a_licence_only_replaces_materials_that_allow_it(citizen: Any, item: Any) -> None:
    ids = material_ids(item)
    with pytest.raises(DomainError) as not_licence:
        services.save_draft(
            actor=citizen,
            item=item,
            form_data=dict(FORM),
            provided=[services.ProvidedMaterial(material_id=ids["申请书"], kind="licence", reference="X")],
        )
    assert not_licence.value.code == "licence_not_accepted"
    with pytest.raises(DomainError) as electronic_only:
        services.save_draft(
            actor=citizen,
            item=item,
            form_data=dict(FORM),
            provided=[services.ProvidedMaterial(material_id=ids["申请书"], kind="counter")],
        )
    assert electronic_only.value.code == "counter_not_accepted"


def test_window_intake_finds_the_applicant_by_id_number(
    citizen: Any, enterprise: Any, clerk: Any, item: Any
) -> None:
    ids = material_ids(item)
    result = services.window_intake(
        actor=clerk,
        item=item,
        form_data=dict(FORM),
        id_number=citizen.id_number,
        provided=[services.ProvidedMaterial(material_id=ids["营业执照"], kind="licence", reference="L-1")],
        submit=False,
    )
    draft = result.case
    assert (draft.applicant, draft.filed_by, draft.channel) == (citizen, clerk, Case.Channel.WINDOW)
    scan = io.BytesIO(PDF_BYTES)
    services.attach_material(
        actor=clerk, case=draft, material_id=ids["申请书"], stream=scan, filename="扫描件.pdf"
    )
    case = services.submit_case(actor=clerk, draft=draft).case
    assert case.status == Case.Status.SUBMITTED and case.case_no

    by_uscc = services.window_intake(
        actor=clerk, item=item, form_data=dict(FORM), uscc=enterprise.uscc, submit=False
    ).case
    assert by_uscc.applicant == enterprise and by_uscc.applicant_kind == Case.ApplicantKind.LEGAL
    with pytest.raises(DomainError) as nobody:
        services.window_intake(actor=clerk, item=item, form_data=dict(FORM), id_number="445302199001011234")
    assert (nobody.value.status, nobody.value.code) == (404, "applicant_not_found")


def test_only_the_items_window_clerks_do_intake(citizen: Any, county_clerk: Any, item: Any) -> None:
    with pytest.raises(DomainError) as other_office:
        services.window_intake(
            actor=county_clerk, item=item, form_data=dict(FORM), id_number=citizen.id_number
        )
    assert other_office.value.status == 403


# --- Uploads ---------------------------------------------------------------------------------------


def zip_bytes(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (PDF_BYTES, uploads.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 20, uploads.JPEG),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, uploads.PNG),
        (zip_bytes(["OFD.xml", "Doc_0/Document.xml"]), uploads.OFD),
        (zip_bytes(["[Content_Types].xml", "word/document.xml"]), uploads.DOCX),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, None),
        (zip_bytes(["payload.exe"]), None),
        (b"<html><script>alert(1)</script></html>", None),
    ],
)
def test_sniffing_judges_bytes(payload: bytes, expected: str | None) -> None:
    assert uploads.sniff(io.BytesIO(payload)) == expected


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(citizen: Any, item: Any) -> None:
    draft = services.save_draft(actor=citizen, item=item, form_data=dict(FORM))
    exe = io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
    with pytest.raises(DomainError) as refused:
        services.attach_material(
            actor=citizen,
            case=draft,
            material_id=material_ids(item)["申请书"],
            stream=exe,
            filename="申请书.pdf",
        )
    assert (refused.value.status, refused.value.code) == (415, "unsupported_file_type")
    assert not draft.materials.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "cases").glob("*"))


def test_uploads_are_stored_under_random_names_outside_the_static_root(citizen: Any, item: Any) -> None:
    draft = draft_with_materials(citizen, item)
    row = draft.materials.get(kind=CaseMaterial.Kind.UPLOAD)
    assert row.original_name == "申请书.pdf" and row.content_type == uploads.PDF
    assert row.file.name.startswith("cases/") and "申请书" not in row.file.name
    path = Path(row.file.path)
    assert path.read_bytes() == PDF_BYTES
    assert Path(settings.MEDIA_ROOT) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents


def test_oversized_uploads_are_refused(citizen: Any, item: Any, settings: Any) -> None:
    settings.GOVHALL_CASE_UPLOAD_MAX_BYTES = 1024
    draft = services.save_draft(actor=citizen, item=item, form_data=dict(FORM))
    big = io.BytesIO(PDF_BYTES + b"0" * 2048)
    with pytest.raises(DomainError) as too_big:
        services.attach_material(
            actor=citizen, case=draft, material_id=material_ids(item)["申请书"], stream=big
        )
    assert (too_big.value.status, too_big.value.code) == (413, "file_too_large")


# --- Forms -----------------------------------------------------------------------------------------


@given(
    name=st.text(max_size=80),
    phone=st.one_of(st.from_regex(r"^1[3-9]\d{9}$", fullmatch=True), st.text(max_size=15)),
)
def test_default_form_accepts_exactly_a_named_contact_with_a_phone(name: str, phone: str) -> None:
    problems = forms.validate_form({"contact_name": name, "contact_phone": phone}, forms.DEFAULT_SCHEMA)
    fields = {p.field for p in problems}
    assert ("contact_name" in fields) == (not (len(name.strip()) >= 1 and len(name) <= 50))
    valid_phone = re.search(forms.DEFAULT_SCHEMA["properties"]["contact_phone"]["pattern"], phone) is not None
    assert ("contact_phone" in fields) == (not valid_phone)


def test_an_item_schema_replaces_the_default() -> None:
    schema = {
        "type": "object",
        "required": ["shop_name", "seats"],
        "additionalProperties": False,
        "properties": {
            "shop_name": {"type": "string", "minLength": 1},
            "seats": {"type": "integer", "minimum": 1},
            "kind": {"enum": ["餐馆", "小吃店"]},
        },
    }

    class Version:
        form_schema = schema

    assert forms.schema_for(Version()) is schema
    problems = forms.validate_form({"seats": True, "kind": "酒吧", "extra": 1}, schema)
    assert {(p.field, p.code) for p in problems} == {
        ("shop_name", "required"),
        ("seats", "wrong_type"),
        ("kind", "not_allowed"),
        ("extra", "unknown_field"),
    }
    assert forms.validate_form({"shop_name": "老字号", "seats": 12, "kind": "餐馆"}, schema) == []


def test_a_new_verification_code_replaces_the_old_one(citizen: Any, item: Any) -> None:
    from govhall.cases import selectors

    result = submitted(citizen, item)
    case_no = result.case.case_no or ""
    assert result.verification_code
    assert selectors.status_query(
        case_no=case_no, identifier=citizen.id_number, code=result.verification_code
    )
    fresh = services.reissue_verification_code(actor=citizen, case=result.case)
    assert fresh != result.verification_code
    assert selectors.status_query(case_no=case_no, identifier=citizen.id_number, code=fresh)
    with pytest.raises(DomainError) as old:
        selectors.status_query(case_no=case_no, identifier=citizen.id_number, code=result.verification_code)
    assert old.value.code == "status_query_failed"


def test_an_enterprise_queries_by_its_credit_code(enterprise: Any, item: Any) -> None:
    from govhall.cases import selectors

    result = submitted(enterprise, item)
    found = selectors.status_query(
        case_no=result.case.case_no or "",
        identifier=enterprise.uscc.lower(),
        code=result.verification_code or "",
    )
    assert found.pk == result.case.pk
