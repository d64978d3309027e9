"""Letters from submission to a reviewed reply and publication; who may do and see what."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.core import permissions
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.mailbox import selectors, services
from govhall.mailbox.models import Letter, ReplyDraft
from govhall.mailbox.tests.helpers import (
    at,
    department_mailbox,
    mayor_mailbox,
    office_clerk,
    office_head,
    replied,
    write,
)
from govhall.notifications.models import Message

pytestmark = pytest.mark.django_db


def test_mayor_letter_life_cycle(citizen: Any, dept_a: Any, clerk: Any, approver: Any) -> None:
    office_clerk()
    letter = write(citizen)
    assert letter.status == Letter.Status.SUBMITTED and letter.handling_department is None
    # 2026-09-18 (Fri) + 15 working days; the National Day holiday is not counted.
    assert letter.due_at.astimezone(at("2026-01-01").tzinfo).date().isoformat() == "2026-10-15"
    assert Message.objects.filter(recipient=office_clerk(), event="mailbox.letter_new").exists()

    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a, note="请市场监管局办理")
    letter.refresh_from_db()
    assert (letter.status, letter.handling_department_id) == (Letter.Status.ASSIGNED, dept_a.pk)
    assert Message.objects.filter(recipient=clerk, event="mailbox.letter_assigned").exists()

    draft = services.draft_reply(actor=clerk, letter=letter, text="已转交属地街道办理。")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REVIEWING and not letter.reply_text
    assert Message.objects.filter(recipient=approver, event="mailbox.reply_to_review").exists()

    services.review_reply(actor=approver, letter=letter, approve=False, note="请写明办理时限")
    draft.refresh_from_db()
    letter.refresh_from_db()
    assert draft.status == ReplyDraft.Status.RETURNED and letter.status == Letter.Status.ASSIGNED

    services.draft_reply(actor=clerk, letter=letter, text="已转交属地街道办理，10个工作日内完成。")
    services.review_reply(actor=approver, letter=letter, approve=True)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REPLIED
    assert letter.reply_text == "已转交属地街道办理，10个工作日内完成。"
    assert letter.reply_working_days is not None
    assert Message.objects.filter(recipient=citizen, event="mailbox.letter_replied").exists()
    kinds = list(letter.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned", "drafted", "returned", "drafted", "replied"]
    assert (
        AuditEvent.objects.filter(object_id=str(letter.pk), action__startswith="mailbox.letter_").count() == 6
    )


def test_department_mailbox_letter_is_the_departments_at_once(citizen: Any, dept_a: Any, clerk: Any) -> None:
    letter = write(citizen, department_mailbox(dept_a))
    assert letter.status == Letter.Status.ASSIGNED and letter.handling_department_id == dept_a.pk
    services.draft_reply(actor=clerk, letter=letter, text="感谢来信。")


def test_retried_submission_creates_one_letter(citizen: Any) -> None:
    first = write(citizen, idempotency_key="k-1")
    second = write(citizen, idempotency_key="k-1")
    assert first.pk == second.pk and Letter.objects.count() == 1
    write(citizen, idempotency_key="k-2")
    assert Letter.objects.count() == 2


def test_input_is_checked(citizen: Any, clerk: Any) -> None:
    with pytest.raises(DomainError) as error:
        write(citizen, subject="  ")
    assert error.value.code == "subject_required"
    with pytest.raises(DomainError) as error:
        write(citizen, category="rumour")
    assert error.value.code == "invalid_category"
    with pytest.raises(PermissionDenied):
        write(clerk)


def test_reviewer_never_approves_own_draft_and_review_needs_a_head(
    citizen: Any, dept_a: Any, clerk: Any, approver: Any, reviewer: Any
) -> None:
    letter = write(citizen)
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a)
    services.draft_reply(actor=approver, letter=letter, text="答复")
    with pytest.raises(Conflict) as error:
        services.review_reply(actor=approver, letter=letter, approve=True)
    assert error.value.code == "own_draft"
    with pytest.raises(PermissionDenied):
        services.review_reply(actor=clerk, letter=letter, approve=True)  # a clerk is no head
    with pytest.raises(PermissionDenied):
        services.review_reply(actor=reviewer, letter=letter, approve=True)
    services.review_reply(actor=office_head(), letter=letter, approve=True)  # the office's head may
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REPLIED


def test_department_staff_cannot_assign_or_draft_for_others(
    citizen: Any, dept_a: Any, dept_b: Any, clerk: Any, other_dept_approver: Any
) -> None:
    letter = write(citizen)
    with pytest.raises(PermissionDenied):
        services.assign_letter(actor=clerk, letter=letter, department=dept_a)
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a)
    with pytest.raises(PermissionDenied):
        services.draft_reply(actor=other_dept_approver, letter=letter, text="答复")
    with pytest.raises(PermissionDenied):
        services.draft_reply(actor=office_clerk(), letter=letter, text="答复")


def test_publication_needs_consent_and_hides_personal_details(
    citizen: Any, dept_a: Any, clerk: Any, approver: Any
) -> None:
    letter = replied(citizen, dept_a, clerk, approver)
    services.publish_letter(actor=office_clerk(), letter=letter)
    letter.refresh_from_db()
    assert letter.is_published
    assert "13800138000" not in letter.public_content and "＊＊＊" in letter.public_content
    assert list(selectors.published_letters()) == [letter]
    with pytest.raises(Conflict):
        services.publish_letter(actor=office_clerk(), letter=letter)

    private = write(citizen, consent_publish=False)
    services.assign_letter(actor=office_clerk(), letter=private, department=dept_a)
    services.draft_reply(actor=clerk, letter=private, text="答复")
    services.review_reply(actor=approver, letter=private, approve=True)
    with pytest.raises(Conflict) as error:
        services.publish_letter(actor=office_clerk(), letter=private)
    assert error.value.code == "no_consent"
    with pytest.raises(PermissionDenied):
        services.publish_letter(actor=clerk, letter=letter)  # the department does not publish


def test_unreplied_letter_cannot_be_published(citizen: Any) -> None:
    letter = write(citizen)
    with pytest.raises(Conflict):
        services.publish_letter(actor=office_clerk(), letter=letter)


def test_who_sees_which_letters(
    citizen: Any,
    other_citizen: Any,
    dept_a: Any,
    dept_b: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    supervisor: Any,
    other_county_clerk: Any,
) -> None:
    mine = write(citizen)
    services.assign_letter(actor=office_clerk(), letter=mine, department=dept_a)
    theirs = write(other_citizen, subject="道路积水")
    services.assign_letter(actor=office_clerk(), letter=theirs, department=dept_b)
    waiting = write(other_citizen, subject="公交线路")
    published = replied(other_citizen, dept_b, other_dept_approver, office_head())
    services.publish_letter(actor=office_clerk(), letter=published)

    def visible(user: Any) -> set[int]:
        return set(selectors.staff_letters(user).values_list("pk", flat=True))

    # The citizen sees their own letter privately; others' only once published (and then the public text).
    assert set(selectors.my_letters(citizen).values_list("pk", flat=True)) == {mine.pk}
    assert visible(citizen) == {mine.pk}
    assert not permissions.can_view(citizen, theirs) and not permissions.can_view(citizen, waiting)
    assert permissions.can_view(citizen, published)
    with pytest.raises(DomainError):
        selectors.private_letter(citizen, theirs.number)
    with pytest.raises(DomainError):
        selectors.private_letter(citizen, published.number)
    # A department clerk sees only what is assigned to the department.
    assert visible(clerk) == {mine.pk}
    assert visible(other_dept_approver) == {theirs.pk, published.pk}
    # The office sees its mailbox; a city supervisor sees the city's letters; a county clerk none.
    assert visible(office_clerk()) == {mine.pk, theirs.pk, waiting.pk, published.pk}
    assert visible(supervisor) == {mine.pk, theirs.pk, waiting.pk, published.pk}
    assert visible(other_county_clerk) == set()
    assert not permissions.can_view(None, waiting) and permissions.can_view(None, published)


def test_statistics_by_department_and_reply_time(
    citizen: Any, dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    replied(citizen, dept_a, clerk, approver, when="2026-09-14")  # same day: 0 working days
    late = write(citizen, when="2026-09-01")
    services.assign_letter(actor=office_clerk(), letter=late, department=dept_a, at=at("2026-09-02"))
    services.draft_reply(actor=clerk, letter=late, text="答复", at=at("2026-09-30"))
    services.review_reply(actor=approver, letter=late, approve=True, at=at("2026-10-09"))
    late.refresh_from_db()
    # 09-02..09-30: 21 working days (Mid-Autumn 09-25 off, Sunday 09-20 worked); then 10-08 and 10-09.
    assert late.replied_late and late.reply_working_days == 23
    open_letter = write(citizen, when="2026-09-01")
    services.assign_letter(actor=office_clerk(), letter=open_letter, department=dept_b, at=at("2026-09-02"))
    write(citizen, when="2026-10-12")

    figures = {f.department: f for f in selectors.statistics(office_clerk(), now=at("2026-10-12", 12))}
    a = figures[dept_a.name]
    assert (a.received, a.replied, a.on_time, a.late, a.open, a.average_days) == (2, 2, 1, 1, 0, 11.5)
    assert a.on_time_rate == "50.0%"
    b = figures[dept_b.name]
    assert (b.received, b.replied, b.open, b.open_overdue) == (1, 0, 1, 1)
    assert figures["（待分办）"].received == 1
    # A department clerk's statistics cover only its own letters.
    assert [f.department for f in selectors.statistics(clerk)] == [dept_a.name]


def test_assigned_mailbox_letter_reassigned_before_review(
    citizen: Any, dept_a: Any, dept_b: Any, clerk: Any
) -> None:
    letter = write(citizen, mayor_mailbox())
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_a)
    services.assign_letter(actor=office_clerk(), letter=letter, department=dept_b, note="职责调整")
    letter.refresh_from_db()
    assert letter.handling_department_id == dept_b.pk
    with pytest.raises(PermissionDenied):
        services.draft_reply(actor=clerk, letter=letter, text="答复")
