"""Demo licence types for the licences the demo catalogue names. Called by ``manage.py seed_demo``;
idempotent.

Type codes here are the demo city's own (``<department><number>``); a deployment enters the codes
of the national licence type catalogue instead.
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from django.db import transaction

from govhall.identity.models import Department
from govhall.licences.models import HolderKind, Layout, LicenceType


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _f(
    key: str,
    label: str,
    source: str = "",
    *,
    required: bool = False,
    personal: bool = False,
    public: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "source": source or f"form.{key}",
        "required": required,
        "personal": personal,
        "public": public,
    }


LEGAL_REP = _f("legal_representative", "法定代表人", "applicant.legal_representative", public=True)
ADDRESS = _f("address", "住所", public=True)

# (name, code, holder kind, issuing department codes, validity years, layout, reference only,
#  other material names it satisfies, fields)
TYPES: list[tuple[str, str, str, list[str], int | None, str, bool, list[str], list[dict[str, Any]]]] = [
    (
        "营业执照",
        "SCJG001",
        HolderKind.LEGAL,
        ["SCJGJ"],
        None,
        Layout.CERTIFICATE,
        False,
        [],
        [
            _f("company_type", "类型", public=True),
            LEGAL_REP,
            _f("business_scope", "经营范围", public=True),
            _f("registered_capital", "注册资本"),
            _f("established_on", "成立日期", "result.decided_on", public=True),
            ADDRESS,
        ],
    ),
    (
        "食品经营许可证",
        "SCJG002",
        HolderKind.LEGAL,
        ["SCJGJ"],
        5,
        Layout.CERTIFICATE,
        False,
        [],
        [
            LEGAL_REP,
            ADDRESS,
            _f("premises", "经营场所", public=True),
            _f("business_form", "主体业态", public=True),
            _f("business_items", "经营项目", public=True),
            _f("licence_no", "许可证编号", "result.document_no", public=True),
        ],
    ),
    (
        "药品经营许可证",
        "SCJG003",
        HolderKind.LEGAL,
        ["SCJGJ"],
        5,
        Layout.CERTIFICATE,
        False,
        [],
        [
            LEGAL_REP,
            _f("principal", "企业负责人", public=True),
            _f("quality_principal", "质量负责人"),
            _f("registered_address", "注册地址", public=True),
            _f("warehouse_address", "仓库地址"),
            _f("business_mode", "经营方式", public=True),
            _f("business_scope", "经营范围", public=True),
        ],
    ),
    (
        "道路运输经营许可证",
        "JTYS001",
        HolderKind.LEGAL,
        ["JTJ"],
        4,
        Layout.CERTIFICATE,
        False,
        [],
        [
            LEGAL_REP,
            ADDRESS,
            _f("business_scope", "经营范围", public=True),
            _f("licence_no", "许可证号", "result.document_no", public=True),
        ],
    ),
    (
        "结婚证",
        "MZDJ001",
        HolderKind.PERSON,
        ["MZJ"],
        None,
        Layout.PORTRAIT,
        False,
        [],
        [
            _f("registered_on", "登记日期", "result.decided_on", public=True),
            _f("certificate_no", "结婚证字号", "result.document_no", public=True),
            _f("spouse_name", "配偶姓名", personal=True, public=True),
            _f("spouse_id_number", "配偶身份证件号", personal=True),
        ],
    ),
    (
        "不动产权证书",
        "ZRZY001",
        HolderKind.PERSON,
        ["ZRZYJ"],
        None,
        Layout.PORTRAIT,
        False,
        ["不动产登记证明"],
        [
            _f("co_ownership", "共有情况", public=True),
            _f("location", "坐落", personal=True, public=True),
            _f("unit_no", "不动产单元号", public=True),
            _f("right_type", "权利类型", public=True),
            _f("use", "用途"),
            _f("area", "面积"),
            _f("term", "使用期限"),
        ],
    ),
    (
        "机动车驾驶证",
        "GAJJ001",
        HolderKind.PERSON,
        ["GAJ"],
        6,
        Layout.PORTRAIT,
        False,
        [],
        [
            _f("vehicle_class", "准驾车型", public=True),
            _f("first_issued_on", "初次领证日期", "result.decided_on"),
        ],
    ),
    (
        "医疗机构执业许可证",
        "WSJK001",
        HolderKind.LEGAL,
        ["WJJ"],
        5,
        Layout.CERTIFICATE,
        False,
        [],
        [LEGAL_REP, ADDRESS, _f("subjects", "诊疗科目", public=True)],
    ),
    (
        "烟草专卖零售许可证",
        "YCZM001",
        HolderKind.LEGAL,
        ["YCJ"],
        5,
        Layout.CERTIFICATE,
        False,
        [],
        [ADDRESS, _f("business_scope", "经营范围", public=True)],
    ),
    (
        "社会团体法人登记证书",
        "MZSZ001",
        HolderKind.LEGAL,
        ["MZJ"],
        5,
        Layout.CERTIFICATE,
        False,
        [],
        [LEGAL_REP, ADDRESS, _f("business_scope", "业务范围", public=True)],
    ),
    (
        "中华人民共和国残疾人证",
        "CLZJ001",
        HolderKind.PERSON,
        ["CLH"],
        10,
        Layout.PORTRAIT,
        False,
        ["残疾人证"],
        [_f("category", "残疾类别", personal=True), _f("grade", "残疾等级", personal=True)],
    ),
    # Issued by the public security's own systems: known here so that materials can name it.
    (
        "居民身份证",
        "GAHJ001",
        HolderKind.PERSON,
        ["GAJ"],
        20,
        Layout.PORTRAIT,
        True,
        [],
        [_f("address", "住址", personal=True)],
    ),
    ("户口簿", "GAHJ002", HolderKind.PERSON, ["GAJ"], None, Layout.PORTRAIT, True, [], []),
]


def _issuing_departments(codes: list[str]) -> list[Department]:
    found: list[Department] = []
    for code in codes:
        found += list(Department.objects.filter(code=code)) + list(
            Department.objects.filter(code__startswith=f"{code}-")
        )
    return found


def ensure_types() -> int:
    """Create the demo types that are missing; returns how many were created."""
    created = 0
    for name, code, kind, departments, years, layout, reference, names, fields in TYPES:
        licence_type, made = LicenceType.objects.get_or_create(
            name=name,
            defaults={
                "code": code,
                "holder_kind": kind,
                "validity_years": years,
                "layout": layout,
                "is_reference": reference,
                "material_names": names,
                "fields": fields,
            },
        )
        if made:
            licence_type.issuing_departments.set(_issuing_departments(departments))
            created += 1
    return created


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    """Licence types only: licences come from approvals (or a clerk), each one audited, and the
    seed run writes a single audit event of its own."""
    with transaction.atomic():
        types = ensure_types()
    stdout.write(f"  licences: {types} licence types")
    return {"licence types": types}
