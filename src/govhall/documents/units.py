"""Creating many receiving units at once (demo data, tests and the benchmark).

Exchange reaches well beyond the departments that handle service items: every county office and
township party-and-government office that receives documents is a unit. They are departments like
any other; this helper inserts a batch of them (with valid USCCs) and their clerks in a few
statements.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from stdnum.cn import uscc as uscc_codes

from govhall.identity.models import Department, Membership, Region, Role, User

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWY"
_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(serial: int, prefix: str) -> str:
    body = (prefix + f"{serial:07d}")[-8:]
    body = "".join(c if c in _ORG_ALPHABET else "0" for c in body)
    total = sum(int(char, 36) * weight for char, weight in zip(body, _WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(region_code: str, serial: int, prefix: str = "D") -> str:
    base = "11" + region_code + _org_code(serial, prefix)
    return base + uscc_codes.calc_check_digit(base)


def bulk_units(
    region: Region,
    count: int,
    *,
    code_prefix: str,
    name_format: str = "测试收文单位{n:04d}",
    with_clerks: bool = True,
    password: str = "",
) -> list[Department]:
    """``count`` new departments in ``region`` (codes ``<code_prefix><n>``), each with a clerk
    ``<code>-clerk`` (window clerk role) when ``with_clerks``."""
    departments = Department.objects.bulk_create(
        [
            Department(
                name=name_format.format(n=n),
                short_name=name_format.format(n=n)[:30],
                code=f"{code_prefix}{n:04d}"[:12],
                uscc=make_uscc(region.code, n, code_prefix[:1] or "D"),
                region=region,
            )
            for n in range(1, count + 1)
        ]
    )
    if any(d.pk is None for d in departments):  # SQLite < 3.35 without RETURNING
        codes = [d.code for d in departments]
        departments = list(Department.objects.filter(code__in=codes).order_by("code"))
    if with_clerks:
        hashed = make_password(password) if password else make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{d.code.lower()}-clerk",
                    kind=User.Kind.STAFF,
                    display_name=f"{d.short_name}收发员",
                    password=hashed,
                )
                for d in departments
            ]
        )
        if any(u.pk is None for u in users):
            users = list(
                User.objects.filter(username__in=[f"{d.code.lower()}-clerk" for d in departments]).order_by(
                    "username"
                )
            )
        Membership.objects.bulk_create(
            [
                Membership(user=u, department=d, role=Role.WINDOW_CLERK)
                for u, d in zip(users, departments, strict=True)
            ]
        )
    return departments


def clerk_of(department: Department) -> User:
    return User.objects.get(username=f"{department.code.lower()}-clerk")


def unit_ids(departments: Sequence[Department]) -> list[int]:
    return [d.pk for d in departments]
