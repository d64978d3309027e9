"""The message centre page and the unread count in the header."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.notifications.models import Message
from govhall.notifications.services import notify

pytestmark = pytest.mark.django_db

CONTEXT = {
    "applicant": "张三",
    "item": "食品经营许可",
    "case_no": "20261120-SCJG-000001",
    "department": "市场监管局",
}


def test_message_centre_lists_and_marks_read(client: Client, citizen: Any, other_citizen: Any) -> None:
    notify(
        recipients=[citizen], event="case.submitted", context=CONTEXT, link="/my/cases/20261120-SCJG-000001/"
    )
    notify(recipients=[citizen], event="case.completed", context=CONTEXT)
    notify(recipients=[other_citizen], event="case.withdrawn", context={**CONTEXT, "case_no": "其他人的办件"})
    client.force_login(citizen)

    page = client.get(reverse("notifications:list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "申请已提交：食品经营许可" in html and "已办结：食品经营许可" in html
    assert "其他人的办件" not in html
    assert 'text-bg-danger">2<' in html  # the header's unread badge

    submitted = Message.objects.get(recipient=citizen, event="case.submitted")
    opened = client.post(reverse("notifications:mark_read", args=[submitted.pk]), {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/my/cases/20261120-SCJG-000001/"
    submitted.refresh_from_db()
    assert submitted.read_at is not None
    assert (
        client.get(reverse("notifications:list") + "?unread=1").content.decode().count("gh-message-unread")
        == 1
    )

    client.post(reverse("notifications:mark_all_read"))
    assert not Message.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=other_citizen, read_at__isnull=True).count() == 1


def test_another_users_message_cannot_be_touched(client: Client, citizen: Any, other_citizen: Any) -> None:
    [message] = notify(recipients=[other_citizen], event="case.submitted", context=CONTEXT)
    client.force_login(citizen)
    assert client.post(reverse("notifications:mark_read", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_message_centre_needs_login(client: Client) -> None:
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
