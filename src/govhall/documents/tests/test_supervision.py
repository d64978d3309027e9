"""Sign-for under electronic supervision: the overdue rule plugged into the registry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.apps import apps

from govhall.core.calendar import SHANGHAI
from govhall.documents import exchange
from govhall.documents.models import Distribution
from govhall.documents.tests import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("govhall.supervision"), reason="supervision app not installed"),
]


def test_unsigned_copy_raises_one_alert_and_late_sign_for_is_found(
    dept_a: Any, dept_b: Any, county_dept: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    from govhall.documents.supervision_rules import SIGN_FOR_OVERDUE, SUBJECT
    from govhall.supervision import evaluation, registry
    from govhall.supervision.models import Alert

    assert registry.spec(SIGN_FOR_OVERDUE) is not None
    document = f.signed(dept_a, clerk, approver)
    sent = datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI)
    exchange.send(actor=clerk, document=document, units=[dept_b, county_dept], at=sent)
    evaluation.sweep(now=sent + timedelta(hours=23))
    assert not Alert.objects.filter(rule_kind=SIGN_FOR_OVERDUE).exists()
    b_copy = Distribution.objects.get(document=document, unit=dept_b)
    exchange.sign_for(actor=other_dept_approver, copy=b_copy, at=sent + timedelta(hours=20))
    evaluation.sweep(now=sent + timedelta(hours=25))
    evaluation.sweep(now=sent + timedelta(hours=26))
    alert = Alert.objects.get(rule_kind=SIGN_FOR_OVERDUE)
    c_copy = Distribution.objects.get(document=document, unit=county_dept)
    assert (alert.subject_type, alert.subject_id, alert.department_id) == (
        SUBJECT,
        str(c_copy.pk),
        county_dept.pk,
    )
    assert "未签收" in alert.title and document.document_number in alert.title
