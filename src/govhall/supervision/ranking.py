"""Performance score and ranking of departments (绩效排名), by a weighted, configurable formula.

Score (0–100) of a department for a period::

    base  = 100 × Σ wᵢ·rᵢ / Σ wᵢ   over the components rᵢ (fractions of 1) that have a value
    score = max(0, base − 2 × yellow cards − 5 × red cards − 3 × cards upheld)

with the default weights

    completion     25   办结率, capped at 100%
    early          25   提前办结率
    on_time        20   1 − 超期率
    online         10   网上申请占比
    rectification  20   整改率 (cards closed after an accepted explanation / cards raised)
    satisfaction   20   满意率 (ratings 基本满意 or better / ratings made, 好差评)

A component without a denominator (no promised items, no cards) is left out and the other
weights scale up, so a department is not rewarded or punished for what it did not handle.
Grades: 优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, else 不合格. Departments without cases in the period are
not ranked. ``settings.GOVHALL_SUPERVISION_SCORE`` may override ``weights``, ``penalties`` and
``grades`` (each a dict like the defaults below).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

from govhall.identity.models import Department
from govhall.supervision.metrics import HUNDREDTH, Figures

DEFAULT_WEIGHTS = {
    "completion": 25,
    "early": 25,
    "on_time": 20,
    "online": 10,
    "rectification": 20,
    "satisfaction": 20,
}
DEFAULT_PENALTIES = {"yellow": 2, "red": 5, "upheld": 3}
DEFAULT_GRADES = [("优秀", 90), ("良好", 75), ("合格", 60), ("不合格", 0)]


def formula() -> tuple[dict[str, Decimal], dict[str, Decimal], list[tuple[str, Decimal]]]:
    custom: dict[str, Any] = getattr(settings, "GOVHALL_SUPERVISION_SCORE", {}) or {}
    weights = {k: Decimal(str(v)) for k, v in {**DEFAULT_WEIGHTS, **custom.get("weights", {})}.items()}
    penalties = {k: Decimal(str(v)) for k, v in {**DEFAULT_PENALTIES, **custom.get("penalties", {})}.items()}
    grades = [(name, Decimal(str(floor))) for name, floor in custom.get("grades", DEFAULT_GRADES)]
    return weights, penalties, sorted(grades, key=lambda grade: grade[1], reverse=True)


def components(figures: Figures) -> dict[str, Decimal | None]:
    def fraction(rate: Decimal | None, *, cap: bool = False) -> Decimal | None:
        if rate is None:
            return None
        value = rate / 100
        return min(value, Decimal(1)) if cap else value

    overdue = figures.overdue_rate
    return {
        "completion": fraction(figures.completion_rate, cap=True),
        "early": fraction(figures.early_rate),
        "on_time": None if overdue is None else 1 - overdue / 100,
        "online": fraction(figures.online_share),
        "rectification": fraction(figures.rectification_rate),
        "satisfaction": fraction(figures.satisfaction_rate),
    }


def score(figures: Figures) -> Decimal | None:
    weights, penalties, _ = formula()
    parts = {name: value for name, value in components(figures).items() if value is not None}
    weight = sum((weights.get(name, Decimal(0)) for name in parts), Decimal(0))
    if not weight:
        return None
    base = (
        100
        * sum((weights.get(name, Decimal(0)) * value for name, value in parts.items()), Decimal(0))
        / weight
    )
    deduction = (
        penalties["yellow"] * figures.yellow
        + penalties["red"] * figures.red
        + penalties["upheld"] * figures.cards_upheld
    )
    return max(Decimal(0), base - deduction).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def grade(value: Decimal | None) -> str:
    if value is None:
        return ""
    for name, floor in formula()[2]:
        if value >= floor:
            return name
    return formula()[2][-1][0]


@dataclass(frozen=True)
class Ranked:
    rank: int
    department: Department
    figures: Figures
    score: Decimal
    grade: str


def rank(figures: dict[int, Figures], departments: dict[int, Department]) -> list[Ranked]:
    """Departments with cases, best score first; equal scores share a rank (1, 2, 2, 4)."""
    scored = []
    for department_id, entry in figures.items():
        value = score(entry)
        if department_id in departments and entry.has_cases and value is not None:
            scored.append((value, departments[department_id], entry))
    scored.sort(key=lambda row: (-row[0], row[1].code))
    ranked: list[Ranked] = []
    for position, (value, department, entry) in enumerate(scored, start=1):
        shared = ranked[-1].rank if ranked and ranked[-1].score == value else position
        ranked.append(Ranked(shared, department, entry, value, grade(value)))
    return ranked
