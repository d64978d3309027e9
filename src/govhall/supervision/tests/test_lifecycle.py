"""Alert lifecycle: raised and notified → explained by the department → closed or upheld by a
supervisor; every step audited; who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases.models import Case
from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.supervision import services
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import accepted_case, at, check, only_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(citizen: Any, item: Any, clerk: Any, clock: Any) -> Alert:
    only_rules("overdue")
    case = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")  # due 4 December
    (alert,) = check(case, "2026-12-07 09:00")
    return alert


@pytest.fixture
def warning(citizen: Any, item: Any, clerk: Any, clock: Any) -> Alert:
    only_rules("deadline_approaching")
    case = accepted_case(citizen, item, clerk, clock, "2026-11-20 10:00")
    (alert,) = check(case, "2026-12-03 09:00")
    return alert


def actions(alert: Alert) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="supervision.alert", object_id=str(alert.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_a_card_notifies_the_department_and_the_supervisors_of_the_region(
    reviewer: Any, department_admin: Any, supervisor: Any, county_supervisor: Any, card: Alert
) -> None:
    # The reviewer holds the case's open task; the department admin heads dept A; the city
    # supervisor watches 云浮市; the county supervisor watches only 云城区.
    for person in (reviewer, department_admin, supervisor):
        message = person.messages.get(event="supervision.alert_raised")
        assert "黄牌" in message.title and message.link == f"/supervision/alerts/{card.pk}/"
    assert not county_supervisor.messages.filter(event="supervision.alert_raised").exists()
    assert actions(card) == ["supervision.alert_raised"]


def test_a_warning_goes_to_the_department_only(reviewer: Any, supervisor: Any, warning: Alert) -> None:
    assert reviewer.messages.filter(event="supervision.alert_raised").exists()
    assert not supervisor.messages.filter(event="supervision.alert_raised").exists()


def test_explain_then_close(reviewer: Any, supervisor: Any, card: Alert) -> None:
    explained = services.explain_alert(
        actor=reviewer, alert=card, explanation="专家论证耗时较长，已于次日办结"
    )
    assert explained.status == Alert.Status.EXPLAINED and explained.explained_by == reviewer
    assert supervisor.messages.filter(event="supervision.alert_explained").exists()
    closed = services.decide_alert(actor=supervisor, alert=card, decision="close", note="说明属实")
    assert closed.status == Alert.Status.CLOSED and closed.decided_by == supervisor
    assert reviewer.messages.filter(event="supervision.alert_decided").exists()
    assert actions(card) == [
        "supervision.alert_raised",
        "supervision.alert_explained",
        "supervision.alert_decided",
    ]
    with pytest.raises(DomainError) as again:
        services.decide_alert(actor=supervisor, alert=card, decision="uphold", note="改判")
    assert again.value.status == 409
    # The card stays on the department's record.
    assert Alert.objects.filter(pk=card.pk, level="yellow").exists()


def test_a_card_is_explained_before_it_is_decided(card: Alert, supervisor: Any) -> None:
    with pytest.raises(DomainError) as early:
        services.decide_alert(actor=supervisor, alert=card, decision="close")
    assert early.value.code == "explanation_missing"


def test_upholding_needs_a_note(card: Alert, reviewer: Any, supervisor: Any) -> None:
    services.explain_alert(actor=reviewer, alert=card, explanation="工作量大")
    with pytest.raises(DomainError) as missing:
        services.decide_alert(actor=supervisor, alert=card, decision="uphold")
    assert missing.value.code == "note_required"
    upheld = services.decide_alert(
        actor=supervisor, alert=card, decision="uphold", note="理由不成立，维持黄牌"
    )
    assert upheld.status == Alert.Status.UPHELD


def test_a_warning_may_be_closed_without_explanation(warning: Alert, supervisor: Any) -> None:
    assert services.decide_alert(actor=supervisor, alert=warning, decision="close").status == "closed"


def test_a_department_clerk_cannot_decide(card: Alert, clerk: Any, reviewer: Any) -> None:
    services.explain_alert(actor=reviewer, alert=card, explanation="已整改")
    with pytest.raises(DomainError) as refused:
        services.decide_alert(actor=clerk, alert=card, decision="close")
    assert refused.value.status == 403
    assert not permissions.can_act(clerk, card, "decide")


def test_another_department_cannot_explain(
    card: Alert, other_dept_approver: Any, county_supervisor: Any
) -> None:
    for outsider in (other_dept_approver, county_supervisor):
        with pytest.raises(DomainError) as refused:
            services.explain_alert(actor=outsider, alert=card, explanation="与我无关")
        assert refused.value.status == 404  # they cannot even see it


def test_who_sees_which_alerts(
    card: Alert,
    citizen: Any,
    clerk: Any,
    supervisor: Any,
    county_supervisor: Any,
    platform_admin: Any,
    other_dept_approver: Any,
    other_county_clerk: Any,
    clock: Any,
) -> None:
    from govhall.cases.tests.helpers import publish_item
    from govhall.testing import personas

    other_county_case = accepted_case(
        citizen,
        publish_item(personas.department("other_county_dept")),
        other_county_clerk,
        clock,
        "2026-11-20 10:00",
    )
    (other_alert,) = check(other_county_case, "2026-12-07 09:00")

    def visible(user: Any) -> set[int]:
        return set(permissions.restrict(Alert.objects.all(), user).values_list("pk", flat=True))

    assert visible(supervisor) == {card.pk, other_alert.pk}  # the city and its counties
    assert visible(county_supervisor) == set()  # 云城区 only: neither the city's nor 罗定市's
    assert visible(clerk) == {card.pk}
    assert visible(other_county_clerk) == {other_alert.pk}
    assert visible(other_dept_approver) == set()
    assert visible(citizen) == set()
    assert visible(platform_admin) == {card.pk, other_alert.pk}
    assert not permissions.can_act(platform_admin, card, "decide")
    assert Case.objects.filter(pk=other_alert.case_id).exists()


def test_platform_admin_sets_rules_and_nobody_else(supervisor: Any, platform_admin: Any) -> None:
    with pytest.raises(DomainError) as refused:
        services.save_rule(actor=supervisor, kind="overdue", enabled=False, threshold=0, level="yellow")
    assert refused.value.status == 403
    rule = services.save_rule(actor=platform_admin, kind="overdue", enabled=True, threshold=2, level="yellow")
    assert rule.threshold == 2 and rule.updated_by == platform_admin
    with pytest.raises(DomainError):
        services.save_rule(actor=platform_admin, kind="no_such_rule", enabled=True, threshold=0, level="red")


def test_raised_at_is_the_evaluation_time(card: Alert) -> None:
    assert card.raised_at == at("2026-12-07 09:00")
