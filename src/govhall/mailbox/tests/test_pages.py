"""Mailbox pages: writing, "my letters", the public list, the staff's letter page and statistics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.mailbox import services
from govhall.mailbox.models import Letter
from govhall.mailbox.tests.helpers import mayor_mailbox, office_clerk, replied, write

pytestmark = pytest.mark.django_db


def test_citizen_writes_a_letter(client: Client, citizen: Any) -> None:
    box = mayor_mailbox()
    client.force_login(citizen)
    page = client.get(f"/mailbox/write/{box.code}/")
    assert page.status_code == 200 and "提交来信" in page.content.decode()
    form = {
        "category": "help",
        "subject": "小区路灯损坏",
        "content": "幸福路12号小区路灯已坏一个月。",
        "consent_publish": "on",
        "idempotency_key": "page-1",
    }
    response = client.post(f"/mailbox/write/{box.code}/", form)
    letter = Letter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mailbox/my/{letter.number}/"
    client.post(f"/mailbox/write/{box.code}/", form)  # a double submit
    assert Letter.objects.count() == 1
    mine = client.get(f"/mailbox/my/{letter.number}/").content.decode()
    assert "小区路灯损坏" in mine and "提交来信" in mine
    bad = client.post(f"/mailbox/write/{box.code}/", {**form, "subject": "", "idempotency_key": "page-2"})
    assert bad.status_code == 200 and "请修改以下内容" in bad.content.decode()


def test_staff_cannot_write_and_anonymous_must_log_in(client: Client, clerk: Any) -> None:
    box = mayor_mailbox()
    assert client.get(f"/mailbox/write/{box.code}/").status_code == 302
    client.force_login(clerk)
    assert client.get(f"/mailbox/write/{box.code}/").status_code == 403


def test_public_list_shows_only_published_letters_without_personal_details(
    client: Client, citizen: Any, other_citizen: Any, dept_a: Any, clerk: Any, approver: Any
) -> None:
    letter = replied(citizen, dept_a, clerk, approver)
    services.publish_letter(actor=office_clerk(), letter=letter)
    hidden = write(other_citizen, subject="尚未答复的来信")
    index = client.get("/mailbox/").content.decode()
    assert letter.public_subject in index and "尚未答复的来信" not in index
    page = client.get(f"/mailbox/letters/{letter.number}/").content.decode()
    assert "张*" in page and "张三" not in page and "13800138000" not in page
    assert "已安排施工单位增设坡道" in page
    assert client.get(f"/mailbox/letters/{hidden.number}/").status_code == 404
    # Another citizen does not reach the private page of either letter.
    client.force_login(other_citizen)
    assert client.get(f"/mailbox/my/{letter.number}/").status_code == 404


def test_staff_letter_page_by_role(
    client: Client, citizen: Any, dept_a: Any, clerk: Any, other_dept_approver: Any, approver: Any
) -> None:
    letter = write(citizen)
    client.force_login(office_clerk())
    page = client.get(f"/mailbox/staff/letters/{letter.number}/").content.decode()
    assert "交办" in page and "13800138000" in page  # the office reads the full letter
    response = client.post(f"/mailbox/staff/letters/{letter.number}/assign/", {"department": dept_a.pk})
    assert response.status_code == 302
    client.force_login(other_dept_approver)
    assert client.get(f"/mailbox/staff/letters/{letter.number}/").status_code == 404
    client.force_login(clerk)
    page = client.get(f"/mailbox/staff/letters/{letter.number}/").content.decode()
    assert "拟写答复" in page and "审核答复" not in page
    client.post(f"/mailbox/staff/letters/{letter.number}/draft/", {"text": "已处理。"})
    client.force_login(approver)
    page = client.get(f"/mailbox/staff/letters/{letter.number}/").content.decode()
    assert "同意发送" in page
    client.post(f"/mailbox/staff/letters/{letter.number}/review/", {"decision": "approve"})
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REPLIED
    stats = client.get("/mailbox/staff/statistics/").content.decode()
    assert dept_a.name in stats and "平均答复用时" in stats
    client.force_login(citizen)
    assert client.get("/mailbox/staff/").status_code == 403
