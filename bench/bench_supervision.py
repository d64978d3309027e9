"""Supervision: the periodic sweep over N open cases with a few due, and one quarter's metrics.

- Sweep. N open cases (``GOVHALL_BENCH_SUPERVISION_CASES``, default 200,000; the issue's figure is
  1,000,000), each with an open review task, promised deadlines spread over the next weeks, of
  which D (``GOVHALL_BENCH_SUPERVISION_DUE``, default 25) passed in the last five minutes. A first
  sweep five minutes earlier sets the marks (steady state). Measured: the sweep that finds the D
  cases and raises their yellow cards (audit, notifications and all), and a sweep with nothing
  due. Baseline: the naive evaluation — load every open case and check every rule on it in
  Python (``evaluation.full_scan``, the same rule code) — measured on S cases
  (``GOVHALL_BENCH_SUPERVISION_SAMPLE``, default 10,000, the D due ones among them) and scaled
  linearly to N. Both sides must find the same D cards.
- Metrics. H historical cases completed over a year (``GOVHALL_BENCH_SUPERVISION_HISTORY``,
  default N): one quarter's figures per department (``metrics.by_department``: grouped counts in
  SQL, working days per distinct day pair) against loading that quarter's rows and counting in
  Python with the same definitions. Both sides must produce the same figures.

Rows are inserted with raw SQL as copies of one case and one task made by the real services.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from harness import Row, measure

N = int(os.environ.get("GOVHALL_BENCH_SUPERVISION_CASES", "200000"))
DUE = int(os.environ.get("GOVHALL_BENCH_SUPERVISION_DUE", "25"))
SAMPLE = int(os.environ.get("GOVHALL_BENCH_SUPERVISION_SAMPLE", "10000"))
HISTORY = int(os.environ.get("GOVHALL_BENCH_SUPERVISION_HISTORY", str(N)))
BATCH = 5000
DATABASES = ("sqlite", "postgresql")


def _template(table: str, pk: int) -> tuple[list[str], list[Any]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed table names
        names = [column[0] for column in cursor.description]
        return names, list(cursor.fetchone())


def _insert(table: str, names: list[str], rows: list[list[Any]]) -> list[int]:
    """Insert rows (without id) in batches; their new ids, in order."""
    from django.db import connection, transaction

    columns = [name for name in names if name != "id"]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        first = int(cursor.fetchone()[0]) + 1
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return list(range(first, first + len(rows)))


def _setup() -> dict[str, Any]:
    from govhall.cases import deadlines, handling
    from govhall.cases.models import Task
    from govhall.catalog import services as catalog_services
    from govhall.catalog.codes import build_basic_code
    from govhall.catalog.content import GuideContent, MaterialSpec
    from govhall.catalog.models import ServiceItem
    from govhall.testing import personas

    admin = personas.staff("platform_admin")
    departments = [
        personas.department(key) for key in ("dept_a", "dept_b", "county_dept", "other_county_dept")
    ]
    version = catalog_services.create_item(
        actor=admin,
        department=departments[0],
        level="city",
        basic_code=build_basic_code(kind="01", main=90501),
        content=GuideContent(
            name="食品经营许可（监察基准）",
            target="both",
            legal_basis="《中华人民共和国食品安全法》",
            conditions="—",
            item_type="promised",
            promised_days=10,
            statutory_days=20,
            online_depth=3,
            materials=[MaterialSpec(name="身份证", medium="paper")],
        ),
    )
    catalog_services.submit_for_review(actor=admin, version=version)
    catalog_services.publish(actor=admin, version=version)
    item = ServiceItem.objects.get(pk=version.item_id)
    from govhall.cases import services

    material = item.current_version.materials.get() if item.current_version else None
    assert material is not None
    case = services.submit_case(
        actor=personas.citizen("citizen"),
        item=item,
        form_data={"contact_name": "张三", "contact_phone": "13800138000"},
        provided=[services.ProvidedMaterial(material_id=material.pk, kind="counter")],
    ).case
    handling.accept_case(actor=personas.staff("clerk"), case=case)
    task = Task.objects.get(case=case, status=Task.Status.OPEN)
    return {"case": case, "task": task, "departments": departments, "now": deadlines.now()}


def _adapt(value: datetime) -> Any:
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def _generate_open(env: dict[str, Any], now: datetime) -> tuple[list[int], list[int]]:
    """N open cases with a review task each; the first DUE fell due in the last five minutes."""
    case_names, case_row = env["case_row"]
    task_names, task_row = env["task_row"]
    ci = {name: i for i, name in enumerate(case_names)}
    ti = {name: i for i, name in enumerate(task_names)}
    rng = random.Random(5)
    departments = [d.pk for d in env["departments"]]
    rows, dues = [], []
    for n in range(N):
        if n < DUE:
            due = now - timedelta(minutes=1 + n % 4)
        else:
            due = now + timedelta(days=8 + rng.randrange(0, 50), hours=rng.randrange(0, 24))
        row = list(case_row)
        row[ci["uid"]] = uuid.uuid4().hex
        row[ci["case_no"]] = f"BENCH-{n:09d}"
        row[ci["idempotency_key"]] = ""
        row[ci["lead_department_id"]] = departments[n % len(departments)]
        row[ci["accepted_at"]] = _adapt(due - timedelta(days=14))
        row[ci["promised_deadline"]] = _adapt(due)
        row[ci["statutory_deadline"]] = _adapt(due + timedelta(days=14))
        row[ci["status"]] = "accepted"
        rows.append(row[1:] if case_names[0] == "id" else row)
        dues.append(due)
    ids = _insert("cases_case", case_names, rows)
    tasks = []
    for case_id, due in zip(ids, dues, strict=True):
        row = list(task_row)
        row[ti["case_id"]] = case_id
        row[ti["engine_task_id"]] = uuid.uuid4().hex
        row[ti["candidate_department_id"]] = departments[case_id % len(departments)]
        row[ti["due_at"]] = _adapt(due + timedelta(days=30))  # steps are not what this measures
        tasks.append(row[1:] if task_names[0] == "id" else row)
    _insert("cases_task", task_names, tasks)
    return ids, ids[:DUE]


def _sweep_rows(env: dict[str, Any]) -> list[Row]:
    from govhall.supervision import evaluation
    from govhall.supervision.models import Alert

    now = env["now"] + timedelta(days=400)
    started = time.perf_counter()
    ids, due_ids = _generate_open(env, now)
    generated = time.perf_counter() - started

    # The previous sweep, five minutes earlier: sets the marks (and warns that the D cases are due).
    evaluation.sweep(now=now - timedelta(minutes=5))
    assert not Alert.objects.exclude(level="warning").exists()

    sample = due_ids + random.Random(7).sample(ids[DUE:], min(SAMPLE, len(ids)) - DUE)
    naive = measure(lambda: evaluation.full_scan("cases", sample, now=now), [()], rounds=1)
    naive_cards = {(f.kind, f.subject_id) for f in naive.results[0] if f.kind == "overdue"}

    started = time.perf_counter()
    report = evaluation.sweep(now=now)
    sweep_seconds = time.perf_counter() - started
    raised = set(Alert.objects.filter(rule_kind="overdue").values_list("rule_kind", "subject_id"))
    if raised != naive_cards or len(raised) != DUE or report.raised["yellow"] != DUE:
        raise AssertionError(f"sweep and full scan disagree: {len(raised)} vs {len(naive_cards)} ({report})")
    idle = measure(lambda: evaluation.sweep(now=now + timedelta(seconds=30)), [()], rounds=3)

    naive_total = naive.per_call * N / len(sample)
    notes = [
        f"{N:,} open cases with a task each ({generated:.1f} s to insert), {DUE} due since the last sweep",
        f"naive: {len(sample):,} cases checked in {naive.per_call:.2f} s, scaled × {N / len(sample):,.1f}",
    ]
    return [
        Row(
            f"sweep of {N:,} open cases, {DUE} due: cards raised",
            sweep_seconds,
            naive_total,
            baseline_name="load every open case, check every rule in Python (scaled from the sample)",
            notes=notes,
        ),
        Row(
            f"sweep of {N:,} open cases, nothing due",
            idle.per_call,
            naive_total,
            baseline_name="the same naive full scan",
        ),
        Row(
            "evaluation cost per open case (sweep with D due)",
            sweep_seconds / N,
            naive.per_call / len(sample),
            baseline_name="naive check per case",
        ),
    ]


# --- Metrics -------------------------------------------------------------------------------------


def _generate_history(env: dict[str, Any], year_start: datetime) -> None:
    case_names, case_row = env["case_row"]
    ci = {name: i for i, name in enumerate(case_names)}
    rng = random.Random(11)
    departments = [d.pk for d in env["departments"]]
    rows = []
    for n in range(HISTORY):
        submitted = year_start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        accepted = submitted + timedelta(hours=rng.randrange(1, 72))
        completed = accepted + timedelta(days=rng.randrange(0, 25), hours=rng.randrange(0, 10))
        due = accepted + timedelta(days=14)
        row = list(case_row)
        row[ci["uid"]] = uuid.uuid4().hex
        row[ci["case_no"]] = f"HIST-{n:09d}"
        row[ci["lead_department_id"]] = departments[n % len(departments)]
        row[ci["channel"]] = "online" if n % 3 else "window"
        row[ci["status"]] = "completed"
        row[ci["submitted_at"]] = _adapt(submitted)
        row[ci["accepted_at"]] = _adapt(accepted)
        row[ci["promised_deadline"]] = _adapt(due)
        row[ci["completed_at"]] = _adapt(completed)
        # Pauses fall inside the handling time, as they do for real cases.
        row[ci["paused_working_days"]] = (
            rng.choice((0, 0, 0, 1, 2)) if completed - accepted > timedelta(days=7) else 0
        )
        row[ci["timeliness"]] = "early" if completed.date() < due.date() else "late"
        rows.append(row[1:] if case_names[0] == "id" else row)
    _insert("cases_case", case_names, rows)


def _python_figures(period: Any) -> dict[int, tuple[int, ...]]:
    """The same figures the obvious way: load the quarter's rows, count in Python."""
    from govhall.cases.models import Case
    from govhall.core.calendar import SHANGHAI, working_days_between

    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
    for department, channel in Case.objects.filter(period.within("submitted_at")).values_list(
        "lead_department_id", "channel"
    ):
        counts[department][0] += 1
        counts[department][1] += channel == "online"
    for department, accepted, completed, paused, timeliness in Case.objects.filter(
        period.within("completed_at")
    ).values_list("lead_department_id", "accepted_at", "completed_at", "paused_working_days", "timeliness"):
        entry = counts[department]
        entry[2] += 1
        entry[3] += timeliness == "early"
        entry[4] += timeliness == "late"
        if accepted is not None:
            span = max(
                0,
                working_days_between(
                    accepted.astimezone(SHANGHAI).date(), completed.astimezone(SHANGHAI).date()
                ),
            )
            entry[5] += span - paused
            entry[6] += 1
    return {department: tuple(entry) for department, entry in counts.items()}


