"""The people tests act as, built through the real services in a small slice of Yunfu (云浮市).

Regions: 云浮市 445300 (city) with its counties 云城区 445302 and 罗定市 445381.
Departments (city level unless noted): dept A 市场监督管理局, dept B 自然资源局, the city supervision
commission, the platform operator (政务服务数据管理局), and two county bureaus (云城区, 罗定市).

Every persona's username is its key below and its password :data:`PASSWORD`. Each builder is a
get-or-create, so fixtures may ask for any subset in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

from govhall.identity import services
from govhall.identity.models import Department, Region, Role, User
from govhall.testing.factories import ensure_region, random_id_number, random_phone, random_uscc

PASSWORD = "Yunfu-Persona-2026"  # noqa: S105 - test accounts only

CITY = "445300"
COUNTY = "445302"
OTHER_COUNTY = "445381"


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    short_name: str
    code: str
    region: str
    kind: str = Department.Kind.GOVERNMENT


DEPARTMENTS = {
    "dept_a": DepartmentSpec("云浮市市场监督管理局", "市市场监管局", "SCJG", CITY),
    "dept_b": DepartmentSpec("云浮市自然资源局", "市自然资源局", "ZRZY", CITY),
    "supervision_dept": DepartmentSpec("云浮市监察委员会", "市监委", "JCW", CITY),
    "platform_dept": DepartmentSpec(
        "云浮市政务服务数据管理局", "市政数局", "ZSJ", CITY, Department.Kind.SERVICE_CENTRE
    ),
    "county_dept": DepartmentSpec("云浮市云城区市场监督管理局", "云城区市场监管局", "YCSCJG", COUNTY),
    "county_supervision_dept": DepartmentSpec("云浮市云城区监察委员会", "云城区监委", "YCJCW", COUNTY),
    "other_county_dept": DepartmentSpec("罗定市市场监督管理局", "罗定市市场监管局", "LDSCJG", OTHER_COUNTY),
}

# username: (display name, [(department key, role), ...])
STAFF: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "clerk": ("窗口 李明", [("dept_a", Role.WINDOW_CLERK)]),
    "reviewer": ("审核 陈静", [("dept_a", Role.REVIEWER)]),
    "approver": ("审批 王芳", [("dept_a", Role.APPROVER)]),
    "other_dept_approver": ("审批 赵强", [("dept_b", Role.APPROVER)]),
    "department_admin": ("管理员 周敏", [("dept_a", Role.DEPARTMENT_ADMIN)]),
    "supervisor": ("监察 吴刚", [("supervision_dept", Role.SUPERVISOR)]),
    "county_supervisor": ("监察 郑丽", [("county_supervision_dept", Role.SUPERVISOR)]),
    "platform_admin": ("平台 孙伟", [("platform_dept", Role.PLATFORM_ADMIN)]),
    "county_clerk": ("窗口 黄磊", [("county_dept", Role.WINDOW_CLERK)]),
    "other_county_clerk": ("窗口 林娜", [("other_county_dept", Role.WINDOW_CLERK)]),
}

CITIZENS = {"citizen": "张三", "other_citizen": "李四"}
ENTERPRISES = {"enterprise": ("云浮市石艺有限公司", "何建国")}


def region(code: str) -> Region:
    return ensure_region(code)


def department(key: str) -> Department:
    spec = DEPARTMENTS[key]
    existing = Department.objects.filter(code=spec.code).first()
    if existing is not None:
        return existing
    return services.create_department(
        actor=None,
        name=spec.name,
        short_name=spec.short_name,
        code=spec.code,
        uscc=random_uscc(spec.region, "11"),
        region=region(spec.region),
        kind=spec.kind,
    )


def staff(username: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    display_name, roles = STAFF[username]
    return services.create_staff(
        actor=None,
        username=username,
        password=PASSWORD,
        display_name=display_name,
        memberships=[(department(key), role) for key, role in roles],
        email=f"{username}@yunfu.gov.cn",
    )


def citizen(username: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return services.register_citizen(
        username=username,
        password=PASSWORD,
        display_name=CITIZENS[username],
        id_number=random_id_number(COUNTY),
        phone=random_phone(),
        email=f"{username}@example.cn",
    )


def enterprise(username: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    name, legal_representative = ENTERPRISES[username]
    return services.register_enterprise(
        username=username,
        password=PASSWORD,
        name=name,
        uscc=random_uscc(COUNTY, "91"),
        legal_representative=legal_representative,
        phone=random_phone(),
        email=f"{username}@example.cn",
    )
