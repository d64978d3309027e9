"""The fact tables the warehouse copies, as a small registry of definitions.

A fact names its warehouse table, the queryset it is read from, its key, the timestamp expressions
whose newest value is its watermark, and its columns (warehouse name, ORM path or expression, DuckDB
type). A refresh reads only the rows whose watermark expressions passed the stored watermark (less a
safety overlap) and upserts them by key. Another app adds its facts with a few lines::

    from govhall.analytics.facts import Column, Fact, register

    register(Fact(
        name="ratings",
        queryset=lambda: Rating.objects.all(),
        watermarks=("created_at",),
        columns=(Column("id", "id", "BIGINT"), Column("score", "score", "INTEGER"), ...),
    ))

Facts of apps that are not installed are skipped, so the registry may name them ahead of time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Expression, F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

Source = str | Expression | F | Coalesce | Subquery

DUCKDB_TYPES = frozenset(
    {"BIGINT", "INTEGER", "VARCHAR", "TIMESTAMP", "DATE", "DOUBLE", "BOOLEAN", "DECIMAL(14,2)"}
)


@dataclass(frozen=True)
class Column:
    name: str
    source: Source
    type: str = "VARCHAR"

    def __post_init__(self) -> None:
        if self.type not in DUCKDB_TYPES:
            raise ValueError(f"column {self.name}: unsupported warehouse type {self.type}")


@dataclass(frozen=True)
class Fact:
    name: str
    queryset: Callable[[], QuerySet[Any]]
    columns: tuple[Column, ...]
    # Timestamp expressions; a row changed when any of them is newer than the watermark.
    watermarks: tuple[Source, ...] = ("updated_at",)
    key: str = "id"
    # App labels that must be installed for this fact to be read.
    requires: tuple[str, ...] = field(default=())
    title: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name.startswith("_"):
            raise ValueError(f"fact name {self.name!r} is not a plain identifier")
        names = [c.name for c in self.columns]
        if self.key not in names:
            raise ValueError(f"fact {self.name}: key {self.key} is not a column")
        if len(set(names)) != len(names):
            raise ValueError(f"fact {self.name}: duplicate column names")

    @property
    def available(self) -> bool:
        return all(apps.is_installed(f"govhall.{label}") for label in self.requires)


_FACTS: dict[str, Fact] = {}


def register(fact: Fact) -> None:
    """Add (or replace) a fact definition."""
    _FACTS[fact.name] = fact


def registered() -> list[Fact]:
    """Every fact whose apps are installed, in registration order."""
    return [fact for fact in _FACTS.values() if fact.available]


def get(name: str) -> Fact:
    return _FACTS[name]


def _c(name: str, source: Source, type_: str = "VARCHAR") -> Column:
    return Column(name, source, type_)


def _cases() -> Fact:
    from govhall.cases.models import Case

    return Fact(
        name="cases",
        title="办件",
        queryset=lambda: Case.objects.exclude(status=Case.Status.DRAFT),
        watermarks=("updated_at",),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("case_no", "case_no"),
            _c("item_id", "item_id", "BIGINT"),
            _c("item_code", "item__implementation_code"),
            _c("item_name", "item_version__name"),
            _c("item_kind", "item__kind"),
            _c("item_type", "item_version__item_type"),
            _c("trips", "item_version__trips", "INTEGER"),
            _c("star_level", "item_version__star_level", "INTEGER"),
            _c("promised_days", "item_version__promised_days", "INTEGER"),
            _c("department_id", "lead_department_id", "BIGINT"),
            _c("department_name", "lead_department__short_name"),
            _c("region_code", "lead_department__region__code"),
            _c("region_path", "lead_department__region__path"),
            _c("applicant_region_code", "applicant__region__code"),
            _c("applicant_kind", "applicant_kind"),
            _c("channel", "channel"),
            _c("status", "status"),
            _c("decision", "decision"),
            _c("timeliness", "timeliness"),
            _c("created_at", "created_at", "TIMESTAMP"),
            _c("submitted_at", "submitted_at", "TIMESTAMP"),
            _c("accepted_at", "accepted_at", "TIMESTAMP"),
            _c("decided_at", "decided_at", "TIMESTAMP"),
            _c("completed_at", "completed_at", "TIMESTAMP"),
            _c("promised_deadline", "promised_deadline", "TIMESTAMP"),
            _c("paused_working_days", "paused_working_days", "INTEGER"),
            _c("updated_at", "updated_at", "TIMESTAMP"),
        ),
    )


def _tasks() -> Fact:
    from govhall.cases.models import Task

    return Fact(
        name="tasks",
        title="环节任务",
        queryset=lambda: Task.objects.all(),
        # Cancelling a task is a bulk update that only the case's own save stamps.
        watermarks=(Coalesce("completed_at", "claimed_at", "created_at"), "case__updated_at"),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("case_id", "case_id", "BIGINT"),
            _c("step", "step"),
            _c("name", "name"),
            _c("department_id", "candidate_department_id", "BIGINT"),
            _c("region_path", "candidate_department__region__path"),
            _c("role", "candidate_role"),
            _c("status", "status"),
            _c("action", "action"),
            _c("created_at", "created_at", "TIMESTAMP"),
            _c("claimed_at", "claimed_at", "TIMESTAMP"),
            _c("completed_at", "completed_at", "TIMESTAMP"),
            _c("due_at", "due_at", "TIMESTAMP"),
        ),
    )


def _case_events() -> Fact:
    from govhall.cases.models import CaseEvent

    return Fact(
        name="case_events",
        title="办件过程",
        queryset=lambda: CaseEvent.objects.all(),
        watermarks=("occurred_at", "case__updated_at"),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("case_id", "case_id", "BIGINT"),
            _c("kind", "kind"),
            _c("step", "step"),
            _c("from_status", "from_status"),
            _c("to_status", "to_status"),
            _c("department_id", "case__lead_department_id", "BIGINT"),
            _c("region_path", "case__lead_department__region__path"),
            _c("occurred_at", "occurred_at", "TIMESTAMP"),
        ),
    )


def _alerts() -> Fact:
    from govhall.supervision.models import Alert

    return Fact(
        name="alerts",
        title="监察告警",
        requires=("supervision",),
        queryset=lambda: Alert.objects.all(),
        # The life cycle only moves forward: raised, explained, decided.
        watermarks=(Coalesce("decided_at", "explained_at", "raised_at"),),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("rule_kind", "rule_kind"),
            _c("level", "level"),
            _c("status", "status"),
            _c("case_id", "case_id", "BIGINT"),
            _c("department_id", "department_id", "BIGINT"),
            _c("department_name", "department__short_name"),
            _c("region_path", "department__region__path"),
            _c("raised_at", "raised_at", "TIMESTAMP"),
            _c("explained_at", "explained_at", "TIMESTAMP"),
            _c("decided_at", "decided_at", "TIMESTAMP"),
        ),
    )


def _payments() -> Fact:
    from govhall.payments.models import Payment

    return Fact(
        name="payments",
        title="缴费",
        requires=("payments",),
        queryset=lambda: Payment.objects.all(),
        # A refund changes the payment's refunded amount and always saves its order.
        watermarks=("recorded_at", "order__updated_at"),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("order_id", "order_id", "BIGINT"),
            _c("case_id", "order__case_id", "BIGINT"),
            _c("department_id", "order__department_id", "BIGINT"),
            _c("department_name", "order__department__short_name"),
            _c("region_path", "order__department__region__path"),
            _c("item_name", "order__item_name"),
            _c("channel", "channel"),
            _c("method", "method"),
            _c("amount", "amount", "DECIMAL(14,2)"),
            _c("refunded_amount", "refunded_amount", "DECIMAL(14,2)"),
            _c("is_duplicate", "is_duplicate", "BOOLEAN"),
            _c("paid_at", "paid_at", "TIMESTAMP"),
        ),
    )


def _disclosure_requests() -> Fact:
    from govhall.disclosure.models import InformationRequest, RequestEvent

    newest_event = Subquery(
        RequestEvent.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(newest=Max("at"))
        .values("newest")[:1]
    )
    return Fact(
        name="disclosure_requests",
        title="依申请公开",
        requires=("disclosure",),
        queryset=lambda: InformationRequest.objects.all(),
        watermarks=("submitted_at", newest_event),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("department_id", "department_id", "BIGINT"),
            _c("department_name", "department__short_name"),
            _c("region_path", "department__region__path"),
            _c("channel", "channel"),
            _c("status", "status"),
            _c("applicant_kind", "applicant_kind"),
            _c("submitted_at", "submitted_at", "TIMESTAMP"),
            _c("due_at", "due_at", "TIMESTAMP"),
            _c("answered_at", "answered_at", "TIMESTAMP"),
            _c("answered_late", "answered_late", "BOOLEAN"),
            _c("answer", "answer"),
            _c("closed_at", "closed_at", "TIMESTAMP"),
        ),
    )


def _macro_figures() -> Fact:
    from govhall.datahub.models import MacroFigure

    return Fact(
        name="macro_figures",
        title="宏观经济指标",
        requires=("datahub",),
        queryset=lambda: MacroFigure.objects.all(),
        watermarks=("updated_at",),
        columns=(
            _c("id", "id", "BIGINT"),
            _c("indicator_code", "indicator_code"),
            _c("indicator_name", "indicator_name"),
            _c("division_code", "division_code"),
            _c("period", "period"),
            _c("value", "value", "DOUBLE"),
            _c("unit", "unit"),
        ),
    )


BUILTIN: tuple[Callable[[], Fact], ...] = (
    _cases,
    _tasks,
    _case_events,
    _alerts,
    _payments,
    _disclosure_requests,
    _macro_figures,
)


def register_builtin_facts() -> None:
    for make in BUILTIN:
        register(make())
