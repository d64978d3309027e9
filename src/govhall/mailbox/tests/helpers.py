"""Mailbox test helpers: the mayor's mailbox run by a city office, letters at fixed moments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from govhall.core.calendar import SHANGHAI
from govhall.identity import services as identity_services
from govhall.identity.models import Department, Role, User
from govhall.mailbox import services
from govhall.mailbox.models import Letter, Mailbox
from govhall.testing import personas


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour)


def staff_member(username: str, department: Department, *roles: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return identity_services.create_staff(
        actor=None,
        username=username,
        password=personas.PASSWORD,
        display_name=username,
        memberships=[(department, role) for role in roles],
        email=f"{username}@yunfu.gov.cn",
    )


def office() -> Department:
    return personas.department("platform_dept")


def office_clerk() -> User:
    return staff_member("office_clerk", office(), Role.WINDOW_CLERK)


def office_head() -> User:
    return staff_member("office_head", office(), Role.APPROVER)


def mayor_mailbox() -> Mailbox:
    box, _ = Mailbox.objects.get_or_create(
        code="mayor", defaults={"name": "市长信箱", "kind": Mailbox.Kind.MAYOR, "department": office()}
    )
    return box


def department_mailbox(department: Department) -> Mailbox:
    box, _ = Mailbox.objects.get_or_create(
        code=f"dept-{department.code.lower()}",
        defaults={
            "name": f"{department.short_name}局长信箱",
            "kind": Mailbox.Kind.DEPARTMENT,
            "department": department,
        },
    )
    return box


def write(writer: Any, box: Mailbox | None = None, *, when: str = "2026-09-18", **kwargs: Any) -> Letter:
    fields: dict[str, Any] = {
        "category": "suggest",
        "subject": "建议在市民广场增设无障碍通道",
        "content": "市民广场东门台阶较多，轮椅无法通行，建议增设坡道。联系电话13800138000。",
        "consent_publish": True,
    }
    fields.update(kwargs)
    return services.submit_letter(actor=writer, mailbox=box or mayor_mailbox(), at=at(when), **fields)


def replied(
    writer: Any, department: Department, drafter: User, head: User, *, when: str = "2026-09-18"
) -> Letter:
    letter = write(writer, when=when)
    services.assign_letter(actor=office_clerk(), letter=letter, department=department, at=at(when, 11))
    services.draft_reply(
        actor=drafter, letter=letter, text="已安排施工单位增设坡道，预计年底完工。", at=at(when, 14)
    )
    return services.review_reply(actor=head, letter=letter, approve=True, at=at(when, 16))
