"""The disclosure pages through Django's test client: public pages, the applicant's, the staff's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.disclosure import list_services, request_services, services
from govhall.disclosure.models import InformationRequest, Publication
from govhall.disclosure.tests import factories as f

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def test_public_pages_show_published_and_marked_withdrawn_only(
    client: Client, dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    live = f.published(
        dept_a, clerk, reviewer, approver, title="2026年双随机抽查计划", body="抽查对象按比例随机抽取。"
    )
    gone = f.published(dept_a, clerk, reviewer, approver, title="旧版抽查办法", body="旧办法正文内容")
    services.withdraw(actor=approver, publication=gone, reason="已废止")
    draft = f.draft(dept_a, clerk, title="内部草稿标题")

    home = text(client.get("/disclosure/"))
    assert "2026年双随机抽查计划" in home and "内部草稿标题" not in home
    page = text(client.get("/disclosure/search/?q=抽查"))
    assert "2026年双随机抽查计划" in page and "已撤回" in page and "内部草稿标题" not in page
    detail = text(client.get(f"/disclosure/publications/{live.pk}/"))
    assert live.index_number in detail and "抽查对象按比例随机抽取" in detail
    assert "保密审查记录" not in detail  # the department's record, not the public's
    withdrawn = text(client.get(f"/disclosure/publications/{gone.pk}/"))
    assert "已撤回" in withdrawn and "已废止" in withdrawn and "旧办法正文内容" not in withdrawn
    assert client.get(f"/disclosure/publications/{draft.pk}/").status_code == 404
    catalogue = text(client.get(f"/disclosure/departments/{dept_a.code}/"))
    assert "政策文件" in catalogue and "政府信息公开指南" in catalogue
    assert client.get("/disclosure/search/?from=2026-13-01").status_code == 400
    assert client.get("/disclosure/search/?department=NOPE").status_code == 404
    # Staff of the department read the withdrawn body and the review record.
    staff_view = text(logged_in(clerk).get(f"/disclosure/publications/{gone.pk}/"))
    assert "旧办法正文内容" in staff_view and "保密审查记录" in staff_view


def test_lists_and_penalty_pages(
    client: Client, dept_a: Any, clerk: Any, approver: Any, platform_admin: Any
) -> None:
    decision = list_services.record_penalty(
        actor=clerk,
        department=dept_a,
        decision_number="云市监罚〔2026〕88号",
        party_kind="natural",
        party_name="赵有才",
        violation="未取得食品经营许可从事食品销售",
        basis="《食品安全法》第一百二十二条",
        penalty="没收违法所得，罚款一万元",
        fine_amount=Decimal("10000"),
        decided_on=date(2026, 11, 2),
    )
    list_services.publish_penalty(actor=approver, decision=decision)
    fund = list_services.create_fund(
        actor=clerk,
        name="市场监管专项资金",
        year=2026,
        amount=Decimal("1250.00"),
        department=dept_a,
        purpose="检验检测能力建设",
    )
    list_services.publish_entry(actor=approver, entry=fund)
    listing = text(client.get("/disclosure/penalties/"))
    assert "云市监罚〔2026〕88号" in listing and "赵**" in listing and "赵有才" not in listing
    assert "赵有才" not in text(client.get(f"/disclosure/penalties/{decision.pk}/"))
    assert "1,250.00" in text(client.get("/disclosure/lists/funds/"))
    lists = text(client.get("/disclosure/lists/"))
    assert 'href="/power-list/"' in lists
    assert client.get("/disclosure/lists/negative/?kind=bogus").status_code == 400


def test_request_form_and_my_requests(dept_a: Any, citizen: Any, other_citizen: Any, clerk: Any) -> None:
    client = logged_in(citizen)
    form = client.get(f"/disclosure/requests/new/?department={dept_a.code}")
    assert form.status_code == 200 and dept_a.name in text(form)
    bad = client.post(
        "/disclosure/requests/new/", {"department": dept_a.code, "content": "短", "delivery": "online"}
    )
    assert bad.status_code == 200 and "请具体描述所需政府信息" in text(bad)
    response = client.post(
        "/disclosure/requests/new/",
        {
            "department": dept_a.code,
            "content": "本局2025年行政许可办理情况统计",
            "delivery": "email",
            "idempotency_key": "abc",
        },
    )
    info = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disclosure/my/requests/{info.number}/"
    mine = text(client.get("/disclosure/my/requests/"))
    assert info.number in mine
    assert "待确认收到" in text(client.get(response["Location"]))
    # Another citizen neither lists nor opens it.
    other = logged_in(other_citizen)
    assert info.number not in text(other.get("/disclosure/my/requests/"))
    assert other.get(f"/disclosure/my/requests/{info.number}/").status_code == 404
    assert other.post(f"/disclosure/my/requests/{info.number}/withdraw/").status_code == 404
    # Staff are not applicants.
    assert logged_in(clerk).get("/disclosure/requests/new/").status_code == 403
    assert Client().get("/disclosure/my/requests/").status_code == 302


def test_staff_draft_review_publish_through_pages(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    category = services.category_by_code("02")
    response = logged_in(clerk).post(
        "/disclosure/staff/publications/new/",
        {
            "department": dept_a.pk,
            "category": category.pk,
            "title": "关于开展食品安全宣传周活动的通知",
            "issuing_body": dept_a.name,
            "topic": "08",
            "validity": "valid",
            "body": "各有关单位：……",
        },
    )
    publication = Publication.objects.get()
    assert response.status_code == 302
    logged_in(clerk).post(f"/disclosure/staff/publications/{publication.pk}/submit/")
    page = text(logged_in(clerk).get(f"/disclosure/staff/publications/{publication.pk}/"))
    assert "提交审查结论" not in page  # the drafter does not review
    logged_in(reviewer).post(
        f"/disclosure/staff/publications/{publication.pk}/review/",
        {"conclusion": "cleared", "opinion": "不涉密"},
    )
    logged_in(clerk).post(f"/disclosure/staff/publications/{publication.pk}/publish/")  # refused: not a head
    publication.refresh_from_db()
    assert publication.status == Publication.Status.CLEARED
    logged_in(approver).post(f"/disclosure/staff/publications/{publication.pk}/publish/")
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED and publication.index_number


def test_staff_answer_with_file_and_applicant_downloads(
    dept_a: Any, citizen: Any, clerk: Any, reviewer: Any, other_dept_approver: Any
) -> None:
    info = request_services.submit_request(
        actor=citizen, department=dept_a, content="2025年度食品抽检结果汇总表", delivery="online"
    )
    staff = logged_in(reviewer)
    assert info.number in text(staff.get("/disclosure/staff/requests/"))
    logged_in(clerk).post(f"/disclosure/staff/requests/{info.number}/confirm/")
    # Department B neither sees nor answers it.
    outsider = logged_in(other_dept_approver)
    assert outsider.get(f"/disclosure/staff/requests/{info.number}/").status_code == 404
    assert (
        outsider.post(
            f"/disclosure/staff/requests/{info.number}/answer/", {"answer": "disclosed", "text": "x"}
        ).status_code
        == 404
    )
    staff.post(
        f"/disclosure/staff/requests/{info.number}/answer/",
        {
            "answer": "disclosed",
            "text": "现将所申请信息提供给您。",
            "files": SimpleUploadedFile(
                "抽检结果.csv", "批次,结果\n1,合格\n".encode(), content_type="text/csv"
            ),
        },
    )
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.ANSWERED
    reply = info.files.get()
    applicant = logged_in(citizen)
    page = text(applicant.get(f"/disclosure/my/requests/{info.number}/"))
    assert "予以公开" in page and "抽检结果.csv" in page
    download = applicant.get(f"/disclosure/requests/{info.number}/files/{reply.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith("批次".encode())
    assert (
        logged_in(other_dept_approver)
        .get(f"/disclosure/requests/{info.number}/files/{reply.pk}/")
        .status_code
        == 404
    )
    report = text(
        staff.get(f"/disclosure/staff/report/?department={dept_a.code}&year={info.answered_at.year}")
    )
    assert "（一）予以公开" in report


def test_staff_pages_refuse_citizens(citizen: Any) -> None:
    assert logged_in(citizen).get("/disclosure/staff/").status_code == 404
