"""The cases API over real HTTP: the standard journey, errors with field details, who may call what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhall.cases.models import Case
from govhall.cases.tests.helpers import FORM, PDF_BYTES, material_ids
from govhall.identity.tokens import issue_token

pytestmark = pytest.mark.django_db


class Api:
    """A client acting as one user with a bearer token."""

    def __init__(self, client: Client, user: Any) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user).raw}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, **self.headers)

    def post(self, url: str, payload: Any = None, **headers: str) -> Any:
        return self.client.post(
            url, data=json.dumps(payload or {}), content_type="application/json", **self.headers, **headers
        )

    def upload(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data=data, **self.headers)


def as_(client: Client, user: Any) -> Api:
    return Api(client, user)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message_zh"] and body["message_en"] and "request_id" in body
    return body


def upload_pdf(
    api: Api, reference: str, material_id: int, name: str = "申请书.pdf", data: bytes = PDF_BYTES
) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.upload(
        f"/api/v1/cases/{reference}/materials",
        {
            "material_id": str(material_id),
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
    )


def test_standard_journey_through_the_api(
    client: Client, citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    applicant = as_(client, citizen)
    ids = material_ids(item)
    draft = applicant.post(
        "/api/v1/cases",
        {
            "item": item.implementation_code,
            "form": FORM,
            "draft": True,
            "materials": [{"material_id": ids["营业执照"], "kind": "licence", "reference": "L-445302-1"}],
        },
    )
    assert draft.status_code == 201, draft.content
    reference = draft.json()["reference"]
    assert draft.json()["status"] == "draft" and draft.json()["case_no"] is None
    uploaded = upload_pdf(applicant, reference, ids["申请书"])
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["content_type"] == "application/pdf"

    submitted = applicant.post(f"/api/v1/cases/{reference}/submit", {}, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert submitted.status_code == 201, submitted.content
    body = submitted.json()
    case_no, code = body["case_no"], body["verification_code"]
    assert body["status"] == "submitted" and code
    retried = applicant.post(f"/api/v1/cases/{reference}/submit", {}, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert retried.status_code == 200 and retried.json()["case_no"] == case_no
    assert retried.json()["verification_code"] is None

    window = as_(client, clerk)
    queue = window.get("/api/v1/tasks").json()
    assert [(t["case_no"], t["step_kind"]) for t in queue] == [(case_no, "accept")]
    accepted = window.post(f"/api/v1/tasks/{queue[0]['id']}/complete", {"action": "accept"})
    assert accepted.status_code == 200, accepted.content
    case = window.get(f"/api/v1/cases/{case_no}").json()
    assert case["status"] == "accepted" and case["promised_deadline"]

    review_desk = as_(client, reviewer)
    (review,) = review_desk.get("/api/v1/tasks").json()
    assert review_desk.post(f"/api/v1/tasks/{review['id']}/claim").json()["status"] == "claimed"
    assert review_desk.get("/api/v1/tasks?mine=1").json()[0]["id"] == review["id"]
    done = review_desk.post(
        f"/api/v1/tasks/{review['id']}/complete", {"action": "approve", "opinion": "齐全"}
    )
    assert done.json()["status"] == "done"

    decide_desk = as_(client, approver)
    (decide,) = decide_desk.get("/api/v1/tasks").json()
    no_opinion = decide_desk.post(f"/api/v1/tasks/{decide['id']}/complete", {"action": "approve"})
    assert_error(no_opinion, 422, "opinion_required")
    bad_action = decide_desk.post(
        f"/api/v1/tasks/{decide['id']}/complete", {"action": "shred", "opinion": "x"}
    )
    assert_error(bad_action, 422, "invalid_action")
    decided = decide_desk.post(
        f"/api/v1/tasks/{decide['id']}/complete", {"action": "approve", "opinion": "同意"}
    )
    assert decided.status_code == 200
    again = decide_desk.post(
        f"/api/v1/tasks/{decide['id']}/complete", {"action": "approve", "opinion": "同意"}
    )
    assert_error(again, 409, "task_already_completed")

    completed = window.post(f"/api/v1/cases/{case_no}/complete", {"note": "结果已送达"})
    assert completed.status_code == 200 and completed.json()["status"] == "completed"

    mine = applicant.get("/api/v1/cases?mine=1").json()
    assert [(c["case_no"], c["status"], c["decision"]) for c in mine] == [(case_no, "completed", "approved")]
    detail = applicant.get(f"/api/v1/cases/{case_no}").json()
    assert [e["kind"] for e in detail["events"]][-2:] == ["decided", "completed"]
    assert detail["timeliness"] in ("early", "on_time")
    material = next(m for m in detail["materials"] if m["kind"] == "upload")
    download = client.get(f"/api/v1/cases/{case_no}/materials/{material['id']}/file", **applicant.headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"

    status = client.post(
        "/api/v1/cases/status-query",
        data=json.dumps({"case_no": case_no, "identifier": citizen.id_number, "code": code}),
        content_type="application/json",
    )
    assert status.status_code == 200 and status.json()["status"] == "completed"


def test_supplement_round_trip(client: Client, citizen: Any, item: Any, clerk: Any) -> None:
    applicant = as_(client, citizen)
    ids = material_ids(item)
    draft = applicant.post(
        "/api/v1/cases", {"item": item.implementation_code, "form": FORM, "draft": True}
    ).json()
    upload_pdf(applicant, draft["reference"], ids["申请书"])
    applicant.upload(
        f"/api/v1/cases/{draft['reference']}/materials",
        {"material_id": str(ids["营业执照"]), "kind": "licence", "licence_reference": "L-9"},
    )
    case_no = applicant.post(f"/api/v1/cases/{draft['reference']}/submit", {}).json()["case_no"]

    window = as_(client, clerk)
    asked = window.post(
        f"/api/v1/cases/{case_no}/supplement-request",
        {
            "items": [
                {"material_id": ids["申请书"], "reason": "缺少签字"},
                {"field": "address", "name": "地址"},
            ]
        },
    )
    assert asked.status_code == 201, asked.content
    detail = applicant.get(f"/api/v1/cases/{case_no}").json()
    assert detail["status"] == "supplement_requested"
    assert [i["name"] for i in detail["supplement_requests"][0]["items"]] == ["申请书", "地址"]

    premature = applicant.post(f"/api/v1/cases/{case_no}/supplement", {})
    body = assert_error(premature, 422, "invalid_application")
    assert body["details"]["fields"][0]["field"] == f"materials.{ids['申请书']}"
    assert upload_pdf(applicant, case_no, ids["申请书"], name="签字版.pdf").status_code == 201
    done = applicant.post(f"/api/v1/cases/{case_no}/supplement", {"form": {**FORM, "address": "云城区"}})
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert done.json()["form"]["address"] == "云城区"


def test_bad_input_gets_field_level_errors(
    client: Client, citizen: Any, enterprise: Any, dept_a: Any, item: Any
) -> None:
    from govhall.cases.tests.helpers import publish_item

    applicant = as_(client, citizen)
    unknown = applicant.post("/api/v1/cases", {"item": "NOPE", "form": FORM})
    assert assert_error(unknown, 404, "unknown_item")["details"]["fields"][0]["field"] == "item"

    incomplete = applicant.post("/api/v1/cases", {"item": item.implementation_code, "form": {}})
    fields = {f["field"] for f in assert_error(incomplete, 422, "invalid_application")["details"]["fields"]}
    assert {"contact_name", "contact_phone"} <= fields
    assert any(f.startswith("materials.") for f in fields)

    for_people = publish_item(dept_a, name="个人证明", target="person")
    wrong_kind = as_(client, enterprise).post(
        "/api/v1/cases", {"item": for_people.implementation_code, "form": FORM}
    )
    assert (
        assert_error(wrong_kind, 422, "wrong_applicant_kind")["details"]["fields"][0]["field"] == "applicant"
    )

    not_a_schema = applicant.post("/api/v1/cases", {"item": item.implementation_code, "form": "x"})
    assert_error(not_a_schema, 422, "validation_error")

    draft = applicant.post(
        "/api/v1/cases", {"item": item.implementation_code, "form": FORM, "draft": True}
    ).json()
    exe = upload_pdf(
        applicant, draft["reference"], material_ids(item)["申请书"], data=b"MZ\x90\x00" + b"\x00" * 64
    )
    assert_error(exe, 415, "unsupported_file_type")
    assert Case.objects.get(uid=draft["reference"]).materials.count() == 0


def test_nobody_else_reads_or_acts_on_a_case(
    client: Client, citizen: Any, other_citizen: Any, other_dept_approver: Any, item: Any, clerk: Any
) -> None:
    applicant = as_(client, citizen)
    ids = material_ids(item)
    draft = applicant.post(
        "/api/v1/cases",
        {
            "item": item.implementation_code,
            "form": FORM,
            "draft": True,
            "materials": [{"material_id": ids["营业执照"], "kind": "licence", "reference": "L-1"}],
        },
    ).json()
    upload_pdf(applicant, draft["reference"], ids["申请书"])
    case = applicant.post(f"/api/v1/cases/{draft['reference']}/submit", {}).json()
    case_no, code = case["case_no"], case["verification_code"]
    material_id = case["materials"][-1]["id"]

    for outsider in (other_citizen, other_dept_approver):
        api = as_(client, outsider)
        assert_error(api.get(f"/api/v1/cases/{case_no}"), 404, "case_not_found")
        assert_error(api.get(f"/api/v1/cases/{case_no}/materials/{material_id}/file"), 404, "case_not_found")
        assert_error(api.post(f"/api/v1/cases/{case_no}/withdraw", {}), 404, "case_not_found")
        assert api.get("/api/v1/cases").json() == []
    assert_error(as_(client, citizen).post(f"/api/v1/cases/{case_no}/accept", {}), 403, "forbidden")
    assert_error(client.get(f"/api/v1/cases/{case_no}"), 401, "unauthenticated")

    def query(identifier: str, verification: str, number: str = case_no) -> Any:
        return client.post(
            "/api/v1/cases/status-query",
            data=json.dumps({"case_no": number, "identifier": identifier, "code": verification}),
            content_type="application/json",
        )

    wrong = [
        query(other_citizen.id_number, code),
        query(citizen.id_number, "WRONG123"),
        query(citizen.id_number, code, number="20990101-SCJG-000001"),
    ]
    bodies = [assert_error(r, 404, "status_query_failed") for r in wrong]
    assert len({(b["message_zh"], b["message_en"]) for b in bodies}) == 1  # nothing tells which part failed
    assert query(citizen.id_number, code.lower()).status_code == 200

    withdrawn = applicant.post(f"/api/v1/cases/{case_no}/withdraw", {"reason": "不办了"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert as_(client, clerk).get("/api/v1/tasks").json() == []


def test_window_intake_through_the_api(client: Client, citizen: Any, clerk: Any, dept_a: Any) -> None:
    from govhall.cases.tests.helpers import publish_item
    from govhall.catalog.content import MaterialSpec

    item = publish_item(dept_a, name="证明开具", materials=[MaterialSpec(name="身份证", medium="paper")])
    material = item.current_version.materials.get()
    response = as_(client, clerk).post(
        "/api/v1/cases",
        {
            "item": item.implementation_code,
            "form": FORM,
            "applicant_id_number": citizen.id_number,
            "materials": [{"material_id": material.pk, "kind": "counter"}],
        },
        HTTP_IDEMPOTENCY_KEY="window-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "window" and body["applicant_name"] == citizen.display_name
    assert as_(client, citizen).get(f"/api/v1/cases/{body['case_no']}").status_code == 200
