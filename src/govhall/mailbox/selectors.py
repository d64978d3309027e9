"""Reads of the mailboxes, already filtered by :mod:`govhall.mailbox.permissions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.identity.models import Department
from govhall.mailbox.models import Letter, Mailbox
from govhall.mailbox.permissions import department_ids

OPEN = (Letter.Status.SUBMITTED, Letter.Status.ASSIGNED, Letter.Status.REVIEWING)


def active_mailboxes() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(is_active=True).select_related("department").order_by("kind", "name")


def mailbox(code: str) -> Mailbox:
    found = active_mailboxes().filter(code=code).first()
    if found is None:
        raise NotFound("mailbox_not_found", "信箱不存在", "no such mailbox", status=404)
    return found


def published_letters(*, mailbox: Mailbox | None = None, category: str = "") -> QuerySet[Letter]:
    """The public list: published letters, newest first (pages show only the public fields)."""
    qs = Letter.objects.filter(published_at__isnull=False).select_related("mailbox", "handling_department")
    if mailbox is not None:
        qs = qs.filter(mailbox=mailbox)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-published_at", "-id")


def published_letter(number: str) -> Letter:
    found = published_letters().filter(number=number).first()
    if found is None:
        raise NotFound("letter_not_found", "该信件不存在或未公开", "no such published letter", status=404)
    return found


def my_letters(user: Any) -> QuerySet[Letter]:
    if not permissions.is_authenticated(user):
        return Letter.objects.none()
    return Letter.objects.filter(writer_id=user.pk).select_related("mailbox", "handling_department")


def private_letter(user: Any, number: str) -> Letter:
    """The full letter for its writer, the office, the handling department or a supervisor."""
    qs = permissions.restrict(Letter.objects.all(), user, "view_private")
    found = qs.select_related("mailbox", "mailbox__department", "handling_department", "writer").filter(
        number=number
    )
    letter = found.first()
    if letter is None:
        raise NotFound(
            "letter_not_found", "该来信不存在或您无权查看", "no such letter, or not yours to see", status=404
        )
    return letter


def staff_letters(user: Any, *, status: str = "", mailbox: Mailbox | None = None) -> QuerySet[Letter]:
    """Letters the user's offices run or their departments handle (supervisors: their regions)."""
    qs = permissions.restrict(Letter.objects.all(), user, "view_private").select_related(
        "mailbox", "handling_department"
    )
    if status:
        qs = qs.filter(status=status)
    if mailbox is not None:
        qs = qs.filter(mailbox=mailbox)
    return qs.order_by("due_at", "id") if status in OPEN else qs.order_by("-submitted_at", "-id")


def offices_of(user: Any) -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(department_id__in=department_ids(user)).order_by("name")


def assignable_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("region__code", "code")


def timeline(letter: Letter) -> list[Any]:
    return list(letter.events.select_related("actor").order_by("at", "id"))


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    department: str
    received: int
    replied: int
    on_time: int
    late: int
    open: int
    open_overdue: int
    average_days: float | None

    @property
    def on_time_rate(self) -> str:
        if not self.replied:
            return "—"
        return f"{self.on_time * 100 / self.replied:.1f}%"


def statistics(
    user: Any, *, since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> list[DepartmentFigures]:
    """Letters per handling department: received, replied on time and late, open, overdue, average reply time.

    Reply time is counted in working days from submission to the approved reply (``core.calendar``),
    stored on the letter when it is replied. Letters not yet assigned form one row of their own.
    """
    now = now or timezone.now()
    qs = permissions.restrict(Letter.objects.all(), user, "view_private")
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    if until is not None:
        qs = qs.filter(submitted_at__lt=until)
    replied = Q(status=Letter.Status.REPLIED)
    rows = (
        qs.values("handling_department_id", "handling_department__name")
        .annotate(
            received=Count("id"),
            replied=Count("id", filter=replied),
            late=Count("id", filter=replied & Q(replied_late=True)),
            open=Count("id", filter=~replied),
            open_overdue=Count("id", filter=~replied & Q(due_at__lt=now)),
            average_days=Avg("reply_working_days", filter=replied),
        )
        .order_by("-received", "handling_department_id")
    )
    figures = []
    for row in rows:
        name = row["handling_department__name"] or "（待分办）"
        figures.append(
            DepartmentFigures(
                department_id=row["handling_department_id"] or 0,
                department=name,
                received=row["received"],
                replied=row["replied"],
                on_time=row["replied"] - row["late"],
                late=row["late"],
                open=row["open"],
                open_overdue=row["open_overdue"],
                average_days=round(float(row["average_days"]), 1)
                if row["average_days"] is not None
                else None,
            )
        )
    return figures
