"""Demo mailboxes for the demo city: the mayor's mailbox, three bureau mailboxes and their letters.

The letters walk through the real services (submission, assignment, a reviewed reply,
publication), dated in the past relative to today, so their deadlines, timelines and statistics are
the real ones. Each letter is keyed by its writer and an idempotency key; a second run creates
nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from govhall.core.calendar import SHANGHAI
from govhall.identity.models import Department, Role, User
from govhall.mailbox import services
from govhall.mailbox.models import Letter, Mailbox

OFFICE = "ZWFW"
DEPARTMENT_BOXES = (("SCJGJ", "市场监管局局长信箱"), ("RSJ", "人社局局长信箱"), ("GAJ", "公安局局长信箱"))

# (key, category, subject, content, consent, department code, replied after (days) or None, published, reply)
LETTERS: list[tuple[str, str, str, str, bool, str, int | None, bool, str]] = [
    (
        "mayor-1",
        "suggest",
        "建议延长政务服务中心周末办理时间",
        "我在市区上班，工作日很难请假办事。建议政务服务中心周六全天开放，方便上班族办理社保、公积金等业务。"
        "联系电话13800005302。",
        True,
        "RSJ",
        6,
        True,
        "感谢您的建议。自本月起，市政务服务中心社保、医保、公积金窗口实行周六“不打烊”服务（9:00—17:00），"
        "同时可通过“粤省事”及本平台网上办理。市人力资源和社会保障局",
    ),
    (
        "mayor-2",
        "complain",
        "某超市销售过期食品",
        "本人于上周在城区某超市购买的酸奶已过保质期三天，与店家协商未果，请市场监管部门查处。",
        True,
        "SCJGJ",
        4,
        True,
        "经核查，该超市确存在销售超过保质期食品的行为，执法人员已依法立案查处，并责令其全面清查在售食品。"
        "您的合法权益已协调商家按规定赔偿。市市场监督管理局",
    ),
    (
        "mayor-3",
        "consult",
        "新生儿户口可以网上办理吗",
        "孩子刚出生，请问新生儿入户能否在网上办理，需要准备哪些材料？",
        True,
        "GAJ",
        3,
        True,
        "新生儿入户可通过本平台“出生一件事”联办，提交出生医学证明、父母户口簿和身份证、结婚证的电子证照即可，"
        "无需到派出所。办理时限为3个工作日。市公安局",
    ),
    (
        "mayor-4",
        "help",
        "小区电梯长期故障无人维修",
        "我住的小区有两部电梯停用两个月，物业推诿，老人上下楼非常困难，请帮助协调。",
        False,
        "SCJGJ",
        8,
        False,
        "我局已约谈物业和维保单位，电梯已于本周完成维修并经检验合格恢复使用。市市场监督管理局",
    ),
    (
        "mayor-5",
        "suggest",
        "建议在云城区增设公交线路",
        "建议开通至高铁站的直达公交线路。",
        True,
        "JTJ",
        None,
        False,
        "",
    ),
    (
        "mayor-6",
        "consult",
        "灵活就业人员如何参加社保",
        "请问灵活就业人员如何在网上办理养老保险参保登记？",
        True,
        "",
        None,
        False,
        "",
    ),
]


class Writer(Protocol):
    def write(self, msg: str = "", *args: Any, **kwargs: Any) -> None: ...


def _staff(department: Department, roles: tuple[str, ...], *, besides: User | None = None) -> User | None:
    people = User.objects.filter(
        memberships__department=department, memberships__role__in=roles, is_active=True
    )
    if besides is not None:
        people = people.exclude(pk=besides.pk)
    return people.order_by("username").first()


def _working_day_before(moment: datetime) -> datetime:
    while moment.astimezone(SHANGHAI).weekday() >= 5:
        moment -= timedelta(days=1)
    return moment


def _mailboxes(departments: dict[str, Department]) -> int:
    made = 0
    office = departments.get(OFFICE)
    if office is not None:
        _, created = Mailbox.objects.get_or_create(
            code="mayor",
            defaults={
                "name": "市长信箱",
                "kind": Mailbox.Kind.MAYOR,
                "department": office,
                "intro": "由市政务服务中心（12345政务服务便民热线）受理，按职责交市直部门办理，15个工作日内答复。",
            },
        )
        made += created
    for code, name in DEPARTMENT_BOXES:
        if code in departments:
            _, created = Mailbox.objects.get_or_create(
                code=f"dept-{code.lower()}",
                defaults={"name": name, "kind": Mailbox.Kind.DEPARTMENT, "department": departments[code]},
            )
            made += created
    return made


def _writers(rng: random.Random) -> list[User]:
    people = list(
        User.objects.filter(kind=User.Kind.CITIZEN, is_active=True, username__startswith="yf-c-").order_by(
            "username"
        )[:40]
    )
    demo = User.objects.filter(username="demo-citizen").first()
    rng.shuffle(people)
    return ([demo] if demo else []) + people


def _letters(rng: random.Random, departments: dict[str, Department], now: datetime) -> int:
    box = Mailbox.objects.filter(code="mayor").first()
    office = departments.get(OFFICE)
    office_clerk = _staff(office, (Role.WINDOW_CLERK,)) if office else None
    writers = _writers(rng)
    if box is None or office_clerk is None or not writers:
        return 0
    made = 0
    for index, (key, category, subject, content, consent, code, reply_days, publish, reply) in enumerate(
        LETTERS
    ):
        writer = writers[index % len(writers)]
        if Letter.objects.filter(writer=writer, idempotency_key=f"demo-{key}").exists():
            continue
        submitted = _working_day_before(now - timedelta(days=rng.randint(12, 40), hours=rng.randint(0, 6)))
        if reply_days is None:
            submitted = _working_day_before(now - timedelta(days=rng.randint(1, 3)))
        letter = services.submit_letter(
            actor=writer,
            mailbox=box,
            category=category,
            subject=subject,
            content=content,
            consent_publish=consent,
            idempotency_key=f"demo-{key}",
            at=submitted,
        )
        made += 1
        department = departments.get(code)
        if department is None:
            continue
        services.assign_letter(
            actor=office_clerk, letter=letter, department=department, at=submitted + timedelta(hours=3)
        )
        if reply_days is None:
            continue
        drafter = _staff(department, (Role.WINDOW_CLERK,)) or _staff(department, (Role.REVIEWER,))
        head = _staff(department, (Role.APPROVER, Role.DEPARTMENT_ADMIN), besides=drafter)
        if drafter is None or head is None:
            continue
        drafted = submitted + timedelta(days=reply_days)
        services.draft_reply(actor=drafter, letter=letter, text=reply, at=drafted)
        services.review_reply(
            actor=head, letter=letter, approve=True, note="同意", at=drafted + timedelta(hours=2)
        )
        if publish:
            services.publish_letter(actor=office_clerk, letter=letter, at=drafted + timedelta(days=1))
    return made


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    """Create the demo city's mailboxes and letters that are missing; return what was created."""
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    if OFFICE not in departments:
        stdout.write("  mailbox: no departments yet (seed identity first)")
        return {}
    with transaction.atomic():
        created = {
            "mailboxes": _mailboxes(departments),
            "letters": _letters(rng, departments, timezone.now()),
        }
    created = {k: v for k, v in created.items() if v}
    stdout.write("  mailbox: " + (", ".join(f"{n} {what}" for what, n in created.items()) or "nothing new"))
    return created
