"""``manage.py seed_demo``: fill the database with the demo city, step by step, idempotently.

Each app that has demo data exposes ``govhall.<app>.demo.seed(stdout, rng, **options)`` and returns a
mapping of what it created (or None). The steps run in ``INSTALLED_APPS`` order (identity before the
apps that refer to its departments and users), each with its own random stream derived from
``--seed`` and the app label, so one app's data never shifts another's. Only the options a step's
signature names are passed to it. The whole run is one transaction with one audit event, written
only when something was created: a second run changes nothing.
"""

from __future__ import annotations

import importlib
import inspect
import random
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from govhall.core.audit import record_event

Seeder = Callable[..., Any]

REFUSAL = (
    "演示数据只能在演示模式下生成，请设置环境变量 GOVHALL_DEMO=1。\n"
    "Demo data is only seeded in demo mode: set GOVHALL_DEMO=1. "
    "A production database never receives fictitious people, departments or login accounts."
)


def discover_seeders() -> list[tuple[str, Seeder]]:
    """(app label, seed function) for every govhall app that has a ``demo`` module with ``seed``."""
    found: list[tuple[str, Seeder]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("govhall."):
            continue
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the demo module exists but imports something missing: report it
            continue
        seeder = getattr(module, "seed", None)
        if callable(seeder):
            found.append((config.label, seeder))
    # Every other app's demo data refers to the demo city's departments and people.
    found.sort(key=lambda item: item[0] != "identity")
    return found


def _accepted(seeder: Seeder, options: dict[str, Any]) -> dict[str, Any]:
    parameters = inspect.signature(seeder).parameters
    return {name: value for name, value in options.items() if name in parameters}


class Command(BaseCommand):
    help = "Create the demo city (云浮市): regions, departments, staff, people, enterprises and app data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--citizens", type=int, default=1000, help="generated citizens (default 1000)")
        parser.add_argument(
            "--enterprises", type=int, default=200, help="generated enterprises (default 200)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed; same seed, same data")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(REFUSAL)
        if options["citizens"] < 0 or options["enterprises"] < 0:
            raise CommandError("--citizens and --enterprises must not be negative")
        step_options = {"citizens": options["citizens"], "enterprises": options["enterprises"]}
        started = time.monotonic()
        summary: dict[str, dict[str, int]] = {}
        with transaction.atomic():
            for label, seeder in discover_seeders():
                self.stdout.write(f"{label}:")
                rng = random.Random(f"{options['seed']}:{label}")
                created = seeder(self.stdout, rng, **_accepted(seeder, step_options))
                # A step may report zero counts; only what it actually created goes into the summary.
                made = {str(k): int(v) for k, v in dict(created or {}).items() if int(v)}
                if made:
                    summary[label] = made
            if summary:
                record_event(
                    actor="manage.py seed_demo",
                    action="demo.seeded",
                    obj="demo",
                    object_id=str(options["seed"]),
                    after={"created": summary, "options": step_options},
                )
        elapsed = time.monotonic() - started
        if summary:
            total = sum(sum(counts.values()) for counts in summary.values())
            self.stdout.write(
                self.style.SUCCESS(f"Demo city seeded: {total} rows written in {elapsed:.1f}s.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Demo city already complete; nothing created ({elapsed:.1f}s).")
            )
