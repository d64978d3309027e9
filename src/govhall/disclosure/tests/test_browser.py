"""A visitor searches the disclosure catalogue, reads a publication and asks for more information."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.disclosure.models import InformationRequest
from govhall.disclosure.tests import factories as f
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_publication_request(page: Any, screenshot: Any) -> None:
    market = personas.department("dept_a")
    clerk, reviewer, approver = (
        personas.staff("clerk"),
        personas.staff("reviewer"),
        personas.staff("approver"),
    )
    personas.citizen("citizen")
    plan = f.published(
        market,
        clerk,
        reviewer,
        approver,
        title="云浮市2026年食品安全抽检监测工作方案",
        category="03",
        document_number="云市监〔2026〕8号",
        topic="08",
        keywords="食品安全 抽检",
        body="全年计划完成食品安全抽检监测4.2批次/千人。\n\n抽检不合格食品的核查处置情况按规定向社会公开。",
    )
    f.published(
        market,
        clerk,
        reviewer,
        approver,
        title="云浮市市场监督管理局2026年部门预算",
        category="04",
        body="本局2026年收入预算合计8,736.52万元。",
    )

    page.goto("/disclosure/")
    assert page.get_by_role("heading", name="政务公开", level=1).is_visible()
    screenshot(page, "disclosure-1-home")
    page.get_by_label("搜索政府信息").fill("食品安全 抽检")
    page.keyboard.press("Enter")
    page.wait_for_url("**/disclosure/search/?q=*")
    results = page.locator(".gh-item-name a")
    assert results.count() == 1 and results.first.inner_text() == plan.title
    screenshot(page, "disclosure-2-search")

    results.first.click()
    page.wait_for_url(f"**/disclosure/publications/{plan.pk}/")
    assert page.get_by_role("heading", name=plan.title).is_visible()
    assert plan.index_number in page.locator(".gh-pub-meta").inner_text()
    screenshot(page, "disclosure-3-publication")

    page.get_by_role("link", name="就此信息申请公开").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/disclosure/requests/new/**")
    content = page.get_by_label("所需政府信息的名称、文号或者便于查询的其他特征性描述")
    assert plan.index_number in content.input_value()
    content.fill(content.input_value() + "2026年上半年抽检不合格食品的核查处置结果")
    page.get_by_label("电子邮件").check()
    screenshot(page, "disclosure-4-request-form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/disclosure/my/requests/YSQ*/")
    info = InformationRequest.objects.get()
    assert info.related_publication_id == plan.pk and info.delivery == "email"
    assert info.number in page.locator(".gh-case-no").inner_text()
    assert "待确认收到" in page.locator(".gh-facts").inner_text()
    screenshot(page, "disclosure-5-my-request")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/disclosure/my/requests/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "disclosure-6-my-requests-phone")
