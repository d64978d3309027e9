"""Draft → countersign → sign-off → send to 140 units → units sign for → tracking shows 140/140;
a returned document shows its reason to the sender."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.documents import exchange
from govhall.documents.models import Distribution, Document, UnitGroup
from govhall.documents.tests import factories as f
from govhall.documents.units import bulk_units
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS = 140


def log_in(page: Any, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_send_to_140_units_and_track(page: Any, screenshot: Any) -> None:
    office = personas.department("dept_a")
    f.authority(office, mark="云浮市市场监督管理局文件", prefix="云市监")
    personas.department("dept_b")
    county = personas.department("county_dept")
    for name in ("clerk", "approver", "other_dept_approver", "county_clerk"):
        personas.staff(name)
    others = bulk_units(
        personas.region(personas.CITY), UNITS - 1, code_prefix="BRW", name_format="云浮市测试单位{n:03d}"
    )
    group = UnitGroup.objects.create(code="test-all", name="全体测试单位")
    group.units.set([*others, county])

    # The clerk drafts.
    log_in(page, "clerk", "/documents/new/")
    page.get_by_label("标题").fill("关于开展全市电子公文交换演练的通知")
    page.get_by_label("主送机关").fill("各县（市、区）人民政府，市政府各部门")
    page.get_by_label("正文").fill(
        "为检验电子公文交换系统，定于本周开展全市演练。\n各单位收到本通知后请即签收。"
    )
    page.get_by_label("紧急程度").select_option(label="加急")
    screenshot(page, "documents-1-draft")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/documents/*/")
    document = Document.objects.get()
    detail = f"/documents/{document.pk}/"
    page.get_by_label("会签部门").select_option(label="云浮市自然资源局")
    page.get_by_role("button", name="发起会签").click()
    page.wait_for_url(f"**{detail}")
    assert page.locator("[data-status]").first.inner_text() == "会签中"

    # The other department countersigns.
    log_in(page, "other_dept_approver", detail)
    page.get_by_role("textbox", name="意见").fill("同意，无修改意见")
    page.get_by_role("button", name="同意", exact=True).click()
    page.wait_for_url(f"**{detail}")

    # The leader signs off: numbered, rendered, sealed.
    log_in(page, "approver", detail)
    assert page.locator("[data-status]").first.inner_text() == "待签发"
    page.get_by_role("button", name="签发", exact=True).click()
    page.wait_for_url(f"**{detail}")
    document.refresh_from_db()
    assert document.document_number and document.document_number.startswith("云市监〔")
    assert document.document_number in page.locator(".gw-number").inner_text()
    screenshot(page, "documents-2-signed")

    # The clerk sends it to the group of 140 units.
    log_in(page, "clerk", detail)
    page.get_by_label(f"全体测试单位（{UNITS}个单位）").check()
    page.get_by_role("button", name="发送").click()
    page.wait_for_url(f"**{detail}tracking/")
    assert Distribution.objects.filter(document=document).count() == UNITS
    assert page.locator('[data-figure="signed"]').inner_text() == f"0/{UNITS}"

    # 139 units sign for through the service; the county clerk through the page. (The tracking
    # page polls; it is left first, as SQLite's shared test database locks a polled table.)
    page.goto("about:blank")
    for unit in others:
        copy = Distribution.objects.get(document=document, unit=unit)
        exchange.sign_for(actor=personas_clerk(unit), copy=copy)
    log_in(page, "county_clerk", f"/documents/inbox/{document.pk}/")
    screenshot(page, "documents-3-inbox")
    page.get_by_role("button", name="签收", exact=True).click()
    page.wait_for_url(f"**/documents/inbox/{document.pk}/")
    assert page.locator("[data-status]").first.inner_text() == "已签收"

    log_in(page, "clerk", f"{detail}tracking/")
    page.locator('[data-figure="signed"]').filter(has_text=f"{UNITS}/{UNITS}").wait_for()
    screenshot(page, "documents-4-tracking-140")

    # A second document: a unit returns it through the page; the sender's tracking shows the reason.
    second = f.signed(
        office, personas.staff("clerk"), personas.staff("approver"), title="关于报送年度工作总结的通知"
    )
    exchange.send(
        actor=personas.staff("clerk"), document=second, units=[county, personas.department("dept_b")]
    )
    log_in(page, "county_clerk", f"/documents/inbox/{second.pk}/")
    page.get_by_label("理由").fill("该事项由区政府办公室统一报送")
    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_url(f"**/documents/inbox/{second.pk}/")
    assert page.locator("[data-status]").first.inner_text() == "已退回"
    log_in(page, "clerk", f"/documents/{second.pk}/tracking/")
    assert "该事项由区政府办公室统一报送" in page.locator(".gw-reason").first.inner_text()
    assert page.locator('[data-figure="returned"]').inner_text() == "1"
    screenshot(page, "documents-5-returned")


def personas_clerk(unit: Any) -> Any:
    from govhall.documents.units import clerk_of

    return clerk_of(unit)
