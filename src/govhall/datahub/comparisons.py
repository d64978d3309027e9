"""Comparisons (数据比对) between two resources on a key, run on DuckDB.

Each side is streamed from the database into a CSV file in a private temporary directory (personal
keys as their keyed hashes, so ID numbers are joined without being decrypted, other personal values
masked) and DuckDB joins the two files: ``NOT EXISTS`` for "in A, missing from B" (an anti-join),
``EXISTS`` with a condition on B for "in A and matching B" (a semi-join). Only the rows found are
written back, for follow-up by the department the job is assigned to.

A department compares what it may read: its own resources, or others' under a grant in force that
covers every field the job touches; each read of another department's resource is logged as an
access under that grant.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.context import current_request_id
from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.queue import enqueue_on_commit
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.exchange import is_usable
from govhall.datahub.models import (
    AccessGrant,
    AccessLog,
    ComparisonJob,
    ComparisonResult,
    Resource,
)
from govhall.datahub.rows import elements_of, export_rows
from govhall.identity.models import Department

logger = logging.getLogger("govhall.datahub")

MAX_STORED_RESULTS = 100_000
RESULT_BATCH = 2000
OPERATORS = {"=": "=", "!=": "<>"}


def _invalid(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(code, zh, en, status=422, details={"field": field})


def _grant_covering(department: Department, resource: Resource, fields: set[str]) -> AccessGrant | None:
    """``None`` when ``department`` provides ``resource``; else the grant in force covering ``fields``."""
    if resource.provider_id == department.pk:
        return None
    for grant in AccessGrant.objects.filter(
        resource=resource, consumer=department, status=AccessGrant.Status.APPROVED
    ).order_by("-decided_at"):
        if is_usable(grant) and fields <= set(grant.allowed_fields):
            return grant
    raise PermissionDenied(
        "no_grant",
        f"本部门没有覆盖所需数据项的“{resource.name}”使用授权",
        f"your department holds no grant on {resource.code} covering the fields the job needs",
    )


def _check_field(resource: Resource, name: str, field: str, *, personal_ok: bool = True) -> None:
    element = elements_of(resource).get(name)
    if element is None:
        raise _invalid(
            "unknown_field",
            f"“{resource.name}”没有数据项 {name}",
            f"{resource.code} has no field {name}",
            field,
        )
    if not personal_ok and element.is_personal:
        raise _invalid(
            "personal_condition",
            "不能以个人信息项作为筛选条件",
            "a personal field cannot be used in a condition",
            field,
        )


def create_comparison(
    *,
    actor: Any,
    department: Department,
    name: str,
    kind: str,
    resource_a: Resource,
    key_a: str,
    resource_b: Resource,
    key_b: str,
    filter_a: dict[str, str] | None = None,
    condition_b: dict[str, str] | None = None,
    output_fields: list[str] | None = None,
) -> ComparisonJob:
    """Define a comparison and queue it; it runs once the transaction commits."""
    if not hub_permissions.is_officer_of(actor, department.pk):
        raise PermissionDenied(
            "forbidden", f"您不是{department.name}的数据专员", "you are not the department's data officer"
        )
    if not name.strip():
        raise _invalid("name_required", "请填写任务名称", "name the job", "name")
    if kind not in ComparisonJob.Kind.values:
        raise _invalid("kind", "比对方式无效", "unknown kind of comparison", "kind")
    filter_a = {k: str(v) for k, v in (filter_a or {}).items() if k in {"field", "value"}}
    condition_b = {k: str(v) for k, v in (condition_b or {}).items() if k in {"field", "op", "value"}}
    _check_field(resource_a, key_a, "key_a")
    _check_field(resource_b, key_b, "key_b")
    type_a = elements_of(resource_a)[key_a].data_type
    if type_a != elements_of(resource_b)[key_b].data_type:
        raise _invalid("key_types", "两个比对键的数据类型不同", "the two keys have different types", "key_b")
    outputs = list(dict.fromkeys([key_a, *(output_fields or [])]))
    for name_a in outputs:
        _check_field(resource_a, name_a, "output_fields")
    fields_a = {key_a, *outputs}
    fields_b = {key_b}
    if filter_a.get("field"):
        _check_field(resource_a, filter_a["field"], "filter_a", personal_ok=False)
        fields_a.add(filter_a["field"])
    else:
        filter_a = {}
    if condition_b.get("field"):
        if kind == ComparisonJob.Kind.MISSING_IN_B:
            raise _invalid(
                "condition_b",
                "“A 有 B 无”不带 B 的条件",
                "a missing-in-B comparison takes no condition on B",
                "condition_b",
            )
        _check_field(resource_b, condition_b["field"], "condition_b", personal_ok=False)
        if condition_b.setdefault("op", "=") not in OPERATORS:
            raise _invalid(
                "condition_b", "条件只能是“等于”或“不等于”", "the condition is = or !=", "condition_b"
            )
        fields_b.add(condition_b["field"])
    else:
        condition_b = {}
    _grant_covering(department, resource_a, fields_a)
    _grant_covering(department, resource_b, fields_b)
    with transaction.atomic():
        job = ComparisonJob.objects.create(
            name=name.strip()[:100],
            department=department,
            created_by=actor,
            kind=kind,
            resource_a=resource_a,
            key_a=key_a,
            filter_a=filter_a,
            resource_b=resource_b,
            key_b=key_b,
            condition_b=condition_b,
            output_fields=outputs,
        )
        record_event(
            actor=actor,
            action="datahub.comparison.create",
            obj=job,
            after={
                "kind": kind,
                "a": resource_a.code,
                "key_a": key_a,
                "filter_a": filter_a,
                "b": resource_b.code,
                "key_b": key_b,
                "condition_b": condition_b,
                "outputs": outputs,
            },
        )
        from govhall.datahub.tasks import run_comparison_task

        enqueue_on_commit(run_comparison_task, job.pk)
    return job


# --- Running ---------------------------------------------------------------------------------


def _stage(job: ComparisonJob, progress: int, stage: str, **fields: Any) -> None:
    ComparisonJob.objects.filter(pk=job.pk).update(progress=progress, stage=stage, **fields)


def _write_side(path: Path, rows: Any) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
            count += 1
    return count


def _log_read(job: ComparisonJob, resource: Resource, fields: list[str], count: int) -> None:
    grant = _grant_covering(job.department, resource, set(fields))
    if grant is None:
        return
    AccessLog.objects.create(
        resource=resource,
        grant=grant,
        consumer=job.department,
        user=job.created_by,
        purpose=f"数据比对：{job.name}（{grant.purpose}）"[:2000],
        query={"comparison": job.pk},
        fields=fields,
        record_count=count,
        request_id=current_request_id(),
    )


@dataclass(frozen=True)
class Plan:
    sql: str
    params: list[Any]


def plan_sql(job: ComparisonJob, a_path: Path, b_path: Path) -> Plan:
    """The DuckDB query; file paths and values are parameters, column names fixed (k, f, o0…)."""
    params: list[Any] = [str(a_path), str(b_path)]
    where = ["a.k <> ''"]
    if job.filter_a:
        where.append("a.f = ?")
        params.append(job.filter_a["value"])
    inner = "b.k = a.k"
    if job.condition_b:
        inner += f" AND b.f {OPERATORS[job.condition_b['op']]} ?"
        params.append(job.condition_b["value"])
    exists = "NOT EXISTS" if job.kind == ComparisonJob.Kind.MISSING_IN_B else "EXISTS"
    where.append(f"{exists} (SELECT 1 FROM b WHERE {inner})")  # noqa: S608 - fixed fragments only
    outputs = ", ".join(f"a.o{i}" for i in range(len(job.output_fields)))
    a_source = (
        f"read_csv(?, header = false, all_varchar = true, columns = {{{_columns(len(job.output_fields))}}})"
    )
    b_source = f"read_csv(?, header = false, all_varchar = true, columns = {{{_columns(0)}}})"
    conditions = " AND ".join(where)
    sql = f"WITH a AS (SELECT * FROM {a_source}), b AS (SELECT * FROM {b_source}) SELECT a.k, {outputs} FROM a WHERE {conditions} ORDER BY a.k"  # noqa: S608 - fixed fragments only
    return Plan(sql=sql, params=params)


def _columns(outputs: int) -> str:
    names = ["k", "f", *(f"o{i}" for i in range(outputs))]
    return ", ".join(f"'{name}': 'VARCHAR'" for name in names)


def run_comparison(job_id: int) -> ComparisonJob:
    job = ComparisonJob.objects.select_related("department", "resource_a", "resource_b", "created_by").get(
        pk=job_id
    )
    if job.status != ComparisonJob.Status.QUEUED:
        return job
    _stage(
        job, 5, "导出 A 的数据 exporting A", status=ComparisonJob.Status.RUNNING, started_at=timezone.now()
    )
    try:
        # Grants may have been revoked or expired since the job was queued.
        _grant_covering(
            job.department,
            job.resource_a,
            {job.key_a, *job.output_fields, *job.filter_a.get("field", "").split()},
        )
        _grant_covering(
            job.department, job.resource_b, {job.key_b, *job.condition_b.get("field", "").split()}
        )
    except PermissionDenied as exc:
        ComparisonJob.objects.filter(pk=job.pk).update(
            status=ComparisonJob.Status.FAILED, error=exc.message[:300], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    try:
        with tempfile.TemporaryDirectory(prefix="govhall-compare-") as scratch:
            a_path, b_path = Path(scratch, "a.csv"), Path(scratch, "b.csv")
            filter_field = job.filter_a.get("field", "")
            condition_field = job.condition_b.get("field", "")
            a_fields = [job.key_a, *([filter_field] if filter_field else []), *job.output_fields]
            a_rows = (
                [row[0], row[1] if filter_field else "", *row[2 if filter_field else 1 :]]
                for row in export_rows(job.resource_a, job.key_a, a_fields[1:])
            )
            rows_a = _write_side(a_path, a_rows)
            _stage(job, 40, "导出 B 的数据 exporting B", rows_a=rows_a)
            b_fields = [condition_field] if condition_field else []
            b_rows = (
                [row[0], row[1] if condition_field else ""]
                for row in export_rows(job.resource_b, job.key_b, b_fields)
            )
            rows_b = _write_side(b_path, b_rows)
            _stage(job, 70, "DuckDB 比对中 comparing on DuckDB", rows_b=rows_b)
            plan = plan_sql(job, a_path, b_path)
            with duckdb.connect() as connection:
                cursor = connection.execute(plan.sql, plan.params)
                stored = _store_results(job, cursor)
        with transaction.atomic():
            _log_read(job, job.resource_a, sorted({job.key_a, *a_fields}), rows_a)
            _log_read(job, job.resource_b, sorted({job.key_b, *b_fields}), rows_b)
            ComparisonJob.objects.filter(pk=job.pk).update(
                status=ComparisonJob.Status.DONE,
                progress=100,
                stage="完成 done",
                result_count=stored,
                finished_at=timezone.now(),
            )
            record_event(
                actor=job.created_by,
                action="datahub.comparison.run",
                obj=job,
                after={"rows_a": rows_a, "rows_b": rows_b, "results": stored},
            )
    except Exception as exc:
        logger.exception("comparison job %s failed", job.pk)
        ComparisonJob.objects.filter(pk=job.pk).update(
            status=ComparisonJob.Status.FAILED,
            error=f"比对失败 (the comparison failed): {type(exc).__name__}"[:300],
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def _store_results(job: ComparisonJob, cursor: Any) -> int:
    total = 0
    key_index = job.output_fields.index(job.key_a)
    ComparisonResult.objects.filter(job=job).delete()
    while True:
        batch = cursor.fetchmany(RESULT_BATCH)
        if not batch:
            break
        keep = batch[: max(0, MAX_STORED_RESULTS - total)]
        ComparisonResult.objects.bulk_create(
            ComparisonResult(
                job=job,
                key_display=str(row[1 + key_index] or row[0])[:200],
                data=dict(zip(job.output_fields, row[1:], strict=True)),
            )
            for row in keep
        )
        total += len(batch)
    return total


# --- Follow-up -------------------------------------------------------------------------------


def assign_comparison(*, actor: Any, job: ComparisonJob, department: Department) -> ComparisonJob:
    if not permissions.restrict(ComparisonJob.objects.filter(pk=job.pk), actor, "assign").exists():
        raise PermissionDenied(
            "forbidden", "只有发起部门可以指派", "only the department that ran the job assigns it"
        )
    with transaction.atomic():
        before = job.assigned_department_id
        ComparisonJob.objects.filter(pk=job.pk).update(assigned_department=department)
        job.assigned_department = department
        record_event(
            actor=actor,
            action="datahub.comparison.assign",
            obj=job,
            before={"assigned_department": before},
            after={"assigned_department": department.pk},
        )
    return job


def set_follow_up(
    *, actor: Any, result: ComparisonResult, follow_up: str, note: str = ""
) -> ComparisonResult:
    if follow_up not in ComparisonResult.FollowUp.values:
        raise _invalid("follow_up", "核查状态无效", "unknown follow-up state", "follow_up")
    if not permissions.restrict(ComparisonJob.objects.filter(pk=result.job_id), actor, "follow_up").exists():
        raise PermissionDenied(
            "forbidden", "只有跟进部门可以登记核查结果", "only the assigned department records follow-up"
        )
    with transaction.atomic():
        before = result.follow_up
        result.follow_up = follow_up
        result.note = note.strip()[:200]
        result.save(update_fields=["follow_up", "note"])
        record_event(
            actor=actor,
            action="datahub.comparison.follow_up",
            obj=result,
            before={"follow_up": before},
            after={"follow_up": follow_up, "note": result.note},
        )
    return result


def results_workbook(job: ComparisonJob) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("比对结果 results")
    labels = {name: e.label for name, e in elements_of(job.resource_a).items()}
    header = [f"{labels.get(n, n)} {n}" for n in job.output_fields] + ["核查状态 follow-up", "核查说明 note"]
    sheet.append(header)
    states = dict(ComparisonResult.FollowUp.choices)
    for result in job.results.order_by("id").iterator(chunk_size=2000):
        sheet.append(
            [result.data.get(n, "") for n in job.output_fields] + [states[result.follow_up], result.note]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
