"""Demo data of the data hub: field sources, the base databases filled from the demo city's people and
enterprises, macro-economic figures of 云浮市 and its counties, credit records and catalogue entries.

Called by ``manage.py seed_demo`` inside its transaction. Rows are looked up by their keys first and
only the missing ones are bulk-inserted, so a second run writes nothing. The rows are written
directly rather than through the services: the seed run's own audit event records the whole run.

The macro figures are plausible round values for a demonstration, not official statistics.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from govhall.core.crypto import lookup_hash
from govhall.datahub.datasets import DATASETS, record_key
from govhall.datahub.management.commands.datahub_sources import default_pairs
from govhall.datahub.models import (
    CreditRecord,
    DataElement,
    Dataset,
    FieldSource,
    LegalPersonRecord,
    MacroFigure,
    PersonRecord,
    Resource,
)
from govhall.identity.demo_departments import CITY_CODE, COUNTY_CODES
from govhall.identity.models import Department, User


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


YEARS = (2021, 2022, 2023, 2024, 2025)
# indicator code -> (name, unit, source department, city figure per year)
INDICATORS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "GDP": ("地区生产总值", "亿元", "TJJ", ("1138.97", "1162.36", "1201.58", "1224.05", "1268.40")),
    "POP_RESIDENT": ("年末常住人口", "万人", "TJJ", ("238.51", "238.96", "239.22", "239.40", "239.55")),
    "RETAIL_SALES": ("社会消费品零售总额", "亿元", "TJJ", ("466.21", "471.85", "498.30", "512.64", "531.90")),
}
# Each county's approximate share of the city figure, by indicator.
COUNTY_SHARES: dict[str, dict[str, str]] = {
    "445302": {"GDP": "0.21", "POP_RESIDENT": "0.14", "RETAIL_SALES": "0.27"},
    "445303": {"GDP": "0.12", "POP_RESIDENT": "0.12", "RETAIL_SALES": "0.08"},
    "445321": {"GDP": "0.26", "POP_RESIDENT": "0.21", "RETAIL_SALES": "0.22"},
    "445322": {"GDP": "0.14", "POP_RESIDENT": "0.18", "RETAIL_SALES": "0.15"},
    "445381": {"GDP": "0.27", "POP_RESIDENT": "0.35", "RETAIL_SALES": "0.28"},
}
CREDIT_DEPARTMENTS = ("SCJGJ", "SWUJU")

# (code, provider, name, dataset, summary, sharing type, conditions, open type, update cycle)
RESOURCES: tuple[tuple[str, str, str, str, str, str, str, str, str], ...] = (
    (
        "445300-GAJ-0001",
        "GAJ",
        "人口基础信息",
        Dataset.POPULATION,
        "户籍人口的身份号码、姓名、性别、出生日期、户籍地和状态，由公安机关登记维护。",
        Resource.SharingType.CONDITIONAL,
        "仅限法定职责范围内核验身份、办理业务，个人信息默认脱敏",
        Resource.OpenType.NOT_OPEN,
        Resource.UpdateCycle.DAILY,
    ),
    (
        "445300-SCJGJ-0001",
        "SCJGJ",
        "法人单位基础信息",
        Dataset.LEGAL_PERSON,
        "市场主体登记信息：统一社会信用代码、名称、类型、法定代表人、注册资本、住所、登记状态。",
        Resource.SharingType.CONDITIONAL,
        "用于法定职责范围内的税收征管、监管执法和政务服务",
        Resource.OpenType.NOT_OPEN,
        Resource.UpdateCycle.DAILY,
    ),
    (
        "445300-SCJGJ-0002",
        "SCJGJ",
        "市场监管信用信息",
        Dataset.CREDIT,
        "市场监管部门作出的行政处罚、表彰奖励和经营异常名录信息。",
        Resource.SharingType.UNCONDITIONAL,
        "",
        Resource.OpenType.OPEN,
        Resource.UpdateCycle.REALTIME,
    ),
    (
        "445300-TJJ-0001",
        "TJJ",
        "宏观经济主要指标",
        Dataset.MACRO,
        "全市及各县（市、区）地区生产总值、常住人口、社会消费品零售总额等年度指标。",
        Resource.SharingType.UNCONDITIONAL,
        "",
        Resource.OpenType.OPEN,
        Resource.UpdateCycle.YEARLY,
    ),
)


def _missing(model: Any, keys: list[str], field: str = "record_key") -> set[str]:
    have = set(model.objects.filter(**{f"{field}__in": keys}).values_list(field, flat=True))
    return {key for key in keys if key not in have}


def _field_sources(departments: dict[str, Department]) -> int:
    pairs = default_pairs() + [(str(Dataset.MACRO), code, spec[2]) for code, spec in INDICATORS.items()]
    have = set(FieldSource.objects.values_list("dataset", "field"))
    new = {
        (dataset, field): FieldSource(
            dataset=dataset, field=field, department=departments[code], note="默认来源（演示）"
        )
        for dataset, field, code in pairs
        if (dataset, field) not in have and code in departments
    }
    FieldSource.objects.bulk_create(new.values())
    return len(new)


def _people() -> int:
    citizens = [
        u for u in User.objects.filter(kind=User.Kind.CITIZEN).select_related("region") if u.id_number_hash
    ]
    todo = _missing(PersonRecord, [u.id_number_hash for u in citizens])
    records: list[PersonRecord] = []
    for user in citizens:
        if user.id_number_hash not in todo:
            continue
        number = user.id_number
        region = user.region.code if user.region else CITY_CODE
        record = PersonRecord(
            record_key=lookup_hash(number),
            sex="M" if int(number[16]) % 2 else "F",
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            household_division=region,
        )
        record.assign("id_number", number)
        record.assign("name", user.display_name)
        record.assign("address", f"广东省{COUNTY_CODES.get(region, '云浮市')}人民路{user.pk % 300 + 1}号")
        records.append(record)
    PersonRecord.objects.bulk_create(records, batch_size=500)
    return len(records)


def _legal_persons(rng: random.Random) -> int:
    enterprises = list(User.objects.filter(kind=User.Kind.ENTERPRISE).exclude(uscc="").order_by("username"))
    todo = _missing(LegalPersonRecord, [u.uscc for u in enterprises])
    records: list[LegalPersonRecord] = []
    for user in enterprises:
        # Drawn for every enterprise, present or not, so the values do not depend on what exists.
        capital = Decimal(rng.choice((50, 100, 200, 300, 500, 1000, 2000, 5000)))
        registered = date(2008, 1, 1) + timedelta(days=rng.randrange(6200))
        if user.uscc not in todo:
            continue
        county = user.uscc[2:8]
        place = COUNTY_CODES.get(county, "云浮市")
        records.append(
            LegalPersonRecord(
                record_key=user.uscc,
                uscc=user.uscc,
                name=user.display_name,
                entity_type=LegalPersonRecord.EntityType.COMPANY,
                legal_representative=user.legal_representative,
                registered_capital=capital,
                address=f"广东省{place}工业大道{int(user.uscc[-5:-1], 36) % 200 + 1}号",
                registration_authority=f"{place}市场监督管理局"
                if county in COUNTY_CODES
                else "云浮市市场监督管理局",
                registration_date=registered,
            )
        )
    LegalPersonRecord.objects.bulk_create(records, batch_size=500)
    return len(records)


def _macro() -> int:
    rows: list[MacroFigure] = []
    for code, (name, unit, _, city_values) in INDICATORS.items():
        for year, city_value in zip(YEARS, city_values, strict=True):
            figures = {CITY_CODE: Decimal(city_value)}
            for county, shares in COUNTY_SHARES.items():
                figures[county] = (Decimal(city_value) * Decimal(shares[code])).quantize(Decimal("0.01"))
            for division, value in figures.items():
                values = {"indicator_code": code, "division_code": division, "period": str(year)}
                rows.append(
                    MacroFigure(
                        record_key=record_key(Dataset.MACRO, values),
                        indicator_name=name,
                        value=value,
                        unit=unit,
                        source="云浮市统计局（演示数据）",
                        **values,
                    )
                )
    todo = _missing(MacroFigure, [r.record_key for r in rows])
    new = [r for r in rows if r.record_key in todo]
    MacroFigure.objects.bulk_create(new)
    return len(new)


def _credit(rng: random.Random, departments: dict[str, Department]) -> int:
    enterprises = list(
        User.objects.filter(kind=User.Kind.ENTERPRISE).exclude(uscc="").order_by("username")[:40]
    )
    if not enterprises or not all(code in departments for code in CREDIT_DEPARTMENTS):
        return 0
    picks = [enterprises[rng.randrange(len(enterprises))] for _ in range(6)]
    plans = [
        ("SCJGJ", CreditRecord.Kind.PENALTY, "未按规定公示年度报告", "云市监罚〔2024〕{n}号", picks[0]),
        ("SCJGJ", CreditRecord.Kind.PENALTY, "销售不合格建材产品", "云市监罚〔2025〕{n}号", picks[1]),
        ("SCJGJ", CreditRecord.Kind.REWARD, "守合同重信用企业", "云市监〔2024〕{n}号", picks[2]),
        ("SCJGJ", CreditRecord.Kind.BLACK_LIST, "严重违法失信企业名单", "云市监列〔2025〕{n}号", picks[3]),
        ("SWUJU", CreditRecord.Kind.RED_LIST, "纳税信用A级纳税人", "云税信〔2025〕{n}号", picks[4]),
        ("SWUJU", CreditRecord.Kind.RED_LIST, "纳税信用A级纳税人", "云税信〔2025〕{n}号", picks[5]),
    ]
    rows: list[CreditRecord] = []
    for index, (department, kind, title, reference, subject) in enumerate(plans, start=1):
        ref = reference.format(n=10 + index * 7)
        valid_from = date(int(ref[ref.index("〔") + 1 : ref.index("〔") + 5]), 3, index)
        rows.append(
            CreditRecord(
                record_key=f"{department}:{ref}",
                subject_uscc=subject.uscc,
                subject_name=subject.display_name,
                kind=kind,
                title=title,
                reference=ref,
                source_department=departments[department],
                valid_from=valid_from,
                valid_to=valid_from.replace(year=valid_from.year + 3),
            )
        )
    todo = _missing(CreditRecord, [r.record_key for r in rows])
    new = [r for r in rows if r.record_key in todo]
    CreditRecord.objects.bulk_create(new)
    return len(new)


def _resources(departments: dict[str, Department]) -> int:
    todo = _missing(Resource, [r[0] for r in RESOURCES], field="code")
    created = 0
    elements: list[DataElement] = []
    for code, provider, name, dataset, summary, sharing, conditions, open_type, cycle in RESOURCES:
        if code not in todo or provider not in departments:
            continue
        spec = DATASETS[dataset]
        resource = Resource.objects.create(
            code=code,
            name=name,
            provider=departments[provider],
            summary=summary,
            dataset=dataset,
            key_element=spec.key_field,
            sharing_type=sharing,
            sharing_conditions=conditions,
            open_type=open_type,
            update_cycle=cycle,
            access_methods=[Resource.AccessMethod.API, Resource.AccessMethod.QUERY],
        )
        elements += [
            DataElement(
                resource=resource,
                name=field.name,
                label=field.label_zh,
                data_type=field.data_type,
                is_personal=field.personal,
                position=position,
            )
            for position, field in enumerate(spec.fields)
        ]
        created += 1
    DataElement.objects.bulk_create(elements)
    return created


def seed(stdout: Writer, rng: random.Random, **options: Any) -> dict[str, int]:
    """Create whatever data hub demo data is missing; return how many rows of each kind were made."""
    legal_rng, credit_rng = (random.Random(rng.getrandbits(64)) for _ in range(2))
    codes = {code for *_, code in default_pairs()} | {spec[2] for spec in INDICATORS.values()}
    codes |= set(CREDIT_DEPARTMENTS) | {r[1] for r in RESOURCES}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    created: dict[str, int] = {}
    with transaction.atomic():
        for what, count in (
            ("field sources", _field_sources(departments)),
            ("people", _people()),
            ("legal persons", _legal_persons(legal_rng)),
            ("macro figures", _macro()),
            ("credit records", _credit(credit_rng, departments)),
            ("resources", _resources(departments)),
        ):
            if count:
                created[what] = count
    for what, n in created.items():
        stdout.write(f"  datahub: {what}: {n}")
    if not created:
        stdout.write("  datahub: nothing to do")
    return created
