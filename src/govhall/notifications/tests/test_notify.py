"""notify(): in-site messages in the caller's transaction, e-mail and SMS after commit, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from huey.contrib.djhuey import HUEY

from govhall.notifications import sending, sms
from govhall.notifications.models import Delivery, Message
from govhall.notifications.services import notify
from govhall.notifications.tasks import deliver, requeue_stale_deliveries

pytestmark = pytest.mark.django_db

CONTEXT = {
    "applicant": "张三",
    "item": "食品经营许可",
    "case_no": "20261120-SCJG-000001",
    "department": "市场监管局",
}


def test_messages_are_written_in_the_callers_transaction(citizen: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[citizen], event="case.submitted", context=CONTEXT)
        assert Message.objects.filter(recipient=citizen).count() == 1
        raise RuntimeError("the change being notified fails")
    assert not Message.objects.exists()
    assert not Delivery.objects.exists()


def test_rolled_back_change_sends_nothing(
    citizen: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[citizen], event="case.submitted", context=CONTEXT)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert mail.outbox == [] and gateway.sent == []


def test_email_and_sms_go_out_when_the_queue_runs(
    citizen: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        [message] = notify(recipients=[citizen], event="case.submitted", context=CONTEXT, link="/my/cases/x/")
    assert message.title == "申请已提交：食品经营许可"
    assert "办件编号：20261120-SCJG-000001" in message.body
    [email] = mail.outbox
    assert email.to == [citizen.email]
    assert email.subject.endswith("申请已提交：食品经营许可")
    assert "张三：" in email.body and "20261120-SCJG-000001" in email.body
    [(phone, code, params)] = gateway.sent
    assert phone == citizen.phone and code == "GH_CASE_SUBMITTED"
    assert params == {"item": "食品经营许可", "case_no": "20261120-SCJG-000001"}
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"email": "sent", "sms": "sent"}
    assert Delivery.objects.get(channel="sms").provider_message_id == "carrier-1"


def test_staff_events_stay_in_site(
    reviewer: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[reviewer, reviewer], event="task.assigned", context={**CONTEXT, "step": "审查"})
    assert Message.objects.filter(recipient=reviewer).count() == 1
    assert not Delivery.objects.exists() and mail.outbox == []


def test_sms_is_sent_once_even_if_the_task_runs_twice(
    citizen: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[citizen], event="case.accepted", context={**CONTEXT, "deadline": "2026-12-04"})
    row = Delivery.objects.get(channel="sms")
    deliver.call_local(row.pk)
    assert sending.send_delivery(row.pk) == "sent"
    assert len(gateway.sent) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_delivery_in_another_workers_hands_is_left_alone(citizen: Any, gateway: Any) -> None:
    [message] = notify(recipients=[citizen], event="case.rejected", context=CONTEXT, channels=["sms"])
    row = Delivery.objects.get(message=message)
    assert sending._claim(row.pk) is not None  # a worker took it and is talking to the carrier
    assert sending.send_delivery(row.pk) == "sending"
    assert gateway.sent == []


def test_failing_gateway_is_retried_and_records_the_error(
    citizen: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    gateway.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[citizen], event="case.decided", context={**CONTEXT, "decision": "准予许可"})
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "503 Service Unavailable" in row.last_error
    # Huey put the retry on its schedule, 30 seconds out.
    [scheduled] = HUEY.scheduled()
    assert scheduled.args == (row.pk,) and scheduled.retries == sending.MAX_ATTEMPTS - 2
    deliver.call_local(row.pk)  # the retry runs
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(gateway.sent) == 1


def test_delivery_gives_up_after_the_last_attempt(citizen: Any, gateway: Any) -> None:
    gateway.failures_left = 100
    [message] = notify(recipients=[citizen], event="case.completed", context=CONTEXT, channels=["sms"])
    row = Delivery.objects.get(message=message)
    for _ in range(sending.MAX_ATTEMPTS - 1):
        with pytest.raises(sending.DeliveryFailed):
            sending.send_delivery(row.pk)
    assert sending.send_delivery(row.pk) == "failed"
    assert sending.send_delivery(row.pk) == "failed"  # nothing more is tried
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", sending.MAX_ATTEMPTS)


def test_lost_deliveries_are_enqueued_again(citizen: Any, gateway: Any) -> None:
    # Enqueued on commit, which a test transaction never reaches: as if the queue had been down.
    notify(recipients=[citizen], event="case.completed", context=CONTEXT)
    assert requeue_stale_deliveries.call_local() == 0  # too fresh to be called lost
    Delivery.objects.update(updated_at="2020-01-01T00:00:00Z")
    assert requeue_stale_deliveries.call_local() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 1 and len(gateway.sent) == 1


def test_recipients_without_contact_details_get_in_site_messages_only(citizen: Any, gateway: Any) -> None:
    citizen.email = ""
    citizen.phone_encrypted = ""
    citizen.save()
    [message] = notify(recipients=[citizen], event="case.submitted", context=CONTEXT)
    assert message.pk and not Delivery.objects.exists()


def test_unknown_event_and_channel_are_refused(citizen: Any) -> None:
    with pytest.raises(ValueError, match="unknown notification event"):
        notify(recipients=[citizen], event="case.nothing", context={})
    with pytest.raises(ValueError, match="channels"):
        notify(recipients=[citizen], event="case.submitted", context=CONTEXT, channels=["fax"])


def test_demo_gateways_mask_the_number(capsys: Any, caplog: Any) -> None:
    params = {"case_no": "20261120-SCJG-000001"}
    assert sms.ConsoleSmsGateway().send("13800138000", "GH_CASE_COMPLETED", params).startswith("console-")
    out = capsys.readouterr().out
    assert "138****8000" in out and "13800138000" not in out
    assert "您的办件20261120-SCJG-000001已办结" in out
    with caplog.at_level("INFO", logger="govhall.sms"):
        sms.LogSmsGateway().send("13800138000", "GH_CASE_COMPLETED", params)
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text
