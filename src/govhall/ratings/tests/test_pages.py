"""Rating, consultation and complaint pages and API: who gets which page, forms that work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhall.cases.models import Case
from govhall.complaints import services as complaint_services
from govhall.complaints.models import Complaint
from govhall.ratings import services
from govhall.ratings.models import Rating, Rectification

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_case_page_offers_rating_and_the_form_rates(
    citizen: Any, completed_case: Case, other_citizen: Any
) -> None:
    client = client_for(citizen)
    page = client.get(f"/my/cases/{completed_case.case_no}/")
    assert "评价本次服务" in page.content.decode()
    form = client.get(f"/ratings/case/{completed_case.case_no}/")
    assert form.status_code == 200 and "非常不满意" in form.content.decode()
    bad = client.post(f"/ratings/case/{completed_case.case_no}/", {"level": "1", "comment": "差"})
    assert bad.status_code == 400 and "至少5个字" in bad.content.decode()
    done = client.post(
        f"/ratings/case/{completed_case.case_no}/",
        {"level": "1", "comment": "办理很慢没人解释", "tags": ["办事效率低"]},
    )
    assert done.status_code == 302
    rating = Rating.objects.get()
    assert rating.tags == ["办事效率低"] and rating.level == 1
    assert "查看回访和整改情况" in client.get(f"/my/cases/{completed_case.case_no}/").content.decode()
    assert client_for(other_citizen).get(f"/ratings/case/{completed_case.case_no}/").status_code == 404
    assert (
        client_for(other_citizen).get(f"/ratings/rectifications/{rating.rectification.pk}/").status_code
        == 404
    )


def test_staff_queue_and_rectification_steps(
    citizen: Any, completed_case: Case, reviewer: Any, clerk: Any, other_dept_approver: Any
) -> None:
    rating = services.rate_case(actor=citizen, case=completed_case, level=2, comment="窗口解释不清楚")
    pk = rating.rectification.pk
    staff = client_for(reviewer)
    assert f"#{pk}" in staff.get("/ratings/staff/").content.decode()
    assert client_for(other_dept_approver).get(f"/ratings/rectifications/{pk}/").status_code == 404
    assert "回访评价人" not in client_for(clerk).get(f"/ratings/rectifications/{pk}/").content.decode()
    staff.post(
        f"/ratings/rectifications/{pk}/", {"action": "contact", "method": "电话", "note": "已致电说明"}
    )
    staff.post(
        f"/ratings/rectifications/{pk}/", {"action": "rectify", "finding": "属实", "measures": "加强培训"}
    )
    assert Rectification.objects.get(pk=pk).status == "rectified"
    mine = client_for(citizen)
    assert "确认整改结果" in mine.get(f"/ratings/rectifications/{pk}/").content.decode()
    mine.post(f"/ratings/rectifications/{pk}/", {"action": "confirm", "satisfied": "yes"})
    assert Rectification.objects.get(pk=pk).status == "confirmed"


def test_public_page_visit_code_and_item_guide(clerk: Any, item: Any, dept_a: Any) -> None:
    staff = client_for(clerk)
    made = staff.post(
        "/ratings/staff/visits/new/", {"department": dept_a.pk, "item": item.implementation_code}
    )
    visit_code = made.context["visit"].code
    assert visit_code in made.content.decode()
    anonymous = Client()
    assert anonymous.get(f"/ratings/visit/{visit_code}/").status_code == 200
    anonymous.post(f"/ratings/visit/{visit_code}/", {"level": "5", "tags": ["服务态度好"]})
    assert anonymous.get(f"/ratings/visit/{visit_code}/").content.decode().count("本次办事已评价") == 1
    public = anonymous.get("/ratings/").content.decode()
    assert dept_a.name in public and "100.00%" in public
    guide = anonymous.get(f"/items/{item.implementation_code}/").content.decode()
    assert "满意率 <strong>100.00%</strong>" in guide and "网上咨询本事项" in guide


def test_consultation_and_complaint_pages(
    citizen: Any,
    item: Any,
    completed_case: Case,
    clerk: Any,
    reviewer: Any,
    supervisor: Any,
    other_dept_approver: Any,
) -> None:
    me = client_for(citizen)
    response = me.post(
        f"/interaction/consult/new/?item={item.implementation_code}",
        {
            "item": item.implementation_code,
            "subject": "场所",
            "question": "住宅能否作为经营场所？",
            "publish_consent": "on",
        },
    )
    assert response.status_code == 302
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert number in client_for(clerk).get("/interaction/staff/").content.decode()
    client_for(clerk).post(
        f"/interaction/consultations/{number}/", {"action": "answer", "answer": "可以，需提交证明。"}
    )
    page = client_for(reviewer).get(f"/interaction/consultations/{number}/").content.decode()
    assert "公开到办事指南" in page
    response = me.post(
        "/interaction/complain/new/",
        {"target": "case", "case": completed_case.case_no, "subject": "拖延", "content": "多次催办没有回应"},
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.case_id == completed_case.pk
    assert client_for(clerk).get(f"/interaction/complaints/{complaint.number}/").status_code == 404
    assert (
        client_for(other_dept_approver).get(f"/interaction/complaints/{complaint.number}/").status_code == 404
    )
    assert client_for(reviewer).get(f"/interaction/complaints/{complaint.number}/").status_code == 200
    assert client_for(citizen).get("/interaction/supervision/").status_code == 404
    complaint_services.accept(actor=reviewer, complaint=complaint)
    complaint_services.answer(actor=reviewer, complaint=complaint, finding="核实属实", answer="已督促办理")
    me.post(f"/interaction/complaints/{complaint.number}/", {"action": "escalate", "reason": "仍未解决"})
    assert complaint.number in client_for(supervisor).get("/interaction/supervision/").content.decode()
    mine = me.get("/interaction/my/").content.decode()
    assert number in mine and complaint.number in mine


def test_api_rating_and_complaint_creation(citizen: Any, completed_case: Case, dept_a: Any) -> None:
    me = client_for(citizen)
    me.enforce_csrf_checks = False
    body = json.dumps({"level": 4, "tags": ["指引清楚"]})
    first = me.post(f"/api/v1/ratings/cases/{completed_case.case_no}", body, content_type="application/json")
    again = me.post(f"/api/v1/ratings/cases/{completed_case.case_no}", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    complaint = {
        "target": "department",
        "department": dept_a.code,
        "subject": "电话",
        "content": "咨询电话无人接听",
        "idempotency_key": "k1",
    }
    made = me.post("/api/v1/interaction/complaints", json.dumps(complaint), content_type="application/json")
    twice = me.post("/api/v1/interaction/complaints", json.dumps(complaint), content_type="application/json")
    assert made.status_code == 201 and made.json()["number"] == twice.json()["number"]
    assert Complaint.objects.count() == 1
    figures = Client().get("/api/v1/ratings/satisfaction").json()
    assert figures[0]["count"] == 1 and figures[0]["satisfaction_rate"] == "100.00"
    unknown = me.post("/api/v1/ratings/cases/NOPE", body, content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "case_not_found"
