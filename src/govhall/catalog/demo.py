"""Demo catalogue: the items in ``demo_data/*.json`` published for the demo city (云浮市).

Called by ``manage.py seed_demo`` after the identity step has created the departments. Each record
becomes one item per implementing department: the city department, and for county-level items each
county's department of the same code where the county has one (otherwise the city department
implements it at county level). Codes are derived, never stored in the data:

- basic code: kind + a main-item number from a hash of (kind, name), probed past collisions in name
  order, so adding records does not renumber the others;
- implementation code: the implementing department's credit code + level digit + basic code.

Running it again creates nothing that exists. The whole run is audited once by seed_demo.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from django.db import transaction

from govhall.catalog import services
from govhall.catalog.codes import build_basic_code, build_implementation_code
from govhall.catalog.content import (
    FaqSpec,
    FeeSpec,
    GuideContent,
    MaterialSpec,
    ProcedureSpec,
    validate_content,
    write_content,
)
from govhall.catalog.models import ItemVersion, Material, ServiceItem, SpecialProcedure, Theme
from govhall.identity.demo_departments import COUNTY_CODES
from govhall.identity.models import Department

# GOVHALL_CATALOG_DEMO_DIR points the loader at another set of files (a trial catalogue, say).
DEMO_DIR = Path(os.environ.get("GOVHALL_CATALOG_DEMO_DIR") or Path(__file__).resolve().parent / "demo_data")
CITY_HOURS = "工作日 上午9:00—12:00，下午14:30—17:30（法定节假日除外）"
COMPLAINT_PHONE = "0766-12345"


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def load_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(paths):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{path.name}: expected a JSON array of items")
        records.extend(record for record in data if isinstance(record, dict))
    return records


def basic_codes(records: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """A stable basic code for every distinct (kind, name)."""
    taken: dict[str, set[int]] = {}
    codes: dict[tuple[str, str], str] = {}
    for kind, name in sorted({(str(r.get("kind", "")), str(r.get("name", ""))) for r in records}):
        used = taken.setdefault(kind, set())
        main = 10000 + int(hashlib.sha256(f"{kind}:{name}".encode()).hexdigest(), 16) % 80000
        while main in used:
            main = main + 1 if main < 99999 else 10000
        used.add(main)
        try:
            codes[(kind, name)] = build_basic_code(kind=kind, main=main)
        except ValueError:
            continue  # an unknown kind: the record is reported when its content is checked
    return codes


def _original_check(record: dict[str, Any], trips: int, depth: int) -> str:
    if trips == 0:
        return "none"
    if depth >= 3 and trips == 1:
        return "at_completion"
    has_originals = any(m.get("original") for m in record.get("materials", []))
    return "at_acceptance" if has_originals else "none"


def _materials(record: dict[str, Any]) -> list[MaterialSpec]:
    specs = []
    for raw in record.get("materials", []):
        required = bool(raw.get("required", True))
        source = (
            raw.get("source") if raw.get("source") in Material.Source.values else Material.Source.APPLICANT
        )
        licence_type = str(raw.get("licence_type") or "")
        if source == Material.Source.LICENCE and not licence_type:
            source = Material.Source.APPLICANT
        specs.append(
            MaterialSpec(
                name=str(raw.get("name", "")).strip(),
                required=required,
                condition=str(raw.get("condition") or ("" if required else "视申请人具体情况提供")),
                original=bool(raw.get("original", False)),
                copies=int(raw.get("copies", 1) or 0),
                medium=raw.get("medium")
                if raw.get("medium") in Material.Medium.values
                else Material.Medium.BOTH,
                source=source,
                licence_type=licence_type if source == Material.Source.LICENCE else "",
                has_form=bool(raw.get("has_form", False)),
                has_sample=bool(raw.get("has_sample", False)),
                note=str(raw.get("note") or ""),
            )
        )
    return specs


def _theme_codes(record: dict[str, Any], themes: dict[tuple[str, str], str]) -> list[str]:
    target = record.get("target")
    audiences = {"person": ["person"], "legal": ["legal"]}.get(str(target), ["person", "legal"])
    return sorted(
        {
            themes[(audience, name)]
            for name in record.get("themes", [])
            for audience in audiences
            if (audience, name) in themes
        }
    )


def _steps(item_type: str, joint: bool, procedures: list[ProcedureSpec]) -> list[str]:
    if item_type == ItemVersion.ItemType.INSTANT:
        return ["申请", "受理", "当场办结", "领取结果"]
    steps = ["申请", "受理", "并联审查" if joint else "审查"]
    steps += [p.name for p in procedures]
    return [*steps, "决定", "送达"]


def content_for(
    record: dict[str, Any], themes: dict[tuple[str, str], str], joint_codes: list[str]
) -> GuideContent:
    """A record of the demo data as guide content, with inconsistent numbers made consistent."""
    item_type = "instant" if record.get("item_type") == "instant" else "promised"
    statutory = max(int(record.get("statutory_days", 0) or 0), 0)
    promised = max(int(record.get("promised_days", 0) or 0), 0)
    if item_type == "instant":
        promised = 0
    elif promised == 0:
        promised = statutory or 1
    statutory = max(statutory, promised)
    trips = max(int(record.get("trips", 1) or 0), 0)
    depth = min(max(int(record.get("online_depth", 1) or 1), 1), 4)
    procedures = [
        ProcedureSpec(
            kind=p.get("kind") if p.get("kind") in SpecialProcedure.ProcedureKind.values else "other",
            name=str(p.get("name") or "特别程序"),
            max_days=min(max(int(p.get("max_days", 10) or 10), 1), 365),
        )
        for p in record.get("special_procedures", [])
    ]
    return GuideContent(
        name=str(record.get("name", "")).strip(),
        target=str(record.get("target", "both")),
        legal_basis=str(record.get("legal_basis", "")),
        conditions=str(record.get("conditions", "")),
        item_type=item_type,
        aliases=[str(a).strip()[:60] for a in record.get("aliases", []) if str(a).strip()],
        theme_codes=_theme_codes(record, themes),
        joint_department_codes=joint_codes,
        statutory_days=statutory,
        promised_days=promised,
        trips=trips,
        online_depth=depth,
        original_check=_original_check(record, trips, depth),
        process_template="joint" if joint_codes else ("instant" if item_type == "instant" else "standard"),
        process_steps=_steps(item_type, bool(joint_codes), procedures),
        hours=CITY_HOURS,
        complaint_phone=COMPLAINT_PHONE,
        result_licence_type=str(record.get("licence_type") or ""),
        materials=_materials(record),
        fees=[
            FeeSpec(
                name=str(f.get("name", "")),
                amount=Decimal(str(f.get("amount", "0"))),
                basis=str(f.get("basis", "")),
            )
            for f in record.get("fees", [])
        ],
        special_procedures=procedures,
        faqs=[
            FaqSpec(question=str(q.get("q", "")), answer=str(q.get("a", ""))) for q in record.get("faq", [])
        ],
    )


@dataclass(frozen=True)
class PlannedItem:
    record_index: int
    department_code: str
    level: str
    basic_code: str
    county_code: str  # the county whose departments stand in for joint departments, or ""


def plan(records: list[dict[str, Any]], department_codes: set[str]) -> list[PlannedItem]:
    """Which department implements each record at which level (no database writes)."""
    codes = basic_codes(records)
    planned: list[PlannedItem] = []
    seen: set[tuple[str, str, str]] = set()
    for index, record in enumerate(records):
        basic = codes.get((str(record.get("kind", "")), str(record.get("name", ""))))
        city_code = str(record.get("department", ""))
        if basic is None or city_code not in department_codes:
            continue
        for level in record.get("levels", ["city"]) or ["city"]:
            targets: list[tuple[str, str]] = []
            if level in {"county", "township"}:
                for county in COUNTY_CODES:
                    local = f"{city_code}-{county[2:]}"
                    if local in department_codes:
                        targets.append((local, county))
                    elif level == "township" and f"ZWFW-{county[2:]}" in department_codes:
                        targets.append((f"ZWFW-{county[2:]}", county))
                if not targets:
                    targets = [(city_code, "")]
            elif level in {"city", "province"}:
                targets = [(city_code, "")]
            for department_code, county in targets:
                key = (department_code, level, basic)
                if key not in seen:
                    seen.add(key)
                    planned.append(PlannedItem(index, department_code, level, basic, county))
    return planned


def _place(department: Department) -> str:
    return f"{department.region.name}政务服务中心 {department.short_name}窗口"


def _phone(department: Department) -> str:
    return "0766-" + str(8000000 + int(hashlib.sha256(department.code.encode()).hexdigest(), 16) % 1000000)


def ensure_themes() -> int:
    """Recreate any missing theme row (data migration 0002 makes them; a flushed test database lacks them)."""
    from govhall.catalog.themes import LEGAL_THEMES, PERSON_THEMES

    rows = [("person", *t) for t in PERSON_THEMES] + [("legal", *t) for t in LEGAL_THEMES]
    present = set(Theme.objects.values_list("code", flat=True))
    missing = [
        Theme(code=code, audience=audience, name=name, name_en=name_en, order=order)
        for order, (audience, code, name, name_en) in enumerate(rows, start=1)
        if code not in present
    ]
    Theme.objects.bulk_create(missing)
    return len(missing)


def seed(stdout: Writer, rng: random.Random, *, paths: Iterable[Path] | None = None) -> dict[str, int]:
    """Publish every demo item that is not there yet; return what was created."""
    ensure_themes()
    records = load_records(paths if paths is not None else DEMO_DIR.glob("*.json"))
    if not records:
        stdout.write("  catalog: no demo data found in catalog/demo_data/")
        return {}
    departments = {d.code: d for d in Department.objects.select_related("region")}
    themes = {(t.audience, t.name): t.code for t in Theme.objects.all()}
    audiences = dict(Theme.objects.values_list("code", "audience"))
    planned = plan(records, set(departments))
    existing = set(ServiceItem.objects.values_list("implementation_code", flat=True))
    # Popularity is drawn for every planned item in order, present or not, so reruns agree.
    popularity = [
        int(rng.paretovariate(1.3) * (40 if records[p.record_index].get("real") else 8)) for p in planned
    ]
    created = {"items": 0, "materials": 0, "search terms": 0}
    skipped: list[str] = []
    with transaction.atomic():
        for entry, hot in zip(planned, popularity, strict=True):
            department = departments[entry.department_code]
            code = build_implementation_code(
                uscc=department.uscc, level=entry.level, basic_code=entry.basic_code
            )
            if code in existing:
                continue
            record = records[entry.record_index]
            joint = []
            for other in record.get("joint_departments", []) or []:
                local = f"{other}-{entry.county_code[2:]}" if entry.county_code else ""
                chosen = local if local in departments else other
                if chosen in departments and chosen != entry.department_code:
                    joint.append(chosen)
            content = content_for(record, themes, sorted(set(joint)))
            content.place = _place(department)
            content.consult_phone = _phone(department)
            problems = validate_content(content, audience_themes=audiences)
            if problems:
                skipped.append(f"{content.name or record.get('name')}: {problems[0][1]}")
                continue
            item = ServiceItem.objects.create(
                implementation_code=code,
                basic_code=entry.basic_code,
                kind=entry.basic_code[:2],
                department=department,
                level=entry.level,
                popularity=hot,
            )
            version = ItemVersion(item=item, number=1)
            write_content(version, content)
            created["search terms"] += services.activate_version(item, version)
            existing.add(code)
            created["items"] += 1
            created["materials"] += len(content.materials)
    stdout.write(f"  catalog: {created['items']} items published from {len(records)} demo records")
    for reason in skipped[:20]:
        stdout.write(f"  catalog: skipped {reason}")
    return {key: value for key, value in created.items() if value}
