"""The whole journey in a real browser, each person logging in through the login page.

Citizen applies online with a PDF → clerk asks for a supplement → citizen supplements → clerk
accepts → reviewer and approver decide → clerk completes → citizen reads the result. And a joint
item's case on the workbench of each of its three departments.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from govhall.cases.models import Case
from govhall.cases.tests.helpers import material_ids, publish_item
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A small but complete PDF (header, one page, xref table, trailer), as a scanner would produce.
SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def pdf(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": SCAN}


def log_in(page: Any, username: str, *, next_url: str = "") -> None:
    page.goto(f"/accounts/login/?next={next_url}" if next_url else "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("button", name="退出").is_visible()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/")


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_apply_supplement_accept_decide_and_read_the_result(page: Any, screenshot: Any) -> None:
    citizen = personas.citizen("citizen")
    for name in ("clerk", "reviewer", "approver"):
        personas.staff(name)
    item = publish_item(personas.department("dept_a"))
    ids = material_ids(item)

    # The citizen finds the guide, is asked to log in, and lands on the application form.
    page.goto(f"/items/{item.implementation_code}/")
    page.get_by_role("link", name="在线办理").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/apply/{item.implementation_code}/")
    assert page.get_by_label("联系人").input_value() == "张三"
    assert page.get_by_label("使用电子证照（营业执照）").is_disabled()
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label("申请事由").fill("在云城区开办一家小餐馆，申请食品经营许可。")
    page.set_input_files(f"#material-{ids['申请书']}-file", files=[pdf("食品经营许可申请书.pdf")])
    page.locator(f"#material-{ids['营业执照']}-way-counter").check()
    assert page.locator(f"#material-{ids['营业执照']}-file").is_hidden()
    screenshot(page, "journey-01-apply-form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/code/?submitted=1")
    case = Case.objects.get(applicant=citizen)
    assert page.locator("#case-no").inner_text() == case.case_no
    code = page.locator("#verification-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    screenshot(page, "journey-02-submitted-code")
    log_out(page)

    # The clerk tells the citizen, once, everything that is missing.
    log_in(page, "clerk", next_url="/workbench/")
    page.wait_for_url("**/workbench/")
    screenshot(page, "journey-03-clerk-queue")
    page.get_by_role("link", name=f"办理 {case.case_no}").click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    page.get_by_text("补正告知（一次性告知全部缺漏）").click()
    page.get_by_label("申请书", exact=True).check()
    page.get_by_label("申请书的补正要求").fill("申请书须申请人本人签名")
    page.get_by_label("其他需补正的内容（每行一项）").fill("经营场所平面图")
    page.get_by_label("告知说明").fill("请一次补齐以上材料，补正后我们将尽快受理。")
    screenshot(page, "journey-04-clerk-supplement-form")
    page.get_by_role("button", name="发出补正告知").click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    assert "已一次性告知申请人" in page.locator(".alert").first.inner_text()
    log_out(page)

    # The citizen sees the whole list and supplements, on a phone.
    log_in(page, "citizen", next_url="/my/cases/")
    page.wait_for_url("**/my/cases/")
    screenshot(page, "journey-05-my-cases")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name=case.case_no).click()
    panel = page.locator("#supplement")
    assert "申请书须申请人本人签名" in panel.inner_text() and "经营场所平面图" in panel.inner_text()
    assert no_horizontal_scroll(page)
    screenshot(page, "journey-06-supplement-requested-phone")
    page.set_input_files(f"#material-{ids['申请书']}-file", files=[pdf("申请书-已签名.pdf")])
    page.get_by_label("补正说明（选填）").fill("已签名；平面图见申请书第二页。")
    page.get_by_role("button", name="提交补正").click()
    page.wait_for_url(f"**/my/cases/{case.case_no}/")
    assert "补正材料已提交" in page.locator(".alert").first.inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    # The clerk accepts; the reviewer claims from the queue and reviews; the approver decides.
    log_in(page, "clerk", next_url=f"/workbench/cases/{case.case_no}/")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    assert page.locator(".gh-status").first.inner_text() == "已受理"
    log_out(page)

    log_in(page, "reviewer", next_url="/workbench/")
    page.get_by_role("button", name=f"领取 {case.case_no}").click()
    page.locator(f"a[href='/workbench/cases/{case.case_no}/']").first.wait_for()
    page.get_by_text("我", exact=True).wait_for()
    screenshot(page, "journey-07-reviewer-claimed")
    page.get_by_role("link", name=f"办理 {case.case_no}").click()
    page.get_by_label("审核通过").check()
    page.get_by_label("意见").fill("材料齐全，符合法定条件，建议准予。")
    page.get_by_role("button", name="提交办理意见").click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    log_out(page)

    log_in(page, "approver", next_url=f"/workbench/cases/{case.case_no}/")
    page.get_by_label("准予许可").check()
    page.get_by_role("button", name="提交办理意见").click()
    assert "请填写审查或审批意见" in page.locator("#error-summary").inner_text()
    screenshot(page, "journey-08-approver-opinion-required")
    page.get_by_label("意见").fill("经审查，申请人符合食品经营许可条件，准予许可。")
    page.get_by_role("button", name="提交办理意见").click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    screenshot(page, "journey-09-approver-decided")
    log_out(page)

    log_in(page, "clerk", next_url=f"/workbench/cases/{case.case_no}/")
    assert page.get_by_label("网上下载").is_checked()
    screenshot(page, "journey-10-clerk-deliver")
    page.get_by_role("button", name="送达并办结").click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    assert page.locator(".gh-status").first.inner_text() == "已办结"
    log_out(page)

    # The citizen reads the result, on a desktop and on a phone.
    log_in(page, "citizen", next_url=f"/my/cases/{case.case_no}/")
    result = page.locator("#result")
    assert "准予办理" in result.inner_text()
    assert "经审查，申请人符合食品经营许可条件，准予许可。" in result.inner_text()
    assert "《中华人民共和国行政许可法》" in result.inner_text()
    assert "网上下载" in result.inner_text()
    with page.expect_download() as download:
        result.get_by_role("link", name="下载准予行政许可决定书（PDF）").click()
    assert download.value.suggested_filename == f"准予行政许可决定书-{case.case_no}.pdf"
    with open(download.value.path(), "rb") as letter:
        assert letter.read(5) == b"%PDF-"
    screenshot(page, "journey-11-citizen-result")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert no_horizontal_scroll(page)
    screenshot(page, "journey-12-citizen-result-phone")
    log_out(page)

    # Anyone with the number, the ID number and the code can follow it without logging in.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/status/")
    page.get_by_label("办件编号").fill(case.case_no or "")
    page.get_by_label("身份证号码或统一社会信用代码").fill(citizen.id_number)
    page.get_by_label("查询码").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state("domcontentloaded")
    assert "已办结" in page.locator("#result-h + dl").inner_text()
    assert "张*" in page.locator("#result-h + dl").inner_text()
    screenshot(page, "journey-13-status-query")


def test_joint_case_on_three_departments_workbenches(page: Any, screenshot: Any) -> None:
    from govhall.cases import handling
    from govhall.cases.tests.helpers import staff_member, submitted
    from govhall.identity.models import Role

    lead, land, county = (personas.department(k) for k in ("dept_a", "dept_b", "county_dept"))
    citizen = personas.citizen("citizen")
    clerk = personas.staff("clerk")
    personas.staff("approver")
    personas.staff("other_dept_approver")
    staff_member("county_approver", county, Role.APPROVER)
    joint = publish_item(lead, name="建设项目联合审批", joint=[land, county])
    case = submitted(citizen, joint).case
    handling.accept_case(actor=clerk, case=case)

    for index, username in enumerate(("approver", "other_dept_approver", "county_approver"), start=1):
        log_in(page, username, next_url="/workbench/")
        page.get_by_role("link", name=f"办理 {case.case_no}").click()
        page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
        assert "并联部门" in page.locator("main").inner_text()
        page.get_by_label("同意", exact=True).check()
        page.get_by_label("意见").fill("同意")
        page.get_by_role("button", name="提交办理意见").click()
        page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
        if index == 1:
            screenshot(page, "journey-14-joint-first-department")
        log_out(page)
        case.refresh_from_db()
        expected = Case.Status.APPROVED if index == 3 else Case.Status.IN_REVIEW
        assert case.status == expected, f"after {index} of 3 decisions"


def test_window_intake_for_a_walk_in(page: Any, screenshot: Any) -> None:
    citizen = personas.citizen("citizen")
    personas.staff("clerk")
    item = publish_item(personas.department("dept_a"))
    ids = material_ids(item)

    log_in(page, "clerk", next_url="/workbench/intake/")
    page.get_by_label("办理事项").select_option(item.implementation_code)
    page.get_by_label("个人：身份证号码").fill(citizen.id_number)
    page.get_by_role("button", name="查找申请人").click()
    assert citizen.id_number_masked in page.locator("#who-h + dl").inner_text()
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_role("button", name="收件并生成办件编号").click()
    # Nothing attached yet: the clerk is told what is missing, on the material's row.
    assert "缺少必要材料「申请书」" in page.locator("#error-summary").inner_text()
    page.set_input_files(f"#material-{ids['申请书']}-file", files=[pdf("申请书扫描件.pdf")])
    page.locator(f"#material-{ids['营业执照']}-way-counter").check()
    screenshot(page, "intake-1-form")
    page.get_by_role("button", name="收件并生成办件编号").click()
    page.wait_for_url("**/filed/")
    case = Case.objects.get(applicant=citizen)
    assert case.channel == Case.Channel.WINDOW
    assert re.fullmatch(r"[A-Z0-9]{8}", page.locator("#verification-code").inner_text())
    assert page.get_by_role("button", name="打印收件凭证").is_visible()
    screenshot(page, "intake-2-filed")
    page.get_by_role("link", name="打开办件（受理）").click()
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_url(f"**/workbench/cases/{case.case_no}/")
    assert page.locator(".gh-status").first.inner_text() == "已受理"
