"""Ratings: who may rate what, once; the rectification life cycle and its deadline; the figures."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from govhall.cases.models import Case
from govhall.core import permissions
from govhall.core.calendar import SHANGHAI, deadline_for, is_working_day, working_days_between
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.ratings import selectors, services
from govhall.ratings.models import Level, Rating, Rectification
from govhall.ratings.tests.conftest import make_case
from govhall.supervision import evaluation
from govhall.supervision.models import Alert

pytestmark = pytest.mark.django_db
Status = Rectification.Status


def test_applicant_rates_a_completed_case_once(citizen: Any, completed_case: Case) -> None:
    first = services.rate_case(actor=citizen, case=completed_case, level=Level.SATISFIED, tags=["服务态度好"])
    again = services.rate_case(
        actor=citizen, case=completed_case, level=Level.VERY_DISSATISFIED, comment="再评一次"
    )
    assert again.pk == first.pk and again.level == Level.SATISFIED
    assert Rating.objects.count() == 1
    assert not hasattr(first, "rectification") or not Rectification.objects.exists()
    assert AuditEvent.objects.filter(action="ratings.rated").count() == 1
    assert (
        first.department_id == completed_case.lead_department_id and first.item_id == completed_case.item_id
    )


def test_another_citizen_cannot_rate_and_open_case_cannot_be_rated(
    citizen: Any, other_citizen: Any, item: Any, completed_case: Case, clerk: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.rate_case(actor=other_citizen, case=completed_case, level=5)
    with pytest.raises(PermissionDenied):
        services.rate_case(actor=clerk, case=completed_case, level=5)
    open_case = make_case(citizen, item, status=Case.Status.IN_REVIEW)
    with pytest.raises(Conflict) as error:
        services.rate_case(actor=citizen, case=open_case, level=5)
    assert error.value.code == "case_not_completed"
    with pytest.raises(DomainError) as bad:
        services.rate_case(actor=citizen, case=completed_case, level=7)
    assert bad.value.code == "invalid_level"
    assert not selectors.can_rate_case(other_citizen, completed_case)
    assert selectors.can_rate_case(citizen, completed_case)


def test_bad_rating_needs_a_reason_and_opens_a_rectification_due_in_five_working_days(
    citizen: Any, completed_case: Case, clock: Any
) -> None:
    with pytest.raises(DomainError) as error:
        services.rate_case(actor=citizen, case=completed_case, level=Level.DISSATISFIED, comment="差")
    assert error.value.code == "comment_required"
    clock("2026-11-20 16:00")  # a Friday
    rating = services.rate_case(
        actor=citizen, case=completed_case, level=Level.VERY_DISSATISFIED, comment="窗口让我跑了三次"
    )
    rectification = Rectification.objects.get(rating=rating)
    assert rectification.status == Status.OPEN
    # Counting starts the next day: Mon 23 … Fri 27 November, end of that day.
    assert rectification.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-11-27"


def test_rectification_days_are_configurable(
    settings: Any, citizen: Any, completed_case: Case, clock: Any
) -> None:
    settings.GOVHALL_RECTIFICATION_DAYS = 2
    clock("2026-11-20 16:00")
    rating = services.rate_case(actor=citizen, case=completed_case, level=1, comment="态度很差很差")
    assert rating.rectification.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-11-24"


def _bad(citizen: Any, case: Case) -> Rectification:
    rating = services.rate_case(actor=citizen, case=case, level=Level.DISSATISFIED, comment="等了很久没人理")
    return Rectification.objects.get(rating=rating)


def test_lifecycle_contact_rectify_confirm(
    citizen: Any, completed_case: Case, reviewer: Any, clerk: Any, other_dept_approver: Any
) -> None:
    rectification = _bad(citizen, completed_case)
    for outsider in (clerk, other_dept_approver, citizen):
        with pytest.raises(PermissionDenied):
            services.contact(actor=outsider, rectification=rectification, method="电话", note="已联系")
    with pytest.raises(Conflict):
        services.rectify(actor=reviewer, rectification=rectification, finding="属实", measures="已培训")
    services.contact(actor=reviewer, rectification=rectification, method="电话", note="已电话回访，说明情况")
    with pytest.raises(Conflict):
        services.confirm(actor=citizen, rectification=rectification, satisfied=True)  # not reported yet
    services.rectify(
        actor=reviewer, rectification=rectification, finding="排队时间过长属实", measures="增开窗口"
    )
    with pytest.raises(PermissionDenied):
        services.confirm(actor=reviewer, rectification=rectification, satisfied=True)
    done = services.confirm(actor=citizen, rectification=rectification, satisfied=True, feedback="满意")
    assert done.status == Status.CONFIRMED
    kinds = list(done.events.values_list("kind", flat=True))
    assert kinds == ["opened", "contacted", "rectified", "confirmed"]
    assert AuditEvent.objects.filter(action__startswith="ratings.rectification_").count() == 4


def test_appeal_goes_to_the_supervisor_and_upheld_leaves_the_figures(
    citizen: Any, completed_case: Case, reviewer: Any, approver: Any, supervisor: Any, other_county_clerk: Any
) -> None:
    rectification = _bad(citizen, completed_case)
    with pytest.raises(PermissionDenied):
        services.appeal(actor=reviewer, rectification=rectification, reason="误评")  # heads only
    services.appeal(actor=approver, rectification=rectification, reason="申请人评错了对象，实为其他部门办理")
    assert selectors.appeals(supervisor).filter(pk=rectification.pk).exists()
    assert not selectors.appeals(approver).exists()
    with pytest.raises(PermissionDenied):
        services.decide_appeal(actor=approver, rectification=rectification, upheld=True, opinion="自己批准")
    decided = services.decide_appeal(
        actor=supervisor, rectification=rectification, upheld=True, opinion="经核实属误评"
    )
    assert decided.status == Status.APPEAL_UPHELD
    assert Rating.objects.get(pk=rectification.rating_id).excluded
    assert selectors.satisfaction_by_department().get(completed_case.lead_department_id) is None


def test_rejected_appeal_gives_back_the_days_left(
    citizen: Any, completed_case: Case, approver: Any, supervisor: Any, clock: Any
) -> None:
    clock("2026-11-23 09:00")  # Monday; due Monday 30th
    rectification = _bad(citizen, completed_case)
    clock("2026-11-25 09:00")  # Wednesday: 3 working days left (26, 27, 30)
    services.appeal(actor=approver, rectification=rectification, reason="不属于本部门职责")
    clock("2026-12-01 09:00")  # Tuesday
    back = services.decide_appeal(
        actor=supervisor, rectification=rectification, upheld=False, opinion="申诉不成立"
    )
    assert back.status == Status.OPEN
    assert back.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-12-04"


def test_overdue_rectification_is_a_supervision_alert_once(
    citizen: Any, completed_case: Case, reviewer: Any, clock: Any
) -> None:
    clock("2026-11-23 09:00")
    rectification = _bad(citizen, completed_case)
    # The sweep finds it by the deadline column alone, once it has passed.
    assert rectification.pk not in evaluation_due(
        "ratings_rectifications", datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
    )
    assert rectification.pk in evaluation_due(
        "ratings_rectifications", datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
    )
    on_time = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
    assert evaluation.evaluate("ratings_rectifications", [rectification.pk], now=on_time) == []
    late = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    raised = evaluation.evaluate("ratings_rectifications", [rectification.pk], now=late)
    assert [a.rule_kind for a in raised] == ["rating_rectification_overdue"]
    assert raised[0].department_id == completed_case.lead_department_id
    evaluation.evaluate("ratings_rectifications", [rectification.pk], now=late)
    assert Alert.objects.filter(rule_kind="rating_rectification_overdue").count() == 1
    assert rectification.pk not in evaluation_due(
        "ratings_rectifications", datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)
    )


def evaluation_due(name: str, now: datetime) -> set[int]:
    from govhall.supervision import registry

    ctx = evaluation.Context.load(now)
    return set(registry.evaluator(name).due(ctx))


def test_counter_visit_rated_once_by_code(
    clerk: Any, dept_a: Any, dept_b: Any, item: Any, citizen: Any
) -> None:
    visit = services.record_visit(actor=clerk, department=dept_a, item=item, idempotency_key="v-1")
    assert (
        services.record_visit(actor=clerk, department=dept_a, item=item, idempotency_key="v-1").pk == visit.pk
    )
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=clerk, department=dept_b)
    anonymous = services.rate_visit(actor=None, code=visit.code.lower(), level=Level.VERY_SATISFIED)
    assert anonymous.rater is None and not anonymous.real_name and anonymous.source == Rating.Source.COUNTER
    assert services.rate_visit(actor=citizen, code=visit.code, level=1, comment="重复评价").pk == anonymous.pk
    assert Rating.objects.count() == 1


def test_figures_by_department_and_item(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, dept_a: Any
) -> None:
    levels = [5, 4, 3, 2, 1, 5]
    for index, level in enumerate(levels):
        case = make_case(citizen if index % 2 else other_citizen, item)
        owner = case.applicant
        services.rate_case(actor=owner, case=case, level=level, comment="需要改进的地方很多")
    visit = services.record_visit(actor=clerk, department=dept_a)
    services.rate_visit(actor=None, code=visit.code, level=5)
    by_department = selectors.satisfaction_by_department()
    assert by_department[dept_a.pk] == (7, 5, Decimal("3.57"))
    assert by_department[dept_a.pk].satisfaction_rate == Decimal("71.43")
    assert selectors.satisfaction_by_item()[item.pk] == (6, 4, Decimal("3.33"))
    window = selectors.satisfaction_by_department(
        datetime(2000, 1, 1, tzinfo=SHANGHAI), datetime(2000, 2, 1, tzinfo=SHANGHAI)
    )
    assert window == {}


def test_follow_up_rate_of_real_name_bad_ratings(citizen: Any, item: Any, reviewer: Any, dept_a: Any) -> None:
    citizen.real_name_level = 2
    citizen.save(update_fields=["real_name_level"])
    first = _bad(citizen, make_case(citizen, item))
    _bad(citizen, make_case(citizen, item))
    services.contact(actor=reviewer, rectification=first, method="电话", note="已回访")
    figures = selectors.follow_up_by_department()[dept_a.pk]
    assert (figures.bad_real_name, figures.followed_up, figures.rate) == (2, 1, Decimal("50.00"))


def test_who_sees_ratings_and_rectifications(
    citizen: Any,
    other_citizen: Any,
    completed_case: Case,
    clerk: Any,
    other_dept_approver: Any,
    supervisor: Any,
    other_county_clerk: Any,
    county_supervisor: Any,
) -> None:
    rectification = _bad(citizen, completed_case)
    visible = lambda user: permissions.restrict(Rectification.objects.all(), user).exists()  # noqa: E731
    assert visible(citizen) and visible(clerk) and visible(supervisor)
    assert not visible(other_citizen) and not visible(other_dept_approver) and not visible(other_county_clerk)
    assert not visible(county_supervisor)  # the city department is not in the county's region
    assert not visible(None)
    assert selectors.rectification(other_citizen, rectification.pk) is None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_ratings_of_one_case_make_one(citizen: Any, completed_case: Case) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    results: list[int] = []
    errors: list[BaseException] = []

    def rate(level: int) -> None:
        try:
            results.append(services.rate_case(actor=citizen, case=completed_case, level=level).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(level,)) for level in (5, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and Rating.objects.count() == 1


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1)), st.integers(1, 15))
@hypothesis_settings(max_examples=80, deadline=None)
def test_rectification_deadline_ends_a_working_day_n_working_days_later(moment: datetime, days: int) -> None:
    rated = moment.replace(tzinfo=SHANGHAI)
    due = deadline_for(rated, days)
    assert is_working_day(due.astimezone(SHANGHAI).date())
    assert working_days_between(rated.date(), due.astimezone(SHANGHAI).date()) == days
    assert due > rated


def test_anonymous_bad_rating_is_rectified_without_a_call_back(
    clerk: Any, reviewer: Any, dept_a: Any
) -> None:
    visit = services.record_visit(actor=clerk, department=dept_a)
    rating = services.rate_visit(actor=None, code=visit.code, level=1, comment="排队一个小时没人管")
    rectification = Rectification.objects.get(rating=rating)
    done = services.rectify(
        actor=reviewer, rectification=rectification, finding="高峰期窗口不足", measures="增设导办员"
    )
    assert done.status == Status.RECTIFIED and done.contacted_at is None
