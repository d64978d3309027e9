"""Information requests under electronic supervision: the overdue rule plugged into the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.apps import apps

from govhall.core.calendar import SHANGHAI
from govhall.disclosure import request_services

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("govhall.supervision"), reason="supervision app not installed"),
]


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour)


def test_overdue_request_raises_one_alert_per_deadline(
    citizen: Any, dept_a: Any, clerk: Any, reviewer: Any
) -> None:
    from govhall.disclosure.supervision_rules import REQUEST_OVERDUE, SUBJECT
    from govhall.supervision import evaluation, registry
    from govhall.supervision.models import Alert

    assert registry.spec(REQUEST_OVERDUE) is not None
    info = request_services.submit_request(
        actor=citizen,
        department=dept_a,
        content="本局2025年行政处罚案件统计",
        delivery="online",
        at=at("2026-09-18"),
    )
    info = request_services.confirm_receipt(actor=clerk, request=info, at=at("2026-09-21"))
    evaluation.sweep(now=at("2026-10-26", 20))  # the last day: not yet late
    assert not Alert.objects.filter(rule_kind=REQUEST_OVERDUE).exists()
    evaluation.sweep(now=at("2026-10-27"))
    evaluation.sweep(now=at("2026-10-28"))
    alert = Alert.objects.get(rule_kind=REQUEST_OVERDUE)
    assert (alert.subject_type, alert.subject_id, alert.department_id) == (SUBJECT, str(info.pk), dept_a.pk)
    assert info.number in alert.title and alert.due_at == info.due_at
    # Answered late afterwards: the same deadline, so no second alert.
    request_services.answer_request(
        actor=reviewer, request=info, answer="disclosed", text="见附件", at=at("2026-10-29")
    )
    evaluation.sweep(now=at("2026-10-30"))
    assert Alert.objects.filter(rule_kind=REQUEST_OVERDUE).count() == 1


def test_late_answer_found_by_the_change_window(citizen: Any, dept_a: Any, clerk: Any, reviewer: Any) -> None:
    from govhall.disclosure.supervision_rules import REQUEST_OVERDUE
    from govhall.supervision import evaluation
    from govhall.supervision.models import Alert

    info = request_services.submit_request(
        actor=citizen,
        department=dept_a,
        content="本局2025年行政处罚案件统计",
        delivery="online",
        at=at("2026-09-18"),
    )
    info = request_services.confirm_receipt(actor=clerk, request=info, at=at("2026-09-21"))
    # No sweep ran while it was late; the answer itself is the change that shows it.
    request_services.answer_request(
        actor=reviewer, request=info, answer="disclosed", text="见附件", at=at("2026-10-29")
    )
    evaluation.sweep(now=at("2026-10-29", 12))
    alert = Alert.objects.get(rule_kind=REQUEST_OVERDUE)
    assert "超期答复" in alert.title
