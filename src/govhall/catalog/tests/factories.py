"""Small builders for catalogue tests: regions, departments with valid credit codes, staff, items."""

from __future__ import annotations

import itertools
from typing import Any

from stdnum.cn import uscc

from govhall.catalog import services
from govhall.catalog.codes import build_basic_code
from govhall.catalog.content import FaqSpec, FeeSpec, GuideContent, MaterialSpec, ProcedureSpec
from govhall.catalog.demo import ensure_themes
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.identity.models import Department, Membership, Region, Role, User

_counter = itertools.count(1)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check(body: str) -> str:
    value = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    remainder = 11 - value % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_uscc(region_code: str, number: int) -> str:
    body = f"{number:08d}"
    partial = "11" + region_code + body + _org_check(body)
    return partial + uscc.calc_check_digit(partial)


def region(
    code: str = "445300", name: str = "云浮市", level: str = "city", parent: Region | None = None
) -> Region:
    found, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return found


def department(
    code: str | None = None, *, name: str | None = None, region_obj: Region | None = None
) -> Department:
    n = next(_counter)
    code = code or f"D{n}"
    region_obj = region_obj or region()
    return Department.objects.create(
        code=code,
        name=name or f"测试部门{code}",
        short_name=(name or code)[:30],
        uscc=make_uscc(region_obj.code, 10000 + n),
        region=region_obj,
    )


def user(username: str | None = None, *, kind: str = User.Kind.CITIZEN, **extra: Any) -> User:
    return User.objects.create_user(
        username=username or f"user{next(_counter)}", password="x-test-pass-1", kind=kind, **extra
    )


def staff(dept: Department, role: str = Role.DEPARTMENT_ADMIN, username: str | None = None) -> User:
    member = user(username, kind=User.Kind.STAFF)
    Membership.objects.create(user=member, department=dept, role=role)
    return member


def platform_admin() -> User:
    member = user(kind=User.Kind.STAFF)
    Membership.objects.create(user=member, department=department(), role=Role.PLATFORM_ADMIN)
    return member


def content(name: str = "食品经营许可", **overrides: Any) -> GuideContent:
    values: dict[str, Any] = {
        "name": name,
        "target": "both",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "具有与经营的食品品种、数量相适应的经营场所",
        "item_type": "promised",
        "aliases": ["开饭店", "开餐馆"] if name == "食品经营许可" else [],
        "theme_codes": ["L02"],
        "statutory_days": 20,
        "promised_days": 10,
        "trips": 1,
        "online_depth": 3,
        "original_check": "at_completion",
        "materials": [
            MaterialSpec(name="食品经营许可申请书", original=True, has_form=True),
            MaterialSpec(name="营业执照", source="licence", licence_type="营业执照"),
            MaterialSpec(name="委托书", required=False, condition="委托他人办理的"),
        ],
        "fees": [],
        "special_procedures": [ProcedureSpec(kind="inspection", name="现场核查", max_days=10)],
        "faqs": [FaqSpec(question="要多久？", answer="10个工作日")],
    }
    values.update(overrides)
    return GuideContent(**values)


_main = itertools.count(1)


def published_item(
    dept: Department | None = None,
    *,
    actor: User | None = None,
    kind: str = "01",
    level: str = "city",
    popularity: int = 0,
    **content_overrides: Any,
) -> ServiceItem:
    ensure_themes()  # a transactional test before this one may have flushed the migration's rows
    dept = dept or department()
    actor = actor or staff(dept)
    version = services.create_item(
        actor=actor,
        department=dept,
        level=level,
        basic_code=build_basic_code(kind=kind, main=next(_main)),
        content=content(**content_overrides),
    )
    services.submit_for_review(actor=actor, version=version)
    services.publish(actor=actor, version=version)
    item = ServiceItem.objects.get(pk=version.item_id)
    if popularity:
        ServiceItem.objects.filter(pk=item.pk).update(popularity=popularity)
        item.refresh_from_db()
    return item


__all__ = ["FeeSpec", "ItemVersion", "MaterialSpec"]
