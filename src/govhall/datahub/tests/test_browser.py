"""In a real browser: a tax officer finds a resource and applies; an import's bar follows the job."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.datahub.models import AccessGrant, ImportJob
from govhall.datahub.tests.test_exchange import legal_resource
from govhall.identity.models import Department, User
from govhall.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, user: User) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_tax_officer_finds_the_legal_person_resource_and_applies(
    page: Any, screenshot: Any, sources: None, scjgj: Department, scjgj_officer: User, swuju_officer: User
) -> None:
    resource = legal_resource(scjgj_officer, scjgj)
    log_in(page, swuju_officer)
    page.goto("/datahub/catalogue/")
    page.get_by_label("关键词").fill("法定代表人")
    page.get_by_role("button", name="检索").click()
    screenshot(page, "datahub-1-catalogue")
    page.get_by_role("link", name=resource.name).click()
    page.get_by_label("用途").fill("核查辖区企业税务登记情况")
    page.get_by_label("依据（法律法规或职责）").fill("《中华人民共和国税收征收管理法》第十五条")
    page.get_by_label("统一社会信用代码（uscc）").check()
    page.get_by_label("名称（name）").check()
    screenshot(page, "datahub-2-apply")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/datahub/grants/*/")
    assert page.get_by_text("待审核").first.is_visible()
    screenshot(page, "datahub-3-grant")
    assert AccessGrant.objects.get().requested_fields == ["uscc", "name"]


def test_the_import_progress_bar_follows_a_queued_job(
    page: Any, screenshot: Any, gaj: Department, gaj_officer: User
) -> None:
    job = ImportJob.objects.create(
        department=gaj,
        created_by=gaj_officer,
        dataset="population",
        file="datahub/imports/people.csv",
        original_name="people.csv",
        file_sha256="0" * 64,
        status=ImportJob.Status.VALIDATING,
        total_rows=1000,
        processed_rows=100,
    )
    log_in(page, gaj_officer)
    page.goto(f"/datahub/imports/{job.pk}/")
    bar = page.get_by_role("progressbar", name="导入进度")
    assert bar.get_attribute("aria-valuenow") == "9"
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, processed_rows=1000, created_rows=1000, message="新增 1000 条"
    )
    page.get_by_text("新增 1000 条，更新 0 条").wait_for()
    assert page.get_by_role("progressbar", name="导入进度").get_attribute("aria-valuenow") == "100"
    screenshot(page, "datahub-4-import-done")
