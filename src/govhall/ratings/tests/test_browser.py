"""A citizen rates a completed case 非常不满意; the department calls back and rectifies; the citizen confirms."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases.tests.helpers import publish_item
from govhall.ratings.models import Rating, Rectification
from govhall.ratings.tests.conftest import make_case
from govhall.testing import personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(personas.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def test_bad_rating_followed_up_rectified_and_confirmed(page: Any, screenshot: Any) -> None:
    market = personas.department("dept_a")
    citizen = personas.citizen("citizen")
    personas.staff("reviewer")
    item = publish_item(market)
    case = make_case(citizen, item)

    login(page, "citizen")
    page.goto(f"/my/cases/{case.case_no}/")
    page.get_by_role("link", name="评价本次服务").click()
    page.wait_for_url(f"**/ratings/case/{case.case_no}/")
    page.get_by_label("非常不满意").check()
    page.get_by_label("多次跑腿").check()
    page.get_by_label("评价内容").fill("材料一次没说清楚，前后跑了三趟窗口。")
    screenshot(page, "ratings-1-rate")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/my/cases/{case.case_no}/#rating")
    panel = page.locator("#rating")
    assert "非常不满意" in panel.inner_text() and "待回访" in panel.inner_text()
    screenshot(page, "ratings-2-case-page")
    rectification = Rectification.objects.get(rating__case=case)
    logout(page)

    login(page, "reviewer")
    page.goto("/ratings/staff/")
    page.get_by_role("link", name=f"#{rectification.pk}").click()
    page.wait_for_url(f"**/ratings/rectifications/{rectification.pk}/")
    page.get_by_label("回访方式").select_option("电话")
    page.get_by_label("回访情况").fill("已电话联系张三，致歉并了解到窗口未一次性告知补正材料。")
    page.get_by_role("button", name="保存回访").click()
    page.wait_for_url(f"**/ratings/rectifications/{rectification.pk}/")
    page.get_by_label("核实情况").fill("经调取窗口录像核实，工作人员未按一次性告知制度出具补正清单。")
    page.get_by_label("整改措施").fill(
        "对当事窗口人员批评教育；全体窗口重新培训一次性告知制度，补正清单由系统打印。"
    )
    screenshot(page, "ratings-3-staff-rectify")
    page.get_by_role("button", name="提交整改结果").click()
    page.wait_for_url(f"**/ratings/rectifications/{rectification.pk}/")
    assert "已整改待确认" in page.locator(".gh-case-head").inner_text()
    logout(page)

    login(page, "citizen")
    page.goto(f"/my/cases/{case.case_no}/")
    page.get_by_role("link", name="查看回访和整改情况并确认").click()
    page.wait_for_url(f"**/ratings/rectifications/{rectification.pk}/")
    assert "批评教育" in page.locator("main").inner_text()
    page.get_by_label("认可", exact=True).check()
    page.get_by_label("意见（选填）").fill("感谢回访。")
    screenshot(page, "ratings-4-confirm")
    page.get_by_role("button", name="提交确认").click()
    page.wait_for_url(f"**/ratings/rectifications/{rectification.pk}/")
    assert "评价人已确认" in page.locator(".gh-case-head").inner_text()
    screenshot(page, "ratings-5-confirmed")

    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.CONFIRMED
    assert Rating.objects.get().level == 1
    page.goto("/ratings/")
    assert market.name in page.locator("main").inner_text()
    screenshot(page, "ratings-6-public")
