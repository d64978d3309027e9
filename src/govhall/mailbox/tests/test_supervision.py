"""Letters under electronic supervision: the reply-overdue rule plugged into the registry."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from govhall.mailbox import services
from govhall.mailbox.tests.helpers import at, office, office_clerk, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("govhall.supervision"), reason="supervision app not installed"),
]


def test_unreplied_letter_raises_one_alert(citizen: Any, dept_a: Any, clerk: Any, approver: Any) -> None:
    from govhall.mailbox.supervision_rules import LETTER_OVERDUE, SUBJECT
    from govhall.supervision import evaluation, registry
    from govhall.supervision.models import Alert

    assert registry.spec(LETTER_OVERDUE) is not None
    letter = write(citizen, when="2026-09-18")  # due at the end of 2026-10-15
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a, at=at("2026-09-21"))
    evaluation.sweep(now=at("2026-10-15", 20))
    assert not Alert.objects.filter(rule_kind=LETTER_OVERDUE).exists()
    evaluation.sweep(now=at("2026-10-16"))
    evaluation.sweep(now=at("2026-10-19"))
    alert = Alert.objects.get(rule_kind=LETTER_OVERDUE)
    assert (alert.subject_type, alert.subject_id, alert.department_id) == (SUBJECT, str(letter.pk), dept_a.pk)
    assert letter.number in alert.title and "未答复" in alert.title
    # Replied late afterwards: the same deadline, no second alert.
    services.draft_reply(actor=clerk, letter=letter, text="答复", at=at("2026-10-20"))
    services.review_reply(actor=approver, letter=letter, approve=True, at=at("2026-10-20", 15))
    evaluation.sweep(now=at("2026-10-21"))
    assert Alert.objects.filter(rule_kind=LETTER_OVERDUE).count() == 1


def test_unassigned_letter_is_the_offices_and_late_reply_found_by_change(
    citizen: Any, dept_a: Any, clerk: Any, approver: Any
) -> None:
    from govhall.mailbox.supervision_rules import LETTER_OVERDUE
    from govhall.supervision import evaluation
    from govhall.supervision.models import Alert

    waiting = write(citizen, when="2026-09-18", subject="无人分办")
    late = write(citizen, when="2026-09-18", subject="迟复")
    services.assign_letter(actor=office_clerk(), letter=late, department=dept_a, at=at("2026-09-21"))
    services.draft_reply(actor=clerk, letter=late, text="答复", at=at("2026-10-19"))
    services.review_reply(actor=approver, letter=late, approve=True, at=at("2026-10-19", 15))
    evaluation.sweep(now=at("2026-10-19", 16))
    alerts = {a.subject_id: a for a in Alert.objects.filter(rule_kind=LETTER_OVERDUE)}
    assert alerts[str(waiting.pk)].department_id == office().pk
    assert "超期答复" in alerts[str(late.pk)].title and alerts[str(late.pk)].department_id == dept_a.pk


def test_letter_replied_in_time_raises_nothing(citizen: Any, dept_a: Any, clerk: Any, approver: Any) -> None:
    from govhall.mailbox.supervision_rules import LETTER_OVERDUE
    from govhall.supervision import evaluation
    from govhall.supervision.models import Alert

    letter = write(citizen, when="2026-09-18")
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a, at=at("2026-09-21"))
    services.draft_reply(actor=clerk, letter=letter, text="答复", at=at("2026-10-15"))
    services.review_reply(actor=approver, letter=letter, approve=True, at=at("2026-10-15", 17))
    evaluation.sweep(now=at("2026-10-30"))
    assert not Alert.objects.filter(rule_kind=LETTER_OVERDUE).exists()
