"""Shortcuts for supervision tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govhall.cases import handling
from govhall.cases.models import Case
from govhall.cases.tests.helpers import submitted
from govhall.core.calendar import SHANGHAI
from govhall.supervision import evaluation
from govhall.supervision.models import Alert


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)


def file_case(applicant: Any, item: Any, clock: Any, when: str) -> Case:
    clock(when)
    return submitted(applicant, item).case


def accepted_case(applicant: Any, item: Any, clerk: Any, clock: Any, when: str) -> Case:
    case = file_case(applicant, item, clock, when)
    return handling.accept_case(actor=clerk, case=case)


def check(case: Case, when: str) -> list[Alert]:
    """The on-change check of one case at ``when``; the alerts it raised."""
    return evaluation.evaluate("cases", [case.pk], now=at(when))


def kinds(alerts: list[Alert]) -> list[tuple[str, str]]:
    return sorted((alert.rule_kind, alert.level) for alert in alerts)


def alerts_of(case: Case) -> list[tuple[str, str]]:
    return kinds(list(Alert.objects.filter(case=case)))


def only_rules(*kinds: str) -> None:
    """Switch every rule off but ``kinds`` (platform defaults), to look at one rule at a time."""
    from govhall.supervision import registry, services

    for spec in registry.specs():
        services.save_rule(
            actor=None, kind=spec.kind, enabled=spec.kind in kinds, threshold=spec.threshold, level=spec.level
        )
