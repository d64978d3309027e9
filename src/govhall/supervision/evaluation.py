"""Running the rules: the rule book of a sweep, the periodic sweep and the per-subject check.

The sweep asks each registered evaluator for the subjects that may have become due by time alone
(windowed by the cutoff the previous sweep reached, so only newly due rows are read) and for the
subjects whose timeline changed since the event watermark (minus an overlap, because a transaction
that started earlier may commit later); it checks only those. A subject's own change is checked at
once after its transaction commits (see :mod:`govhall.supervision.signals`). Raising is idempotent,
so overlapping windows, retries and two sweeps at the same moment raise each alert once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from govhall.cases import deadlines
from govhall.identity.models import Department
from govhall.supervision import clock, registry
from govhall.supervision.models import Alert, SupervisionRule, SweepMark

EVENTS_MARK = "events"
CHUNK = 500


def event_overlap() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GOVHALL_SUPERVISION_EVENT_OVERLAP_SECONDS", 600)))


def first_lookback() -> timedelta | None:
    """How far back the very first sweep reads changes: a deployment joining an existing case
    history checks the recent past, not every case ever filed (None: everything)."""
    days = int(getattr(settings, "GOVHALL_SUPERVISION_FIRST_LOOKBACK_DAYS", 30))
    return timedelta(days=days) if days > 0 else None


@dataclass(frozen=True)
class RuleConfig:
    kind: str
    enabled: bool
    threshold: int
    level: str
    rule_id: int | None


class RuleBook:
    """The rules in force for one sweep: per rule kind, the setting that applies to each department."""

    def __init__(self, rules: Sequence[SupervisionRule]) -> None:
        self._defaults: dict[str, SupervisionRule] = {}
        self._regional: dict[str, list[tuple[str, SupervisionRule]]] = defaultdict(list)
        for rule in rules:
            if rule.region_id is None:
                self._defaults[rule.kind] = rule
            else:
                assert rule.region is not None
                self._regional[rule.kind].append((rule.region.path, rule))
        for entries in self._regional.values():
            entries.sort(key=lambda entry: len(entry[0]), reverse=True)
        self._paths: dict[int, str] | None = None
        self._some_paths: dict[int, str] = {}
        self._cache: dict[tuple[str, int], RuleConfig] = {}

    @classmethod
    def load(cls) -> RuleBook:
        return cls(list(SupervisionRule.objects.select_related("region")))

    def _department_paths(self) -> dict[int, str]:
        if self._paths is None:
            self._paths = dict(Department.objects.values_list("pk", "region__path"))
        return self._paths

    def _path_of(self, department_id: int) -> str:
        # A check of a few cases asks about a few departments; only a sweep's groups need them all.
        paths = self._paths if self._paths is not None else self._some_paths
        if department_id not in paths:
            found = Department.objects.filter(pk=department_id).values_list("region__path", flat=True).first()
            paths[department_id] = found or ""
        return paths[department_id]

    def _from_rule(self, kind: str, rule: SupervisionRule | None) -> RuleConfig:
        spec = registry.spec(kind)
        if rule is None:
            if spec is None:
                return RuleConfig(kind, False, 0, "", None)
            return RuleConfig(kind, spec.enabled, spec.threshold, spec.level, None)
        return RuleConfig(kind, rule.enabled, rule.threshold, rule.level, rule.pk)

    def for_path(self, kind: str, path: str) -> RuleConfig:
        for prefix, rule in self._regional.get(kind, ()):
            if path.startswith(prefix):
                return self._from_rule(kind, rule)
        return self._from_rule(kind, self._defaults.get(kind))

    def config(self, kind: str, department_id: int) -> RuleConfig:
        cached = self._cache.get((kind, department_id))
        if cached is None:
            cached = self.for_path(kind, self._path_of(department_id))
            self._cache[(kind, department_id)] = cached
        return cached

    def groups(self, kind: str) -> list[tuple[int, list[int] | None]]:
        """(threshold, departments) for every threshold in force; None means every department.

        Departments where the rule is off are left out; a rule set the same everywhere is one
        group without a department filter, which keeps the sweep's queries short.
        """
        if not self._regional.get(kind):
            config = self._from_rule(kind, self._defaults.get(kind))
            return [(config.threshold, None)] if config.enabled else []
        by_threshold: dict[int, list[int]] = defaultdict(list)
        off = False
        for department_id in self._department_paths():
            config = self.config(kind, department_id)
            if config.enabled:
                by_threshold[config.threshold].append(department_id)
            else:
                off = True
        if len(by_threshold) == 1 and not off:
            return [(next(iter(by_threshold)), None)]
        return sorted((threshold, sorted(ids)) for threshold, ids in by_threshold.items())


@dataclass
class Context:
    """What one evaluation knows: the time, the rules, and the sweep marks it read and moved."""

    now: datetime
    book: RuleBook
    marks: dict[str, datetime] = field(default_factory=dict)
    moved: dict[str, datetime] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return clock.local_date(self.now)

    @classmethod
    def load(cls, now: datetime, *, with_marks: bool = False) -> Context:
        marks = dict(SweepMark.objects.values_list("name", "mark")) if with_marks else {}
        return cls(now=now, book=RuleBook.load(), marks=marks)

    def window(self, name: str) -> datetime | None:
        """Where the previous sweep of ``name`` stopped (None: never swept, read from the start)."""
        return self.marks.get(name)

    def advance(self, name: str, mark: datetime) -> None:
        self.moved[name] = mark

    def save_marks(self) -> None:
        # Marks only move forward, without locks: a slower sweep finishing after a faster one, or
        # two sweeps creating a mark at once, must neither rewind it nor fail.
        for name, mark in self.moved.items():
            SweepMark.objects.bulk_create([SweepMark(name=name, mark=mark)], ignore_conflicts=True)
            SweepMark.objects.filter(name=name, mark__lt=mark).update(mark=mark, updated_at=timezone.now())


@dataclass(frozen=True)
class SweepReport:
    checked: int
    raised: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "raised": dict(self.raised)}


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _count(alerts: Sequence[Alert]) -> dict[str, int]:
    counts = {"warning": 0, "yellow": 0, "red": 0}
    for alert in alerts:
        counts[alert.level] = counts.get(alert.level, 0) + 1
    return counts


def sweep(*, now: datetime | None = None, chunk: int = CHUNK) -> SweepReport:
    """Check what became due and what changed since the last sweep; raise what is new."""
    from govhall.supervision.services import raise_findings

    now = now or deadlines.now()
    ctx = Context.load(now, with_marks=True)
    events_mark = ctx.window(EVENTS_MARK)
    if events_mark:
        since: datetime | None = events_mark - event_overlap()
    else:
        lookback = first_lookback()
        since = now - lookback if lookback else None
    raised: list[Alert] = []
    checked = 0
    for evaluator in registry.evaluators():
        ids = sorted(set(evaluator.due(ctx)) | set(evaluator.changed(since)))
        checked += len(ids)
        for part in _chunks(ids, chunk):
            raised.extend(raise_findings(evaluator.check(ctx, part), ctx=ctx))
    ctx.advance(EVENTS_MARK, max(now, events_mark) if events_mark else now)
    ctx.save_marks()
    return SweepReport(checked=checked, raised=_count(raised))


def evaluate(name: str, ids: Sequence[int], *, now: datetime | None = None) -> list[Alert]:
    """Check these subjects of evaluator ``name`` now (after they changed); raise what is new."""
    from govhall.supervision.services import raise_findings

    ctx = Context.load(now or deadlines.now())
    evaluator = registry.evaluator(name)
    raised: list[Alert] = []
    for part in _chunks(sorted(set(ids)), CHUNK):
        raised.extend(raise_findings(evaluator.check(ctx, part), ctx=ctx))
    return raised


def full_scan(name: str, ids: Sequence[int], *, now: datetime | None = None) -> list[registry.Finding]:
    """Every finding for ``ids`` without raising anything (the baseline a benchmark compares with)."""
    ctx = Context.load(now or deadlines.now())
    evaluator = registry.evaluator(name)
    findings: list[registry.Finding] = []
    for part in _chunks(list(ids), CHUNK):
        findings.extend(evaluator.check(ctx, part))
    return findings
