"""Data hub comparisons: DuckDB against plain Python, on the files a comparison job really reads.

- Anti-join ("registered with market regulation, absent from the tax register") of N × N rows:
  two CSV files of N rows each (an 18-character key, a condition column, a name), 1 % of A's keys
  missing from B, both files in random order. DuckDB runs the query a comparison job runs
  (``comparisons.plan_sql``: read both files, ``NOT EXISTS`` anti-join, results fetched). N is
  ``GOVHALL_BENCH_DATAHUB_ROWS`` (default 2,000,000; the issue's figure is 5,000,000).
- The baseline is the obvious Python: ``csv.reader`` over both files, a ``set`` of B's keys, A's rows
  filtered by membership. Python is measured on M × M rows (``GOVHALL_BENCH_DATAHUB_PY_ROWS``,
  default 200,000) and its time scaled linearly by N / M for the N-row figure — reading, hashing
  and probing are each linear in the rows, and the scaling leaves out the memory cost of holding
  N keys in a Python set, so it flatters Python if anything. A second row compares both sides
  measured on the same M × M files, with no scaling at all.
- End to end from the database: a comparison job over two department tables of R rows each
  (``GOVHALL_BENCH_DATAHUB_DB_ROWS``, default 50,000) — export to CSV, DuckDB, results stored —
  against ``values_list`` of both key columns into Python sets and a set difference.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from harness import Row, format_seconds, measure

N = int(os.environ.get("GOVHALL_BENCH_DATAHUB_ROWS", "2000000"))
M = int(os.environ.get("GOVHALL_BENCH_DATAHUB_PY_ROWS", "200000"))
R = int(os.environ.get("GOVHALL_BENCH_DATAHUB_DB_ROWS", "50000"))
MISSING_EVERY = 100  # 1 % of A's keys are absent from B


def write_files(directory: Path, rows: int) -> tuple[Path, Path]:
    """a.csv (k, f, o0) and b.csv (k, f) in random order; B lacks every 100th key and has 0.5 % extra."""
    a_path, b_path = directory / f"a{rows}.csv", directory / f"b{rows}.csv"
    key = "'91445302' || lpad(CAST(i AS VARCHAR), 10, '0')"
    # Numbers and temporary paths of this process only: nothing here comes from outside.
    select_a = f"SELECT {key} AS k, 'active' AS f, '企业' || i AS o0 FROM range({rows}) t(i) ORDER BY hash(i)"  # noqa: S608
    select_b = (
        f"SELECT {key} AS k, '' AS f FROM range({rows + rows // 200}) t(i) "  # noqa: S608
        f"WHERE i % {MISSING_EVERY} <> 0 OR i >= {rows} ORDER BY hash(i + 1)"
    )
    with duckdb.connect() as connection:
        connection.execute(f"COPY ({select_a}) TO '{a_path}' (HEADER false)")
        connection.execute(f"COPY ({select_b}) TO '{b_path}' (HEADER false)")
    return a_path, b_path


def expected_missing(rows: int) -> int:
    return len(range(0, rows, MISSING_EVERY))


def duckdb_anti_join(job: Any, a_path: Path, b_path: Path) -> int:
    from govhall.datahub.comparisons import plan_sql

    plan = plan_sql(job, a_path, b_path)
    with duckdb.connect() as connection:
        return len(connection.execute(plan.sql, plan.params).fetchall())


def python_anti_join(a_path: Path, b_path: Path) -> int:
    with b_path.open(encoding="utf-8", newline="") as handle:
        present = {row[0] for row in csv.reader(handle)}
    with a_path.open(encoding="utf-8", newline="") as handle:
        missing = [row for row in csv.reader(handle) if row[0] and row[0] not in present]
    return len(missing)


def _file_rows() -> list[Row]:
    from govhall.datahub.models import ComparisonJob

    job = ComparisonJob(
        kind=ComparisonJob.Kind.MISSING_IN_B, filter_a={}, condition_b={}, output_fields=["name"]
    )
    with tempfile.TemporaryDirectory(prefix="govhall-bench-compare-") as scratch:
        directory = Path(scratch)
        big_a, big_b = write_files(directory, N)
        small_a, small_b = write_files(directory, M)
        duck_big = measure(duckdb_anti_join, [(job, big_a, big_b)], rounds=2)
        duck_small = measure(duckdb_anti_join, [(job, small_a, small_b)], rounds=3)
        py_small = measure(python_anti_join, [(small_a, small_b)], rounds=3)
        size_mb = (big_a.stat().st_size + big_b.stat().st_size) / 1e6
    assert duck_big.results == [expected_missing(N)], duck_big.results
    assert duck_small.results == py_small.results == [expected_missing(M)], (
        duck_small.results,
        py_small.results,
    )
    scaled = py_small.per_call * N / M
    threads = os.cpu_count() or 1
    return [
        Row(
            figure=f"comparison anti-join {N:,} × {N:,} rows (DuckDB, CSV in)",
            value=duck_big.per_call,
            baseline=scaled,
            baseline_name=(
                f"csv.reader + Python set, measured on {M:,} × {M:,} rows "
                f"({format_seconds(py_small.per_call)}) and scaled × {N / M:g} (linear)"
            ),
            notes=[
                f"{expected_missing(N):,} mismatches found by both; files {size_mb:,.0f} MB; "
                f"{threads} CPU threads available to DuckDB"
            ],
        ),
        Row(
            figure=f"comparison anti-join {M:,} × {M:,} rows, both measured",
            value=duck_small.per_call,
            baseline=py_small.per_call,
            baseline_name="csv.reader + Python set on the same files, not scaled",
        ),
    ]


def _db_rows() -> list[Row]:
    from django.db import transaction

    from govhall.datahub import comparisons
    from govhall.datahub.catalogue import ElementSpec, register_resource
    from govhall.datahub.models import ComparisonJob, Resource, ResourceRecord
    from govhall.identity.models import Role
    from govhall.testing.factories import DepartmentFactory, MembershipFactory, StaffFactory, ensure_region

    department = DepartmentFactory(code="BENCHSW", name="基准税务局", region=ensure_region("445300"))
    officer = StaffFactory(username="bench_officer")
    MembershipFactory(user=officer, department=department, role=Role.DEPARTMENT_ADMIN)

    def table(name: str, keys: range) -> Resource:
        resource = register_resource(
            actor=officer,
            provider=department,
            name=name,
            summary=name,
            elements=[ElementSpec("uscc", "统一社会信用代码", "uscc"), ElementSpec("name", "名称")],
            key_element="uscc",
            sharing_type=Resource.SharingType.CONDITIONAL,
            sharing_conditions="基准测试",
            update_cycle=Resource.UpdateCycle.DAILY,
            access_methods=["api"],
        )
        with transaction.atomic():
            ResourceRecord.objects.bulk_create(
                (
                    ResourceRecord(
                        resource=resource,
                        key=f"91445302{i:010d}",
                        data={"uscc": f"91445302{i:010d}", "name": f"企业{i}"},
                    )
                    for i in keys
                ),
                batch_size=5000,
            )
        return resource

    a = table("登记企业", range(R))
    b = table("纳税户", range(0, R + R // 200))
    ResourceRecord.objects.filter(
        resource=b, key__in=[f"91445302{i:010d}" for i in range(0, R, MISSING_EVERY)]
    ).delete()

    def service() -> int:
        job = comparisons.create_comparison(
            actor=officer,
            department=department,
            name="基准比对",
            kind=ComparisonJob.Kind.MISSING_IN_B,
            resource_a=a,
            key_a="uscc",
            resource_b=b,
            key_b="uscc",
            output_fields=["name"],
        )
        done = comparisons.run_comparison(job.pk)  # the queue is immediate here; a rerun is a no-op
        return int(done.result_count)

    def orm_sets() -> int:
        present = set(
            ResourceRecord.objects.filter(resource=b).values_list("key", flat=True).iterator(chunk_size=5000)
        )
        missing = [
            (key, data)
            for key, data in ResourceRecord.objects.filter(resource=a)
            .values_list("key", "data")
            .iterator(chunk_size=5000)
            if key not in present
        ]
        return len(missing)

    started = time.perf_counter()
    via_service = measure(service, [()], rounds=2)
    via_orm = measure(orm_sets, [()], rounds=2)
    assert via_service.results == via_orm.results == [expected_missing(R)], (
        via_service.results,
        via_orm.results,
    )
    return [
        Row(
            figure=f"comparison job end to end, {R:,} × {R:,} rows in the database",
            value=via_service.per_call,
            baseline=via_orm.per_call,
            baseline_name="values_list of both tables into Python sets, set difference (no export, no stored results)",
            notes=[
                "the job exports both tables to CSV, runs DuckDB and stores the rows it finds; at this size "
                f"the export from the database dominates (total {time.perf_counter() - started:.1f} s for both sides)"
            ],
        )
    ]


def run() -> list[Row]:
    return [*_file_rows(), *_db_rows()]
