"""Demo city: regions, departments, staff, citizens and enterprises of 云浮市 (GB/T 2260 445300).

Everything generated here is fictitious but valid: ID numbers carry real area codes and check digits
(GB 11643), credit codes carry valid organisation codes (GB 11714) and check characters (GB 32100).
The data is drawn from random streams derived from the caller's ``rng``, never from database state,
so a second run produces the same rows, finds them present and creates nothing.

The fixed login accounts (``demo-citizen`` … ``demo-admin``) are only created when
``settings.DEMO_MODE`` is on; generated people and staff get an unusable password and exist as data.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from faker import Faker
from stdnum.cn import ric, uscc

from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.crypto import lookup_hash
from govhall.identity.demo_departments import (
    CITY_CODE,
    CITY_DEPARTMENTS,
    COUNTY_CODES,
    COUNTY_DEPARTMENT_TEMPLATES,
)
from govhall.identity.models import Department, Membership, Region, Role, User
from govhall.identity.services import load_regions

PROVINCE_CODE = "440000"
DEMO_USERNAMES = (
    "demo-citizen",
    "demo-enterprise",
    "demo-clerk",
    "demo-approver",
    "demo-supervisor",
    "demo-admin",
)
CITIZEN_PREFIX = "yf-c-"
ENTERPRISE_PREFIX = "yf-e-"

# Departments that get one member of every department role; the rest of the list stays unstaffed.
STAFFED_DEPARTMENTS = ("ZWFW", "SCJGJ", "GAJ", "RSJ", "MZJ", "ZJJ", "SCJGJ-5302", "ZWFW-5381")
STAFF_ROLES = (
    (Role.WINDOW_CLERK, "clerk"),
    (Role.REVIEWER, "reviewer"),
    (Role.APPROVER, "approver"),
    (Role.DEPARTMENT_ADMIN, "admin"),
)
# Supervisors watch a region through a department of that region (city level and one county).
SUPERVISOR_DEPARTMENTS = ("ZWFW", "ZWFW-5381")
PLATFORM_ADMIN_DEPARTMENT = "ZSJ"
ADMIN_SITE_ROLES = (Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN)

# Area codes that held each county's residents before today's divisions existed: an ID number keeps
# the code of the place and year it was issued, so older residents carry 肇庆-era codes.
AREA_CODE_LINEAGE: dict[str, tuple[str, ...]] = {
    "445302": ("445302", "441281", "441227", "442827"),
    "445303": ("445303", "445323", "445302", "441281", "441227", "442827"),
    "445321": ("445321", "441228", "442828"),
    "445322": ("445322", "441229", "442829"),
    "445381": ("445381", "441282", "441230", "442830"),
}
PLACE_PREFIX = {
    "445302": "云浮市",
    "445303": "云浮市",
    "445321": "新兴县",
    "445322": "郁南县",
    "445381": "罗定市",
}
TRADE_CHARACTERS = "鸿盛华信恒达丰源嘉泰兴锦瑞通祥和益德隆裕昌宏金福安顺宝新永利康宁远创美佳立"
INDUSTRIES = (
    "石材",
    "建材",
    "农业科技",
    "食品",
    "物流",
    "商贸",
    "电子科技",
    "餐饮管理",
    "旅游开发",
    "药业",
    "不锈钢制品",
    "茶业",
    "肉桂产业",
    "五金制品",
    "信息技术",
    "建筑工程",
    "家具",
    "水产养殖",
)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the credit-code alphabet: no I, O, S, V, Z


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- National codes ---------------------------------------------------------------------------


def _org_char_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    remainder = 11 - sum(_org_char_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def is_valid_org_code(code: str) -> bool:
    return (
        len(code) == 9 and all(c in _ORG_ALPHABET for c in code[:8]) and org_code_check(code[:8]) == code[8]
    )


def make_uscc(prefix: str, division: str, org_body: str) -> str:
    """Credit code = registration authority + kind (2) + division (6) + organisation code (9) + check."""
    partial = prefix + division + org_body + org_code_check(org_body)
    return partial + uscc.calc_check_digit(partial)


def make_id_number(area: str, birth: date, sequence: int) -> str:
    partial = f"{area}{birth:%Y%m%d}{sequence:03d}"
    # ric.calc_check_digit expects the full number and ignores its last character.
    return partial + ric.calc_check_digit(partial + "0")


def _digits_from(key: str, length: int = 8) -> str:
    return f"{int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'big') % 10**length:0{length}d}"


# --- Plans: what the demo city contains, computed without touching the database ----------------


@dataclass(frozen=True)
class DepartmentPlan:
    code: str
    name: str
    short_name: str
    kind: str
    region_code: str
    uscc: str


def department_plans() -> list[DepartmentPlan]:
    rows = [(code, name, short, kind, CITY_CODE) for code, name, short, kind in CITY_DEPARTMENTS]
    for county_code, county in COUNTY_CODES.items():
        for code, name, short, kind in COUNTY_DEPARTMENT_TEMPLATES:
            rows.append(
                (
                    f"{code}-{county_code[2:]}",
                    name.format(county=county),
                    short.format(county=county),
                    kind,
                    county_code,
                )
            )
    plans: list[DepartmentPlan] = []
    seen: set[str] = set()
    for code, name, short, kind, region_code in rows:
        # 机关 "11", 事业单位 "12"; service centres here are government bodies.
        prefix = "12" if kind == Department.Kind.INSTITUTION else "11"
        salt = 0
        while (credit := make_uscc(prefix, region_code, _digits_from(f"department:{code}:{salt}"))) in seen:
            salt += 1
        seen.add(credit)
        plans.append(DepartmentPlan(code, name, short, kind, region_code, credit))
    return plans


@dataclass(frozen=True)
class PersonPlan:
    username: str
    kind: str
    display_name: str
    region_code: str
    id_number: str = ""
    phone: str = ""
    uscc: str = ""
    legal_representative: str = ""
    real_name_level: int = User.RealNameLevel.L2
    admin_site: bool = False  # department and platform admins work in the Django admin site


def _faker(rng: random.Random) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(rng.getrandbits(64))
    return fake


def _area_code_for(county: str, birth: date, sequence: int) -> str:
    for area in AREA_CODE_LINEAGE[county]:
        if ric.is_valid(make_id_number(area, birth, sequence)):
            return area
    raise ValueError(f"no area code of {county} was in use in {birth.year}")


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = "1" + rng.choice("35789") + f"{rng.randrange(10**9):09d}"
        if number not in taken:
            taken.add(number)
            return number


def citizen_plans(rng: random.Random, count: int, *, reserved_ids: Iterable[str] = ()) -> list[PersonPlan]:
    fake = _faker(rng)
    counties = list(COUNTY_CODES)
    taken_ids = set(reserved_ids)
    phones: set[str] = set()
    plans: list[PersonPlan] = []
    # Half the applicants were born since the city's founding in 1994 (today's area codes), half
    # before it (the 肇庆-era codes their ID numbers still carry): online applicants skew young.
    spans = ((date(1994, 1, 1), date(2006, 12, 31)), (date(1950, 1, 1), date(1993, 12, 31)))
    for index in range(1, count + 1):
        county = rng.choice(counties)
        male = rng.random() < 0.5
        while True:
            first, last = spans[rng.random() < 0.5]
            birth = first + timedelta(days=rng.randrange((last - first).days + 1))
            sequence = rng.randrange(500) * 2 + (1 if male else 0)  # odd 17th digit = male
            id_number = make_id_number(_area_code_for(county, birth, sequence), birth, sequence)
            if id_number not in taken_ids:
                taken_ids.add(id_number)
                break
        plans.append(
            PersonPlan(
                username=f"{CITIZEN_PREFIX}{index:05d}",
                kind=User.Kind.CITIZEN,
                display_name=fake.name_male() if male else fake.name_female(),
                region_code=county,
                id_number=id_number,
                phone=_phone(rng, phones),
                real_name_level=rng.choice(
                    (User.RealNameLevel.L1, User.RealNameLevel.L2, User.RealNameLevel.L2)
                ),
            )
        )
    return plans


def _enterprise_org_body(rng: random.Random) -> str:
    # Codes issued since the 2015 credit-code reform start with "MA"; older ones are all digits.
    if rng.random() < 0.6:
        return "MA" + "".join(rng.choice(_ORG_ALPHABET) for _ in range(6))
    return f"{rng.randrange(10**8):08d}"


def enterprise_plans(
    rng: random.Random, count: int, *, reserved_usccs: Iterable[str] = ()
) -> list[PersonPlan]:
    fake = _faker(rng)
    counties = list(COUNTY_CODES)
    taken = set(reserved_usccs)
    names: set[str] = set()
    phones: set[str] = set()
    plans: list[PersonPlan] = []
    for index in range(1, count + 1):
        county = rng.choice(counties)
        while (credit := make_uscc("91", county, _enterprise_org_body(rng))) in taken:
            pass
        taken.add(credit)
        while True:
            trade = "".join(rng.sample(TRADE_CHARACTERS, 2))
            suffix = rng.choice(("有限公司", "有限公司", "有限公司", "股份有限公司"))
            name = f"{PLACE_PREFIX[county]}{trade}{rng.choice(INDUSTRIES)}{suffix}"
            if name not in names:
                names.add(name)
                break
        plans.append(
            PersonPlan(
                username=f"{ENTERPRISE_PREFIX}{index:05d}",
                kind=User.Kind.ENTERPRISE,
                display_name=name,
                region_code=county,
                uscc=credit,
                legal_representative=fake.name(),
                phone=_phone(rng, phones),
            )
        )
    return plans


@dataclass(frozen=True)
class StaffPlan:
    username: str
    display_name: str
    memberships: tuple[tuple[str, str], ...]  # (department code, role)


def staff_plans(rng: random.Random) -> list[StaffPlan]:
    fake = _faker(rng)
    plans = [
        StaffPlan(f"{code.lower()}-{short}", fake.name(), ((code, role),))
        for code in STAFFED_DEPARTMENTS
        for role, short in STAFF_ROLES
    ]
    plans += [
        StaffPlan(f"{code.lower()}-supervisor", fake.name(), ((code, Role.SUPERVISOR),))
        for code in SUPERVISOR_DEPARTMENTS
    ]
    plans.append(
        StaffPlan(
            f"{PLATFORM_ADMIN_DEPARTMENT.lower()}-platform",
            fake.name(),
            ((PLATFORM_ADMIN_DEPARTMENT, Role.PLATFORM_ADMIN),),
        )
    )
    return plans


def _staff_person(plan: StaffPlan, departments: dict[str, Department]) -> PersonPlan:
    return PersonPlan(
        plan.username,
        User.Kind.STAFF,
        plan.display_name,
        departments[plan.memberships[0][0]].region.code,
        real_name_level=User.RealNameLevel.L3,
        admin_site=any(role in ADMIN_SITE_ROLES for _, role in plan.memberships),
    )


# The fixed login accounts; their codes are fixed so that other demo data and the docs can name them.
DEMO_CITIZEN_ID = make_id_number("445302", date(1995, 6, 15), 12)
DEMO_ENTERPRISE_USCC = make_uscc("91", "445302", "MA4UYF01")


@dataclass(frozen=True)
class DemoAccount:
    person: PersonPlan
    memberships: tuple[tuple[str, str], ...] = ()
    superuser: bool = False


def demo_accounts() -> list[DemoAccount]:
    staff = User.Kind.STAFF
    l3 = User.RealNameLevel.L3
    return [
        DemoAccount(
            PersonPlan("demo-citizen", User.Kind.CITIZEN, "林晓云", "445302", DEMO_CITIZEN_ID, "13800005302")
        ),
        DemoAccount(
            PersonPlan(
                "demo-enterprise",
                User.Kind.ENTERPRISE,
                "云浮市示范石材有限公司",
                "445302",
                uscc=DEMO_ENTERPRISE_USCC,
                legal_representative="陈国华",
                phone="13800005303",
            )
        ),
        DemoAccount(
            PersonPlan("demo-clerk", staff, "李文静", CITY_CODE, real_name_level=l3),
            (("ZWFW", Role.WINDOW_CLERK), ("SCJGJ", Role.WINDOW_CLERK)),
        ),
        DemoAccount(
            PersonPlan("demo-approver", staff, "黄志强", CITY_CODE, real_name_level=l3),
            (("SCJGJ", Role.REVIEWER), ("SCJGJ", Role.APPROVER)),
        ),
        DemoAccount(
            PersonPlan("demo-supervisor", staff, "梁敏", CITY_CODE, real_name_level=l3),
            (("ZWFW", Role.SUPERVISOR),),
        ),
        DemoAccount(
            PersonPlan("demo-admin", staff, "周建国", CITY_CODE, real_name_level=l3, admin_site=True),
            ((PLATFORM_ADMIN_DEPARTMENT, Role.PLATFORM_ADMIN),),
            superuser=True,
        ),
    ]


# --- Writing ----------------------------------------------------------------------------------


@dataclass
class _Tally:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n


def _ensure_regions(tally: _Tally) -> dict[str, Region]:
    wanted = [PROVINCE_CODE, CITY_CODE, *COUNTY_CODES]
    if Region.objects.filter(code__in=wanted).count() < len(wanted):
        # The service writes its own audit event, so it only runs when something is missing.
        result = load_regions(codes_prefix=CITY_CODE[:4])
        tally.add("regions", result.created)
    return {r.code: r for r in Region.objects.filter(code__in=wanted)}


def _ensure_departments(regions: dict[str, Region], tally: _Tally) -> dict[str, Department]:
    plans = department_plans()
    existing = {d.code: d for d in Department.objects.filter(code__in=[p.code for p in plans])}
    new = [
        Department(
            code=p.code,
            name=p.name,
            short_name=p.short_name,
            kind=p.kind,
            uscc=validate_uscc(p.uscc),
            region=regions[p.region_code],
        )
        for p in plans
        if p.code not in existing
    ]
    Department.objects.bulk_create(new)
    tally.add("departments", len(new))
    return {
        d.code: d
        for d in Department.objects.filter(code__in=[p.code for p in plans]).select_related("region")
    }


def _new_user(plan: PersonPlan, regions: dict[str, Region], password: str, *, is_demo: bool) -> User:
    user = User(
        username=plan.username,
        kind=plan.kind,
        display_name=plan.display_name,
        real_name_level=plan.real_name_level,
        uscc=validate_uscc(plan.uscc) if plan.uscc else "",
        legal_representative=plan.legal_representative,
        region=regions.get(plan.region_code),
        is_demo=is_demo,
        is_staff=plan.admin_site,
        password=password,
    )
    if plan.id_number:
        user.set_id_number(validate_id_number(plan.id_number))
    if plan.phone:
        user.set_phone(plan.phone)
    return user


def _insert_people(
    plans: list[PersonPlan], regions: dict[str, Region], password: str, tally: _Tally, label: str
) -> None:
    names = [p.username for p in plans]
    taken_names = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    todo = [p for p in plans if p.username not in taken_names]
    # Skip anyone whose ID number or credit code already belongs to another account.
    id_hashes = {lookup_hash(p.id_number): p for p in todo if p.id_number}
    taken_hashes = set(
        User.objects.filter(id_number_hash__in=id_hashes).values_list("id_number_hash", flat=True)
    )
    taken_usccs = set(
        User.objects.filter(kind=User.Kind.ENTERPRISE, uscc__in=[p.uscc for p in todo if p.uscc]).values_list(
            "uscc", flat=True
        )
    )
    skipped = {id_hashes[h].username for h in taken_hashes} | {
        p.username for p in todo if p.uscc in taken_usccs
    }
    new = [_new_user(p, regions, password, is_demo=True) for p in todo if p.username not in skipped]
    User.objects.bulk_create(new, batch_size=500)
    tally.add(label, len(new))


def _ensure_memberships(
    wanted: list[tuple[str, str, str]], departments: dict[str, Department], tally: _Tally
) -> None:
    """``wanted`` holds (username, department code, role) triples."""
    users = {u.username: u for u in User.objects.filter(username__in={w[0] for w in wanted})}
    have = set(
        Membership.objects.filter(user__in=users.values()).values_list(
            "user__username", "department__code", "role"
        )
    )
    new = [
        Membership(user=users[username], department=departments[code], role=role)
        for username, code, role in wanted
        if (username, code, role) not in have and username in users
    ]
    Membership.objects.bulk_create(new)
    tally.add("memberships", len(new))


def _ensure_demo_accounts(
    regions: dict[str, Region], departments: dict[str, Department], tally: _Tally
) -> list[tuple[str, str, str]]:
    password = settings.GOVHALL_DEMO_PASSWORD
    accounts = demo_accounts()
    existing = {
        u.username: u for u in User.objects.filter(username__in=[a.person.username for a in accounts])
    }
    hashed = make_password(password)
    # The accounts share one hash, and Argon2 is slow by design: check each distinct hash once.
    verdicts: dict[str, bool] = {}
    for account in accounts:
        user = existing.get(account.person.username)
        if user is None:
            user = _new_user(account.person, regions, hashed, is_demo=True)
            user.is_superuser = account.superuser
            user.save()
            tally.add("demo accounts")
            continue
        if user.password not in verdicts:
            verdicts[user.password] = check_password(password, user.password)
        if not verdicts[user.password]:
            # The configured demo password changed since the last seed (or someone changed it): follow it.
            user.password = hashed
            user.save(update_fields=["password"])
            tally.add("demo passwords reset")
    return [(a.person.username, code, role) for a in accounts for code, role in a.memberships]


def seed(
    stdout: Writer, rng: random.Random, *, citizens: int = 1000, enterprises: int = 200
) -> dict[str, int]:
    """Create whatever part of the demo city is missing; return how many rows of each kind were made."""
    # One stream per kind of data, drawn in a fixed order, so that changing one count leaves the
    # others' rows as they were.
    staff_rng, citizen_rng, enterprise_rng = (random.Random(rng.getrandbits(64)) for _ in range(3))
    tally = _Tally()
    unusable = make_password(None)
    with transaction.atomic():
        regions = _ensure_regions(tally)
        departments = _ensure_departments(regions, tally)
        staff = staff_plans(staff_rng)
        _insert_people(
            [_staff_person(s, departments) for s in staff], regions, unusable, tally, "staff members"
        )
        wanted = [(s.username, code, role) for s in staff for code, role in s.memberships]
        _insert_people(
            citizen_plans(citizen_rng, citizens, reserved_ids=[DEMO_CITIZEN_ID]),
            regions,
            unusable,
            tally,
            "citizens",
        )
        _insert_people(
            enterprise_plans(enterprise_rng, enterprises, reserved_usccs=[DEMO_ENTERPRISE_USCC]),
            regions,
            unusable,
            tally,
            "enterprises",
        )
        if settings.DEMO_MODE:
            wanted += _ensure_demo_accounts(regions, departments, tally)
        _ensure_memberships(wanted, departments, tally)
    for what, n in tally.created.items():
        stdout.write(f"  identity: {what}: {n}")
    if not tally.created:
        stdout.write("  identity: nothing to do, the demo city is complete")
    return tally.created
