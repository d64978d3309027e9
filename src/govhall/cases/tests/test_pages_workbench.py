"""The staff workbench with Django's test client: queue, claim, window intake, the case page's actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.cases import handling
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import PDF_BYTES, material_ids, publish_item, staff_member, submitted
from govhall.catalog.models import ServiceItem
from govhall.identity.models import Role

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_task(case: Case, kind: str) -> Task:
    return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])


def act(client: Client, case: Case, op: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/workbench/cases/{case.case_no}/{op}/", data or {})


def test_queue_shows_department_tasks_with_deadline_colours_and_claims(
    item: ServiceItem, citizen: Any, clerk: Any, reviewer: Any
) -> None:
    late = submitted(citizen, item).case
    fresh = submitted(citizen, item).case
    Task.objects.filter(case=late).update(due_at="2020-01-02T10:00:00+08:00")
    client = logged_in(clerk)
    html = client.get("/workbench/").content.decode()
    assert str(late.case_no) in html and str(fresh.case_no) in html
    row = re.search(
        rf'<tr id="task-\d+" class="([^"]*)">\s*<td[^>]*><a href="/workbench/cases/{late.case_no}/"', html
    )
    assert row is not None and row.group(1) == "gh-row-overdue"
    assert "已超期" in html
    # The reviewer has nothing until a case is accepted.
    assert str(late.case_no) not in logged_in(reviewer).get("/workbench/").content.decode()

    task = open_task(fresh, "accept")
    swapped = client.post(f"/workbench/tasks/{task.pk}/claim/", HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    mine = swapped.content.decode().split('id="queue"')[1].split('id="dept-h"')[0]
    assert f"已领取：{fresh.case_no} 受理" in mine and str(fresh.case_no) in mine.split('id="mine-h"')[1]
    task.refresh_from_db()
    assert task.assignee == clerk and task.status == Task.Status.CLAIMED
    # Claimed already: the refreshed queue says so instead of failing the swap.
    again = logged_in(staff_member("clerk_two", task.candidate_department, Role.WINDOW_CLERK)).post(
        f"/workbench/tasks/{task.pk}/claim/", HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 200 and "该环节已由他人领取" in again.content.decode()


def test_another_department_cannot_open_the_case(
    item: ServiceItem, citizen: Any, clerk: Any, other_dept_approver: Any, county_clerk: Any
) -> None:
    case = submitted(citizen, item).case
    assert logged_in(clerk).get(f"/workbench/cases/{case.case_no}/").status_code == 200
    for outsider in (other_dept_approver, county_clerk):
        client = logged_in(outsider)
        assert client.get(f"/workbench/cases/{case.case_no}/").status_code == 404
        assert act(client, case, "accept").status_code == 404
        assert str(case.case_no) not in client.get("/workbench/").content.decode()
    upload = case.materials.get(kind="upload")
    assert logged_in(clerk).get(f"/workbench/cases/{case.case_no}/materials/{upload.pk}/").status_code == 200
    assert (
        logged_in(county_clerk).get(f"/workbench/cases/{case.case_no}/materials/{upload.pk}/").status_code
        == 404
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_standard_case_through_the_workbench(
    item: ServiceItem, citizen: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    case = submitted(citizen, item).case
    clerk_client = logged_in(clerk)
    page = clerk_client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "受理</button>" in page and "不予受理" in page and "发出补正告知" in page
    # The account's phone and ID number are masked; the form's contact phone is for the clerk to call.
    assert citizen.phone not in page and citizen.phone_masked in page
    assert citizen.id_number not in page and citizen.id_number_masked in page

    assert act(clerk_client, case, "accept").status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED and case.promised_deadline is not None

    review = open_task(case, "review")
    reviewer_client = logged_in(reviewer)
    page = reviewer_client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "审核通过" in page and "领取此任务" in page
    assert act(reviewer_client, case, "claim", {"task": review.pk}).status_code == 302
    done = act(reviewer_client, case, "task", {"task": review.pk, "action": "approve", "opinion": "材料齐全"})
    assert done.status_code == 302

    decide = open_task(case, "decide")
    approver_client = logged_in(approver)
    no_opinion = act(approver_client, case, "task", {"task": decide.pk, "action": "approve", "opinion": ""})
    assert no_opinion.status_code == 422
    assert "请填写审查或审批意见" in no_opinion.content.decode()
    decide.refresh_from_db()
    assert decide.status != Task.Status.DONE
    act(approver_client, case, "task", {"task": decide.pk, "action": "approve", "opinion": "准予许可"})
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.APPROVED, Case.Decision.APPROVED)

    # 办结 goes through delivering the decision letter.
    page = clerk_client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "送达并办结" in page and "准予行政许可决定书" in page
    no_tracking = act(clerk_client, case, "deliver", {"method": "post", "tracking_number": ""})
    assert no_tracking.status_code == 422 and "邮寄送达须填写有效的邮寄单号" in no_tracking.content.decode()
    act(clerk_client, case, "deliver", {"method": "post", "tracking_number": "SF1234567890"})
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    page = clerk_client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "当前没有您可办理的操作" in page and "准予许可" in page and "材料齐全" in page
    assert "邮寄送达（SF1234567890）" in page

    owner = logged_in(citizen)
    citizen_page = owner.get(f"/my/cases/{case.case_no}/").content.decode()
    assert "准予办理" in citizen_page and "（已办结）" in citizen_page
    assert "《中华人民共和国行政许可法》" in citizen_page
    assert "SF1234567890" in citizen_page
    assert "材料齐全" not in citizen_page, "internal review opinions stay on the workbench"
    link = re.search(r'href="([^"]+result\.pdf\?download=1)"', citizen_page)
    assert link is not None
    pdf = owner.get(link.group(1))
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF-")


def test_reject_needs_a_reason_and_writes_nothing_without_one(
    item: ServiceItem, citizen: Any, clerk: Any
) -> None:
    case = submitted(citizen, item).case
    client = logged_in(clerk)
    response = act(client, case, "reject", {"reason": "  "})
    assert response.status_code == 422
    html = response.content.decode()
    assert "不予受理须说明理由" in html and "a reason is required" in html
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    act(client, case, "reject", {"reason": "不属于本部门职权范围"})
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED and case.outcome_note == "不属于本部门职权范围"


def test_supplement_request_lists_every_ticked_item(item: ServiceItem, citizen: Any, clerk: Any) -> None:
    case = submitted(citizen, item).case
    ids = material_ids(item)
    client = logged_in(clerk)
    empty = act(client, case, "supplement", {"note": "请补正"})
    assert empty.status_code == 422 and "请列出需要补正的全部内容" in empty.content.decode()
    response = act(
        client,
        case,
        "supplement",
        {
            "material": [str(ids["申请书"]), str(ids["营业执照"])],
            f"reason-material-{ids['申请书']}": "须签名",
            "field": ["contact_phone"],
            "label-field-contact_phone": "联系电话",
            "reason-field-contact_phone": "号码有误",
            "other": "场地照片\n\n卫生许可证明",
            "note": "请一次补齐",
        },
    )
    assert response.status_code == 302
    request = case.supplement_requests.get()
    assert [entry["name"] for entry in request.items] == [
        "申请书",
        "营业执照",
        "联系电话",
        "场地照片",
        "卫生许可证明",
    ]
    assert request.items[0]["reason"] == "须签名" and request.items[2]["field"] == "contact_phone"
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPLEMENT_REQUESTED


def test_a_task_finished_by_someone_else_is_a_clear_conflict(
    item: ServiceItem, citizen: Any, clerk: Any, reviewer: Any, approver: Any, dept_a: Any
) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action="approve")
    decide = open_task(case, "decide")
    second = staff_member("approver_two", dept_a, Role.APPROVER)
    slow = logged_in(second)
    page = slow.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert f'name="task" value="{decide.pk}"' in page
    handling.complete_task(actor=approver, task=decide, action="approve", opinion="同意")
    response = act(slow, case, "task", {"task": decide.pk, "action": "deny", "opinion": "不同意"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "操作未执行" in html and "该环节已被他人办理" in html
    case.refresh_from_db()
    assert case.decision == Case.Decision.APPROVED


def test_transfer_to_a_colleague(
    item: ServiceItem, citizen: Any, clerk: Any, reviewer: Any, dept_a: Any
) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    colleague = staff_member("reviewer_two", dept_a, Role.REVIEWER)
    review = open_task(case, "review")
    client = logged_in(reviewer)
    page = client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "转办" in page and f'<option value="{colleague.pk}">' in page
    act(
        client,
        case,
        "task",
        {"task": review.pk, "action": "transfer", "transfer_to": colleague.pk, "opinion": "请协办"},
    )
    review.refresh_from_db()
    assert review.assignee == colleague


def test_special_procedure_suspends_and_resumes(item: ServiceItem, citizen: Any, clerk: Any) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    client = logged_in(clerk)
    assert "启动特别程序" in client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    procedure = case.item_version.special_procedures.get()
    missing = act(client, case, "suspend", {"procedure_id": procedure.pk, "reason": ""})
    assert missing.status_code == 422 and "请说明启动特别程序的事由" in missing.content.decode()
    act(client, case, "suspend", {"procedure_id": procedure.pk, "reason": "组织专家评审"})
    case.refresh_from_db()
    assert case.status == Case.Status.SUSPENDED and case.paused_since is not None
    assert "结束特别程序，恢复计时" in client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    act(client, case, "resume", {"note": "评审通过"})
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW and case.paused_since is None


def test_window_intake_files_a_case_for_a_walk_in(item: ServiceItem, citizen: Any, clerk: Any) -> None:
    client = logged_in(clerk)
    page = client.get("/workbench/intake/").content.decode()
    assert item.implementation_code in page
    unknown = client.post(
        "/workbench/intake/",
        {"item": item.implementation_code, "id_number": "445302199001011234", "step": "lookup"},
    )
    assert unknown.status_code == 404 and "未找到该申请人" in unknown.content.decode()

    found = client.post(
        "/workbench/intake/",
        {"item": item.implementation_code, "id_number": citizen.id_number, "step": "lookup"},
    )
    html = found.content.decode()
    assert found.status_code == 200 and citizen.id_number_masked in html and 'value="file"' in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key is not None
    ids = material_ids(item)
    data = {
        "idempotency_key": key.group(1),
        "item": item.implementation_code,
        "id_number": citizen.id_number,
        "step": "file",
        "form-contact_name": "张三",
        "form-contact_phone": "13800138000",
        f"material-{ids['申请书']}-way": "upload",
        f"material-{ids['申请书']}-file": SimpleUploadedFile("scan.pdf", PDF_BYTES, "application/pdf"),
        f"material-{ids['营业执照']}-way": "counter",
    }
    filed = client.post("/workbench/intake/", data)
    case = Case.objects.get(applicant=citizen)
    assert case.channel == Case.Channel.WINDOW and case.filed_by == clerk
    assert filed["Location"] == f"/workbench/cases/{case.case_no}/filed/"
    receipt = client.get(filed["Location"]).content.decode()
    assert str(case.case_no) in receipt and re.search(r'id="verification-code">[A-Z0-9]{8}<', receipt)
    data[f"material-{ids['申请书']}-file"] = SimpleUploadedFile("scan.pdf", PDF_BYTES, "application/pdf")
    again = client.post("/workbench/intake/", data)
    assert again["Location"] == f"/workbench/cases/{case.case_no}/"
    assert Case.objects.filter(applicant=citizen).count() == 1
    # The citizen sees the window case among their own.
    assert str(case.case_no) in logged_in(citizen).get("/my/cases/").content.decode()


def test_window_intake_only_offers_the_clerks_items(
    item: ServiceItem, dept_b: Any, citizen: Any, clerk: Any, reviewer: Any
) -> None:
    other = publish_item(dept_b, name="不动产登记")
    page = logged_in(clerk).get("/workbench/intake/").content.decode()
    assert item.implementation_code in page and other.implementation_code not in page
    refused = logged_in(clerk).post(
        "/workbench/intake/", {"item": other.implementation_code, "id_number": citizen.id_number}
    )
    assert refused.status_code == 422 and "请选择本部门的办理事项" in refused.content.decode()
    assert "您不是任何部门的窗口人员" in logged_in(reviewer).get("/workbench/intake/").content.decode()


def test_joint_case_is_visible_to_every_participating_department(
    dept_a: Any,
    dept_b: Any,
    county_dept: Any,
    citizen: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    third_dept_approver: Any,
    other_county_clerk: Any,
) -> None:
    joint = publish_item(dept_a, name="建设项目联合审批", joint=[dept_b, county_dept])
    case = submitted(citizen, joint).case
    handling.accept_case(actor=clerk, case=case)
    for person in (approver, other_dept_approver, third_dept_approver):
        client = logged_in(person)
        assert str(case.case_no) in client.get("/workbench/").content.decode()
        page = client.get(f"/workbench/cases/{case.case_no}/").content.decode()
        assert "并联部门" in page and "云浮市自然资源局" in page
        assert page.count("提交办理意见") == 1, "each department works only its own task"
    assert logged_in(other_county_clerk).get(f"/workbench/cases/{case.case_no}/").status_code == 404


def test_a_department_b_clerk_cannot_open_a_department_a_case(
    item: ServiceItem, citizen: Any, dept_b: Any
) -> None:
    case = submitted(citizen, item).case
    outsider = logged_in(staff_member("dept_b_clerk", dept_b, Role.WINDOW_CLERK))
    assert outsider.get(f"/workbench/cases/{case.case_no}/").status_code == 404
    assert act(outsider, case, "reject", {"reason": "不是本部门的"}).status_code == 404
    task = open_task(case, "accept")
    assert outsider.post(f"/workbench/tasks/{task.pk}/claim/").status_code == 302
    task.refresh_from_db()
    assert task.assignee is None
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_instant_item_is_decided_on_acceptance(dept_a: Any, citizen: Any, clerk: Any) -> None:
    instant = publish_item(
        dept_a, name="个体工商户名称查询", item_type="instant", promised_days=0, statutory_days=0
    )
    case = submitted(citizen, instant).case
    client = logged_in(clerk)
    page = client.get(f"/workbench/cases/{case.case_no}/").content.decode()
    assert "即办件：当场作出决定" in page and "受理并准予" in page
    missing = act(client, case, "accept", {"decision": "approve", "opinion": ""})
    assert missing.status_code == 422 and "请填写审批意见" in missing.content.decode()
    act(client, case, "accept", {"decision": "approve", "opinion": "当场核准"})
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.APPROVED, Case.Decision.APPROVED)


def test_window_intake_for_an_enterprise_by_credit_code(
    item: ServiceItem, enterprise: Any, clerk: Any
) -> None:
    client = logged_in(clerk)
    found = client.post(
        "/workbench/intake/",
        {"item": item.implementation_code, "uscc": enterprise.uscc.lower(), "step": "lookup"},
    )
    html = found.content.decode()
    assert found.status_code == 200 and "云浮市石艺有限公司" in html and "法人" in html
    assert 'name="form-contact_name"' in html and 'value="云浮市石艺有限公司"' in html