def _metrics_rows(env: dict[str, Any]) -> list[Row]:
    from govhall.supervision import metrics
    from govhall.supervision.metrics import Period

    year = env["now"].year - 1
    period = Period.parse(f"{year}Q2")
    _generate_history(env, Period.parse(str(year)).start_at)

    def database() -> dict[int, tuple[int, ...]]:
        figures = metrics.by_department(period)
        return {
            pk: (f.received, f.online, f.completed, f.early, f.overdue, f.working_days, f.timed)
            for pk, f in figures.items()
            if f.received or f.completed
        }

    ours = measure(database, [()], rounds=5)
    theirs = measure(_python_figures, [(period,)], rounds=3)
    if ours.results[0] != theirs.results[0]:
        raise AssertionError(f"metrics disagree: {ours.results[0]} vs {theirs.results[0]}")
    quarter_cases = sum(entry[2] for entry in ours.results[0].values())
    return [
        Row(
            f"metrics of one quarter over {HISTORY:,} historical cases",
            ours.per_call,
            theirs.per_call,
            baseline_name="load the quarter's rows, count and add working days in Python",
            notes=[
                f"{quarter_cases:,} cases completed in {period.label}, per department",
                "收件 and 受理 by the submitted_at and accepted_at indexes, 办结 by completed_at",
            ],
        )
    ]


def run() -> list[Row]:
    from django.conf import settings

    from govhall.cases.models import Case, Task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # no mail on the console
    env = _setup()
    # Rows are copied from the prototype; it must not be swept itself.
    env["case_row"] = _template("cases_case", env["case"].pk)
    env["task_row"] = _template("cases_task", env["task"].pk)
    Case.objects.filter(pk=env["case"].pk).update(status=Case.Status.WITHDRAWN)
    Task.objects.filter(pk=env["task"].pk).update(status=Task.Status.CANCELLED)
    return [*_sweep_rows(env), *_metrics_rows(env)]
