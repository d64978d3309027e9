"""Demo official documents: 云浮市人民政府办公室 (市府办) issuing to the city's units.

Adds what exchange needs beside the identity seed: 市府办's issuing-authority mark
(云浮市人民政府办公室文件, 机关代字 云府办) and clearance, the county units' clearance, groups of units
(全体市直部门, 各县（市、区）单位, 各县（市、区）政务服务中心), drafting templates, a clerk and a
leader for 市府办 and documents in several states — a notice sent to every city and county unit
with most copies signed for and one returned, a secret notice awaiting sign-off, one in
countersign, one draft (one sign-off only: rendering a PDF takes seconds). Documents walk through the real services (so
numbers, PDFs and seals are genuine); the sign-for of unstaffed demo units is written directly.
Keyed by idempotency keys and codes: a second run creates nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govhall.documents import exchange, services
from govhall.documents.models import (
    Distribution,
    Document,
    DocumentTemplate,
    ExchangeUnit,
    Kind,
    Secrecy,
    UnitGroup,
    Urgency,
)
from govhall.identity import services as identity_services
from govhall.identity.models import Department, Region, Role, User

OFFICE_CODE = "ZFB"


class Writer(Protocol):
    def write(self, msg: str = "", *args: Any, **kwargs: Any) -> None: ...


TEMPLATES = [
    (
        "通知（部署工作）",
        Kind.NOTICE,
        "关于做好××工作的通知",
        "各县（市、区）人民政府，市政府各部门、各直属机构",
        "为……，经市人民政府同意，现就做好××工作通知如下：\n一、……\n二、……\n三、……",
        "市委办公室，市人大常委会办公室，市政协办公室。",
    ),
    ("函（商洽工作）", Kind.LETTER, "关于商请××的函", "", "因工作需要，……。请予支持为盼。", ""),
    (
        "会议纪要",
        Kind.MINUTES,
        "××会议纪要",
        "",
        "×年×月×日，……主持召开……会议，研究……。纪要如下：\n一、……\n二、……",
        "",
    ),
]

DOCUMENTS: list[dict[str, Any]] = [
    {
        "key": "demo-sent-notice",
        "kind": Kind.NOTICE,
        "title": "云浮市人民政府办公室关于进一步做好电子公文交换工作的通知",
        "urgency": Urgency.URGENT,
        "body": (
            "为提高公文运转效率，降低行政成本，经市人民政府同意，现就进一步做好电子公文交换工作通知如下。\n"
            "一、全面使用电子公文交换系统。市直各单位和各县（市、区）政府办公室应当通过电子公文交换系统收发公文，"
            "除涉密公文外不再印发纸质文件。\n"
            "二、落实专人签收。各单位应当指定收发员，每个工作日上午、下午各登录一次系统，收到公文后及时签收；"
            "不属于本单位办理的，应当写明理由退回。\n"
            "三、严格办理时限。特急件2小时内、加急件8小时内、平件24小时内签收，逾期未签收的纳入行政电子监察。"
        ),
        "attachments": "云浮市电子公文交换单位名录\n电子公文收发员登记表",
        "notes": "此件公开发布",
        "state": "sent",
    },
    {
        "key": "demo-awaiting",
        "kind": Kind.NOTICE,
        "title": "云浮市人民政府办公室关于2027年元旦春节期间值班工作安排的通知",
        "body": "元旦、春节将至，为确保节日期间政务工作正常运转，现就值班工作安排通知如下。",
        "secrecy": Secrecy.SECRET,
        "secrecy_period": "1年",
        "state": "awaiting",
    },
    {
        "key": "demo-countersign",
        "kind": Kind.OPINION,
        "title": "关于加快推进网上办事大厅建设的实施意见（征求意见稿）",
        "body": "为加快推进网上办事大厅建设，实现政务服务事项一网通办，提出如下实施意见。",
        "state": "countersigning",
    },
    {
        "key": "demo-draft",
        "kind": Kind.MINUTES,
        "title": "市政府第12次常务会议纪要",
        "body": "会议研究了全市电子政务集约化建设有关事项。",
        "state": "draft",
    },
]


def _staff(office: Department, username: str, name: str, role: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = identity_services.create_staff(
        actor=None,
        username=username,
        password=settings.GOVHALL_DEMO_PASSWORD,
        display_name=name,
        memberships=[(office, role)],
    )
    User.objects.filter(pk=user.pk).update(is_demo=True)
    return user


def _group(code: str, name: str, order: int, members: list[Department]) -> int:
    group, created = UnitGroup.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    group.units.add(*members)
    return int(created)


def _sign_for_most(rng: random.Random, document: Document, now: Any) -> None:
    copies = list(
        Distribution.objects.filter(document=document).select_related("unit").order_by("unit__code")
    )
    returned = copies[rng.randrange(len(copies))]
    Distribution.objects.filter(pk=returned.pk).update(
        status=Distribution.Status.RETURNED,
        returned_at=now - timedelta(hours=3),
        return_reason="本单位已于上月撤并，请改发云浮市政务服务数据管理局",
        changed_at=now,
    )
    rest = [c.pk for c in copies if c.pk != returned.pk]
    signed = rng.sample(rest, k=int(len(rest) * 0.85))
    Distribution.objects.filter(pk__in=signed).update(
        status=Distribution.Status.SIGNED,
        signed_at=now - timedelta(hours=20),
        first_opened_at=now - timedelta(hours=20),
        changed_at=now,
    )


def _documents(rng: random.Random, office: Department, clerk: User, leader: User) -> int:
    made = 0
    others = {d.code: d for d in Department.objects.filter(code__in=["SCJGJ", "ZSJ", "ZWFW"])}
    for spec in DOCUMENTS:
        if Document.objects.filter(drafted_by=clerk, idempotency_key=spec["key"]).exists():
            continue
        fields = {k: spec[k] for k in ("kind", "urgency", "secrecy", "secrecy_period") if k in spec}
        document = services.create_document(
            actor=clerk,
            department=office,
            title=spec["title"],
            body=spec["body"],
            idempotency_key=spec["key"],
            main_recipients=spec.get("main", "各县（市、区）人民政府，市政府各部门、各直属机构"),
            attachment_notes=spec.get("attachments", ""),
            notes=spec.get("notes", ""),
            copy_to="市委办公室，市人大常委会办公室，市政协办公室。" if spec["state"] == "sent" else "",
            **fields,
        )
        made += 1
        state = spec["state"]
        if state == "countersigning" and others:
            services.request_countersign(actor=clerk, document=document, departments=list(others.values()))
        if state in ("awaiting", "sent"):
            services.submit_for_signoff(actor=clerk, document=document)
        if state == "sent":
            services.sign_off(actor=leader, document=document)
        if state == "sent":
            now = timezone.now()
            groups = UnitGroup.objects.filter(code__in=["city", "county-units"])
            exchange.send(actor=clerk, document=document, groups=groups, at=now - timedelta(days=1))
            _sign_for_most(rng, document, now)
    return made


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    office = Department.objects.filter(code=OFFICE_CODE).first()
    if office is None:
        stdout.write("  documents: no 云浮市人民政府办公室 yet (seed identity first)")
        return {}
    created: dict[str, int] = {}
    with transaction.atomic():
        ExchangeUnit.objects.update_or_create(
            department=office,
            defaults={
                "issuing_mark": "云浮市人民政府办公室文件",
                "number_prefix": "云府办",
                "clearance": Secrecy.CONFIDENTIAL,
            },
        )
        city = list(
            Department.objects.filter(region__level=Region.Level.CITY, is_active=True).exclude(pk=office.pk)
        )
        county = list(Department.objects.filter(region__level=Region.Level.COUNTY, is_active=True))
        centres = [d for d in county if d.kind == Department.Kind.SERVICE_CENTRE]
        for unit in county:
            ExchangeUnit.objects.get_or_create(department=unit, defaults={"clearance": Secrecy.SECRET})
        created["unit groups"] = (
            _group("city", "全体市直部门", 1, city)
            + _group("county-units", "各县（市、区）单位", 2, county)
            + _group("county-centres", "各县（市、区）政务服务中心", 3, centres)
        )
        for name, kind, title, main, body, copy_to in TEMPLATES:
            _, made = DocumentTemplate.objects.get_or_create(
                name=name,
                department=None,
                defaults={
                    "kind": kind,
                    "title": title,
                    "main_recipients": main,
                    "body": body,
                    "copy_to": copy_to,
                },
            )
            created["templates"] = created.get("templates", 0) + int(made)
        clerk = _staff(office, "zfb-clerk", "市府办 收发员 陈秀英", Role.WINDOW_CLERK)
        leader = _staff(office, "zfb-leader", "市府办 副主任 梁志强", Role.APPROVER)
        created["documents"] = _documents(rng, office, clerk, leader)
    created = {key: value for key, value in created.items() if value}
    stdout.write("  documents: " + (", ".join(f"{n} {what}" for what, n in created.items()) or "nothing new"))
    return created
