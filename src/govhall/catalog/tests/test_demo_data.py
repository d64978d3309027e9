"""The demo service catalogue (demo_data/*.json) against the shared data contract.

Plain checks on the files themselves, no database: the loader trusts this data, so every field the
contract defines is verified here, together with the coverage the demo city needs (every department,
kind and theme present, the well-known items people look for).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from govhall.identity.demo_departments import CITY_DEPARTMENTS

DATA_DIR = Path(__file__).resolve().parent.parent / "demo_data"

KINDS = {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"}
LEVELS = {"province", "city", "county", "township"}
TARGETS = {"person", "legal", "both"}
MEDIA = {"paper", "electronic", "both"}
SOURCES = {"applicant", "other_department", "licence"}
PROCEDURES = {"hearing", "expert_review", "inspection", "public_notice", "quarantine", "other"}
PERSON_THEMES = {
    "婚育收养",
    "教育培训",
    "求职执业",
    "纳税缴费",
    "就医保健",
    "社会保险",
    "福利救助",
    "房屋租售",
    "交通旅游",
    "证件办理",
    "场馆设施",
    "公共安全",
    "司法公证",
    "环境气象",
    "三农服务",
    "户籍办理",
}
LEGAL_THEMES = {
    "设立变更",
    "准营准办",
    "投资立项",
    "工程建设",
    "纳税缴费",
    "社保公积金",
    "年报年检",
    "注销退出",
    "资质认证",
    "知识产权",
    "进出口",
    "交通物流",
    "环境保护",
    "安全生产",
    "医疗卫生",
    "农林牧渔",
    "文化旅游",
    "金融服务",
    "招标采购",
}
DEPARTMENTS = {code for code, _name, _short, _kind in CITY_DEPARTMENTS}
COUNTY_DEPARTMENTS = {"ZWFW", "SCJGJ", "MZJ", "RSJ", "ZJJ"}

ITEM_KEYS = {
    "name",
    "real",
    "aliases",
    "kind",
    "department",
    "levels",
    "target",
    "themes",
    "legal_basis",
    "conditions",
    "materials",
    "statutory_days",
    "promised_days",
    "item_type",
    "fees",
    "trips",
    "online_depth",
    "special_procedures",
    "faq",
}
OPTIONAL_ITEM_KEYS = {"joint_departments", "licence_type"}
MATERIAL_KEYS = {
    "name",
    "required",
    "condition",
    "original",
    "copies",
    "medium",
    "source",
    "has_form",
    "has_sample",
    "note",
}
AMOUNT = re.compile(r"^\d{1,10}\.\d{2}$")

# Items a demo of a Chinese city's catalogue must have; matched as part of the item name.
MUST_HAVE = [
    "食品经营许可",
    "药品零售企业许可",
    "建设工程规划许可证核发",
    "道路运输经营许可",
    "出生医学证明",
    "内地居民结婚登记",
    "内地居民离婚登记",
    "企业设立登记",
    "建筑工程施工许可证核发",
    "建设项目环境影响评价文件审批",
    "取水许可",
    "排污许可",
    "公共场所卫生许可",
    "医疗机构执业登记",
    "户口迁移",
    "居民身份证申领",
    "机动车驾驶证换证",
    "社会保障卡申领",
    "失业保险金申领",
    "最低生活保障审批",
    "残疾人证办理",
    "不动产登记",
    "住房公积金提取",
    "特种设备使用登记",
    "烟草专卖零售许可",
    "人防工程建设审批",
    "消防设计审查",
    "建设工程消防验收",
    "林木采伐许可",
    "采矿许可",
    "导游证核发",
    "旅行社设立许可",
    "民办学校设立",
    "教师资格认定",
    "律师执业许可",
    "公证",
    "企业开办",
    "新生儿出生一件事",
    "开办餐饮店一件事",
    "工程建设项目施工许可阶段",
    "建设项目竣工联合验收",
]
# Plain words people type, with an item each must lead to.
MUST_FIND = {
    "开饭店": "食品经营许可",
    "生孩子": "出生医学证明",
    "结婚": "内地居民结婚登记",
    "开公司": "企业设立登记",
    "开药店": "药品零售企业许可",
}


def _load() -> list[tuple[str, dict[str, Any]]]:
    loaded: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, list), f"{path.name}: top level must be a JSON array"
        loaded.extend((path.name, entry) for entry in data)
    return loaded


ENTRIES = _load()
ITEMS = [entry for _file, entry in ENTRIES]


def _label(file: str, entry: dict[str, Any]) -> str:
    return f"{file}: {entry.get('department')}/{entry.get('name')}"


def _is_text(value: Any, max_length: int | None = None) -> bool:
    return (
        isinstance(value, str)
        and value.strip() == value
        and value != ""
        and (max_length is None or len(value) <= max_length)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item_problems(item: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    keys = set(item)
    if missing := ITEM_KEYS - keys:
        problems.append(f"missing keys {sorted(missing)}")
    if unknown := keys - ITEM_KEYS - OPTIONAL_ITEM_KEYS:
        problems.append(f"unknown keys {sorted(unknown)}")
    if problems:
        return problems
    if not _is_text(item["name"], 200):
        problems.append("name must be non-empty text of at most 200 characters")
    if not isinstance(item["real"], bool):
        problems.append("real must be a boolean")
    aliases = item["aliases"]
    if (
        not isinstance(aliases, list)
        or not all(_is_text(a, 64) for a in aliases)
        or len(set(aliases)) != len(aliases)
    ):
        problems.append("aliases must be distinct non-empty strings")
    if item["kind"] not in KINDS:
        problems.append(f"unknown kind {item['kind']!r}")
    if item["department"] not in DEPARTMENTS:
        problems.append(f"unknown department {item['department']!r}")
    if "joint_departments" in item:
        joint = item["joint_departments"]
        if not isinstance(joint, list) or not joint or len(set(joint)) != len(joint):
            problems.append("joint_departments must be a non-empty list without repeats")
        elif unknown_joint := set(joint) - DEPARTMENTS:
            problems.append(f"unknown joint departments {sorted(unknown_joint)}")
        elif item["department"] in joint:
            problems.append("the lead department cannot also be a joint department")
    levels = item["levels"]
    if (
        not isinstance(levels, list)
        or not levels
        or len(set(levels)) != len(levels)
        or not set(levels) <= LEVELS
    ):
        problems.append(f"bad levels {levels!r}")
    problems.extend(_theme_problems(item))
    if not _is_text(item["legal_basis"]) or "《" not in item["legal_basis"]:
        problems.append("legal_basis must cite a law or regulation by its title")
    if not _is_text(item["conditions"]):
        problems.append("conditions must be non-empty text")
    problems.extend(_time_problems(item))
    problems.extend(_material_problems(item))
    problems.extend(_fee_problems(item["fees"]))
    if item["trips"] not in (0, 1, 2) or not _is_int(item["trips"]):
        problems.append("trips must be 0, 1 or 2")
    if item["online_depth"] not in (1, 2, 3, 4) or not _is_int(item["online_depth"]):
        problems.append("online_depth must be 1 to 4")
    elif item["trips"] == 0 and item["online_depth"] != 4:
        problems.append("an item needing no trip must be fully online (depth 4)")
    problems.extend(_procedure_problems(item["special_procedures"]))
    faq = item["faq"]
    if not isinstance(faq, list) or not all(
        isinstance(f, dict) and set(f) == {"q", "a"} and _is_text(f["q"], 300) and _is_text(f["a"])
        for f in faq
    ):
        problems.append("faq entries must be {q, a} with non-empty text")
    if "licence_type" in item and not _is_text(item["licence_type"], 80):
        problems.append("licence_type must be non-empty text of at most 80 characters")
    return problems


def _theme_problems(item: dict[str, Any]) -> list[str]:
    target, themes = item["target"], item["themes"]
    if target not in TARGETS:
        return [f"unknown target {target!r}"]
    if not isinstance(themes, list) or not themes or len(set(themes)) != len(themes):
        return ["themes must be a non-empty list without repeats"]
    names = set(themes)
    if target == "person" and not names <= PERSON_THEMES:
        return [f"not person themes: {sorted(names - PERSON_THEMES)}"]
    if target == "legal" and not names <= LEGAL_THEMES:
        return [f"not enterprise themes: {sorted(names - LEGAL_THEMES)}"]
    if target == "both":
        if not names <= PERSON_THEMES | LEGAL_THEMES:
            return [f"unknown themes: {sorted(names - PERSON_THEMES - LEGAL_THEMES)}"]
        if not (names & PERSON_THEMES and names & LEGAL_THEMES):
            return ["an item for both audiences needs a person theme and an enterprise theme"]
    return []


def _time_problems(item: dict[str, Any]) -> list[str]:
    statutory, promised, item_type = item["statutory_days"], item["promised_days"], item["item_type"]
    if not (_is_int(statutory) and _is_int(promised)) or statutory < 0 or promised < 0:
        return ["time limits must be non-negative integers"]
    if statutory > 365:
        return ["statutory time limit beyond a year of working days"]
    if promised > statutory:
        return [f"promised {promised} exceeds statutory {statutory}"]
    if item_type == "instant" and (statutory, promised) != (0, 0):
        return ["an instant item (即办件) has 0 statutory and 0 promised days"]
    if item_type == "promised" and promised < 1:
        return ["a promised item (承诺件) has at least one promised day"]
    if item_type not in ("instant", "promised"):
        return [f"unknown item_type {item_type!r}"]
    return []


def _material_problems(item: dict[str, Any]) -> list[str]:
    materials = item["materials"]
    if not isinstance(materials, list) or not materials:
        return ["materials must be a non-empty list"]
    problems = []
    lowest, highest = (3, 8) if item["real"] else (2, 4)
    if not lowest <= len(materials) <= highest:
        problems.append(f"{len(materials)} materials, expected {lowest}–{highest}")
    names = [m.get("name") for m in materials if isinstance(m, dict)]
    if len(set(names)) != len(names):
        problems.append("material names repeat")
    for material in materials:
        if not isinstance(material, dict):
            problems.append("a material must be an object")
            continue
        expected = MATERIAL_KEYS | ({"licence_type"} if material.get("source") == "licence" else set())
        if set(material) != expected:
            problems.append(
                f"material {material.get('name')!r} keys {sorted(set(material) ^ expected)} differ"
            )
            continue
        label = f"material {material['name']!r}"
        if not _is_text(material["name"], 200):
            problems.append(f"{label}: name must be non-empty text of at most 200 characters")
        for flag in ("required", "original", "has_form", "has_sample"):
            if not isinstance(material[flag], bool):
                problems.append(f"{label}: {flag} must be a boolean")
        condition = material["condition"]
        if not isinstance(condition, str) or len(condition) > 300:
            problems.append(f"{label}: condition must be text of at most 300 characters")
        elif material["required"] is False and not condition:
            problems.append(f"{label}: an optional material must say when it applies")
        if not _is_int(material["copies"]) or material["copies"] < 1:
            problems.append(f"{label}: copies must be a positive integer")
        if material["medium"] not in MEDIA:
            problems.append(f"{label}: unknown medium {material['medium']!r}")
        if material["source"] not in SOURCES:
            problems.append(f"{label}: unknown source {material['source']!r}")
        if material["source"] == "licence" and not _is_text(material["licence_type"], 80):
            problems.append(f"{label}: a licence material names its licence type")
        if not isinstance(material["note"], str) or len(material["note"]) > 300:
            problems.append(f"{label}: note must be text of at most 300 characters")
    return problems


def _fee_problems(fees: Any) -> list[str]:
    if not isinstance(fees, list):
        return ["fees must be a list"]
    problems = []
    for fee in fees:
        if not isinstance(fee, dict) or set(fee) != {"name", "amount", "basis"}:
            problems.append(f"fee {fee!r} must have name, amount and basis")
        elif not (_is_text(fee["name"], 200) and _is_text(fee["basis"])):
            problems.append(f"fee {fee['name']!r} needs a name and a basis")
        elif (
            not isinstance(fee["amount"], str)
            or not AMOUNT.match(fee["amount"])
            or Decimal(fee["amount"]) <= 0
        ):
            problems.append(
                f"fee {fee['name']!r}: amount {fee['amount']!r} must be a positive decimal with 2 places"
            )
    return problems


def _procedure_problems(procedures: Any) -> list[str]:
    if not isinstance(procedures, list):
        return ["special_procedures must be a list"]
    problems = []
    for procedure in procedures:
        if not isinstance(procedure, dict) or set(procedure) != {"kind", "name", "max_days"}:
            problems.append(f"special procedure {procedure!r} must have kind, name and max_days")
        elif procedure["kind"] not in PROCEDURES:
            problems.append(f"special procedure kind {procedure['kind']!r} unknown")
        elif not _is_text(procedure["name"], 100):
            problems.append("special procedure name must be non-empty text of at most 100 characters")
        elif not _is_int(procedure["max_days"]) or not 1 <= procedure["max_days"] <= 365:
            problems.append(f"special procedure {procedure['name']!r}: max_days must be 1 to 365")
    return problems


def test_the_data_files_exist_and_are_arrays() -> None:
    files = sorted(path.name for path in DATA_DIR.glob("*.json"))
    assert len(files) >= 5, files
    assert ITEMS


def test_every_item_matches_the_contract() -> None:
    problems = [
        f"{_label(file, entry)}: {problem}" for file, entry in ENTRIES for problem in _item_problems(entry)
    ]
    assert not problems, "\n".join(problems[:50])


def test_names_are_unique_within_a_department() -> None:
    counts = Counter((item["department"], item["name"]) for item in ITEMS)
    assert not [key for key, n in counts.items() if n > 1]


def test_catalogue_size() -> None:
    assert len(ITEMS) >= 460
    assert sum(item["real"] for item in ITEMS) >= 200
    assert sum(1 for item in ITEMS if item.get("joint_departments")) >= 25


def test_real_items_are_detailed() -> None:
    real = [item for item in ITEMS if item["real"]]
    assert sum(1 for item in real if item["faq"]) >= 60
    assert sum(1 for item in real if item["fees"]) >= 10
    assert sum(1 for item in real if item["special_procedures"]) >= 60
    assert sum(1 for item in real if any(m["source"] == "licence" for m in item["materials"])) >= 150
    real_licence_types = {
        m["licence_type"] for item in real for m in item["materials"] if m["source"] == "licence"
    }
    assert {"营业执照", "居民身份证", "户口簿", "结婚证", "不动产权证书"} <= real_licence_types


def test_every_department_has_items_and_the_big_ones_many() -> None:
    counts = Counter(item["department"] for item in ITEMS)
    assert {code: counts[code] for code in DEPARTMENTS if counts[code] < 3} == {}
    for code in ("SCJGJ", "GAJ", "MZJ", "RSJ", "ZJJ", "ZRZYJ", "WJJ", "SWUJU", "NYJ", "JTJ", "WGLTJ"):
        assert counts[code] >= 20, (code, counts[code])


def test_all_kinds_are_present() -> None:
    counts = Counter(item["kind"] for item in ITEMS)
    assert set(counts) == KINDS
    # The demo has to show more than licences and public services.
    assert all(counts[kind] >= 4 for kind in KINDS), counts


@pytest.mark.parametrize("theme", sorted(PERSON_THEMES))
def test_person_theme_is_covered(theme: str) -> None:
    assert sum(1 for i in ITEMS if i["target"] in ("person", "both") and theme in i["themes"]) >= 4


@pytest.mark.parametrize("theme", sorted(LEGAL_THEMES))
def test_enterprise_theme_is_covered(theme: str) -> None:
    assert sum(1 for i in ITEMS if i["target"] in ("legal", "both") and theme in i["themes"]) >= 4


def test_county_levels_go_mostly_to_county_departments() -> None:
    county = [item for item in ITEMS if "county" in item["levels"]]
    assert len(county) >= 100
    assert sum(1 for item in county if item["department"] in COUNTY_DEPARTMENTS) >= 0.9 * len(county)
    for code in COUNTY_DEPARTMENTS:
        assert any(item["department"] == code for item in county), code


@pytest.mark.parametrize("fragment", MUST_HAVE)
def test_well_known_item_exists(fragment: str) -> None:
    assert [item["name"] for item in ITEMS if fragment in item["name"]]


@pytest.mark.parametrize(("word", "fragment"), sorted(MUST_FIND.items()))
def test_plain_words_lead_to_the_item(word: str, fragment: str) -> None:
    assert any(fragment in item["name"] for item in ITEMS if word in item["aliases"])


def test_joint_items_name_several_departments() -> None:
    joint = [item for item in ITEMS if item.get("joint_departments")]
    by_name = {item["name"]: item for item in joint}
    assert {"SWUJU", "GAJ", "RSJ", "GJJ"} <= set(by_name["企业开办一件事"]["joint_departments"])
    assert {"GAJ", "YBJ", "RSJ"} <= set(by_name["新生儿出生一件事"]["joint_departments"])
    assert sum(1 for item in joint if len(item["joint_departments"]) >= 2) >= 20


def test_fee_examples_follow_the_published_standards() -> None:
    registration = next(item for item in ITEMS if item["name"] == "不动产登记")
    assert {"80.00", "550.00"} <= {fee["amount"] for fee in registration["fees"]}
    marriage = next(item for item in ITEMS if item["name"] == "内地居民结婚登记")
    assert marriage["fees"] == [] and marriage["item_type"] == "instant"


def test_the_contract_checks_reject_broken_items() -> None:
    good = next(item for item in ITEMS if item["name"] == "食品经营许可")
    assert _item_problems(good) == []
    broken: list[dict[str, Any]] = [
        {**good, "kind": "11"},
        {**good, "department": "NOPE"},
        {**good, "promised_days": good["statutory_days"] + 1},
        {**good, "item_type": "instant"},
        {**good, "themes": ["婚育收养"]},
        {**good, "fees": [{"name": "费", "amount": "80", "basis": "依据"}]},
        {**good, "materials": [{**good["materials"][0], "source": "licence"}, *good["materials"][1:]]},
        {**good, "joint_departments": ["SCJGJ"]},
        {**good, "extra": 1},
    ]
    assert all(_item_problems(item) for item in broken)
