"""The rule registry: what rules exist, their defaults, and the evaluators that apply them.

A supervised process joins supervision by registering, from its app's ``ready()``:

- one :class:`RuleSpec` per rule kind (name, subject model, default level and threshold), which
  the platform admin then configures per region as :class:`~govhall.supervision.models.SupervisionRule`;
- one :class:`Evaluator` for its subject, answering three questions set-wise:
  ``due(ctx)`` — which subjects may have become due by time alone (SQL over indexed deadline
  columns, never a loop over every open subject); ``changed(since)`` — which subjects changed
  (their timeline since a watermark); ``check(ctx, ids)`` — the findings for those subjects.

The sweep asks every evaluator; a subject's own change asks ``check`` for that subject alone.
Findings become alerts exactly once per (rule, subject, key). Complaints, information requests,
fees and document sign-for register their rules the same way when those apps exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from govhall.supervision.evaluation import Context


WORKING_DAYS = "working_days"
COUNT = "count"


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    name: str
    name_en: str
    subject: str  # model label of what the rule watches, e.g. "cases.case"
    level: str  # default level: warning, yellow or red
    threshold: int = 0
    threshold_unit: str = ""  # WORKING_DAYS, COUNT or "" (no threshold)
    threshold_label: str = ""
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class Finding:
    """One violation found; becomes an alert unless one with the same (kind, subject, key) exists."""

    kind: str
    subject_type: str
    subject_id: str
    key: str
    department_id: int
    region_id: int
    title: str
    facts: dict[str, Any] = field(default_factory=dict)
    case_id: int | None = None
    due_at: datetime | None = None
    level: str = ""  # empty: the level configured for the rule

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.kind, self.subject_type, self.subject_id, self.key)


class Evaluator(Protocol):
    name: str

    def due(self, ctx: Context) -> Iterable[int]:
        """Subjects that may have become due by time alone since the last sweep."""
        ...

    def changed(self, since: datetime | None) -> Iterable[int]:
        """Subjects whose timeline has entries at or after ``since`` (all when None)."""
        ...

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        """Every finding for these subjects under the rules in ``ctx``."""
        ...


_SPECS: dict[str, RuleSpec] = {}
_EVALUATORS: dict[str, Evaluator] = {}


def register_rule(spec: RuleSpec) -> None:
    _SPECS[spec.kind] = spec


def register_evaluator(evaluator: Evaluator) -> None:
    _EVALUATORS[evaluator.name] = evaluator


def specs() -> list[RuleSpec]:
    return list(_SPECS.values())


def spec(kind: str) -> RuleSpec | None:
    return _SPECS.get(kind)


def evaluators() -> list[Evaluator]:
    return list(_EVALUATORS.values())


def evaluator(name: str) -> Evaluator:
    return _EVALUATORS[name]


def rule_name(kind: str) -> str:
    found = _SPECS.get(kind)
    return found.name if found else kind
