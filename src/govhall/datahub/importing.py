"""Bulk import of CSV and Excel files into a base database or a department's resource.

Two phases. Checking reads every row, validates it (codes, check digits, dates, choices) and
reports ``第 N 行 line N：reason`` for each bad one, storing progress on the :class:`ImportJob` row
as it goes so the page can show a bar. Writing then applies the good rows in one transaction: in
the default mode only a file without a single error is written, so nothing is ever half imported;
in skip mode the bad rows are left out and listed in the report.

Small files are imported during the upload request; larger ones by the task queue.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from govhall.core.audit import record_event
from govhall.core.crypto import decrypt_text, encrypt_text
from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.queue import enqueue_on_commit
from govhall.datahub import permissions as hub_permissions
from govhall.datahub import subscriptions
from govhall.datahub.datasets import DatasetSpec, record_key, spec_of
from govhall.datahub.models import (
    BaseRecord,
    ContributedUpdate,
    Dataset,
    ImportJob,
    Resource,
    ResourceRecord,
)
from govhall.datahub.records import load_sources, plan_row
from govhall.datahub.rows import SEALED_PREFIX, elements_of, jsonable, normalise_key
from govhall.datahub.subscriptions import Change
from govhall.datahub.validators import RowError, field_spec_for_element, line_error, parse_value, validate_row
from govhall.identity.models import Department

logger = logging.getLogger("govhall.datahub")

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_ROWS = 500_000
MAX_REPORTED = 1000
# Up to this size a file is imported while the uploader waits; above it, by the task queue.
SYNC_LIMIT_BYTES = 256 * 1024
PROGRESS_EVERY = 1000
CHUNK = 500


class FileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


# --- Reading ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # Excel saves "CSV UTF-8" with a BOM and plain "CSV" in GB18030 on Chinese Windows.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(
        "文件编码无法识别，请另存为 UTF-8 编码的 CSV (cannot read the file's encoding; save it as UTF-8 CSV)"
    )


def read_table(stream: IO[bytes], name: str) -> Iterator[tuple[int, list[Any]]]:
    """``(line number, cells)`` for every non-empty row, the header being line 1."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        text = _decode(stream.read())
        reader = csv.reader(io.StringIO(text, newline=""))
        for cells in reader:
            if any(str(cell).strip() for cell in cells):
                yield reader.line_num, list(cells)
        return
    if lowered.endswith(".xlsx"):
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            raise FileError("无法读取 Excel 文件 (cannot read the Excel file)") from exc
        try:
            sheet = workbook.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(cell is not None and str(cell).strip() for cell in row):
                    yield number, list(row)
        finally:
            workbook.close()
        return
    raise FileError("只支持 .csv 和 .xlsx 文件 (only .csv and .xlsx files are accepted)")


def _header_map(header: list[Any], names: dict[str, str], required: tuple[str, ...]) -> list[str | None]:
    """Column index → field name; ``names`` maps every accepted heading to its field."""
    columns: list[str | None] = []
    seen: set[str] = set()
    for cell in header:
        heading = "" if cell is None else str(cell).strip()
        if not heading:
            columns.append(None)
            continue
        field_name = names.get(heading) or names.get(heading.lower())
        if field_name is None:
            raise FileError(f"第 1 行 line 1：无法识别的列“{heading}” (unknown column {heading!r})")
        if field_name in seen:
            raise FileError(f"第 1 行 line 1：列“{heading}”重复 (column {heading!r} appears twice)")
        seen.add(field_name)
        columns.append(field_name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise FileError(f"第 1 行 line 1：缺少列 {', '.join(missing)} (missing columns {', '.join(missing)})")
    return columns


def _headings(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Accept ``id_number``, ``公民身份号码`` and ``公民身份号码 ID number`` for the same column."""
    names: dict[str, str] = {}
    for name, label in pairs:
        names[name] = name
        names[name.lower()] = name
        names[label] = name
        names[label.split(" ", 1)[0]] = name
    return names


# --- Starting --------------------------------------------------------------------------------


def start_import(
    *,
    actor: Any,
    department: Department,
    upload: UploadedFile,
    dataset: str = "",
    resource: Resource | None = None,
    mode: str = ImportJob.Mode.ALL_OR_NOTHING,
) -> ImportJob:
    """Store the upload as an import job and run it now (small) or on the queue (large)."""
    if not hub_permissions.is_officer_of(actor, department.pk):
        raise PermissionDenied(
            "forbidden", f"您不是{department.name}的数据专员", "you are not the department's data officer"
        )
    if bool(dataset) == (resource is not None):
        raise DomainError(
            "import_target", "请选择一个导入目标", "choose one target to import into", status=422
        )
    # Any department may import into a base: values for fields it is not the source of wait there.
    if dataset and dataset not in Dataset.values:
        raise DomainError("import_target", "基础库无效", "unknown base dataset", status=422)
    if resource is not None and (resource.provider_id != department.pk or resource.dataset):
        raise PermissionDenied(
            "forbidden", "只能导入本部门自有的资源数据", "only the provider imports rows of its own resource"
        )
    if mode not in ImportJob.Mode.values:
        raise DomainError("import_mode", "导入模式无效", "unknown import mode", status=422)
    name = (upload.name or "upload").rsplit("/", 1)[-1][:200]
    if not name.lower().endswith((".csv", ".xlsx")):
        raise DomainError(
            "file_type", "只支持 .csv 和 .xlsx 文件", "only .csv and .xlsx files are accepted", status=415
        )
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        raise DomainError("file_too_large", "文件超过 100 MB", "the file is larger than 100 MB", status=413)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            department=department,
            created_by=actor,
            dataset=dataset,
            resource=resource,
            original_name=name,
            file_sha256=digest.hexdigest(),
            mode=mode,
        )
        job.file.save(name, upload, save=False)
        job.save()
        record_event(
            actor=actor,
            action="datahub.import.upload",
            obj=job,
            after={
                "target": dataset or (resource.code if resource else ""),
                "file": name,
                "sha256": job.file_sha256,
                "mode": mode,
            },
        )
        if size > SYNC_LIMIT_BYTES:
            from govhall.datahub.tasks import run_import_task

            enqueue_on_commit(run_import_task, job.pk)
    if size <= SYNC_LIMIT_BYTES:
        run_import(job.pk)
        job.refresh_from_db()
    return job


# --- Running ---------------------------------------------------------------------------------


@dataclass
class Checked:
    rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # line, key, values
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    bad_lines: set[int] = field(default_factory=set)

    def fail(self, line: int, error: RowError) -> None:
        self.error_count += 1
        self.bad_lines.add(line)
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(line_error(line, error))


class _Rollback(Exception):
    pass


def _progress(job: ImportJob, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def run_import(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("department", "resource__provider").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job  # a retried task must not import twice
    _progress(job, status=ImportJob.Status.VALIDATING, started_at=timezone.now())
    try:
        with job.file.open("rb") as stream:
            checked = _check(job, stream)
        if checked.error_count and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            _finish(
                job,
                checked,
                ImportJob.Status.FAILED,
                f"发现 {checked.error_count} 处错误，未导入任何数据 ({checked.error_count} errors; nothing was imported)",
            )
            return job
        _progress(job, status=ImportJob.Status.APPLYING)
        try:
            counts = _apply(job, checked)
        except _Rollback:
            _finish(
                job,
                checked,
                ImportJob.Status.FAILED,
                f"发现 {checked.error_count} 处错误，未导入任何数据 ({checked.error_count} errors; nothing was imported)",
            )
            return job
        job.created_rows, job.updated_rows, job.contributed_rows = counts
        message = f"新增 {counts[0]}、更新 {counts[1]}、转权威部门确认 {counts[2]} 条 (created {counts[0]}, updated {counts[1]}, sent to source {counts[2]})"
        if checked.error_count:
            message += f"；跳过 {len(checked.bad_lines)} 行 (skipped {len(checked.bad_lines)} rows)"
        _finish(job, checked, ImportJob.Status.DONE, message)
    except FileError as exc:
        _finish(job, Checked(errors=[str(exc)], error_count=1), ImportJob.Status.FAILED, str(exc)[:300])
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish(
            job,
            Checked(),
            ImportJob.Status.FAILED,
            "导入出错，请联系管理员 (the import failed; contact the administrator)",
        )
    return job


def _finish(job: ImportJob, checked: Checked, status: str, message: str) -> None:
    _progress(
        job,
        status=status,
        message=message[:300],
        errors=checked.errors,
        error_count=checked.error_count,
        skipped_rows=len(checked.bad_lines) if status == ImportJob.Status.DONE else 0,
        created_rows=job.created_rows if status == ImportJob.Status.DONE else 0,
        updated_rows=job.updated_rows if status == ImportJob.Status.DONE else 0,
        contributed_rows=job.contributed_rows if status == ImportJob.Status.DONE else 0,
        finished_at=timezone.now(),
    )


def _check(job: ImportJob, stream: IO[bytes]) -> Checked:
    table = read_table(stream, job.original_name)
    try:
        _, header = next(table)
    except StopIteration:
        raise FileError("文件是空的 (the file is empty)") from None
    if job.dataset:
        spec = spec_of(job.dataset)
        columns = _header_map(header, _headings([(f.name, f.label) for f in spec.fields]), spec.key_fields)
        parse = _dataset_parser(spec, job.department)
    else:
        assert job.resource is not None
        elements = elements_of(job.resource)
        pairs = [(e.name, e.label) for e in elements.values()]
        columns = _header_map(header, _headings(pairs), (job.resource.key_element,))
        parse = _resource_parser(job.resource)
    lines = list(table)
    if len(lines) > MAX_ROWS:
        raise FileError(f"文件超过 {MAX_ROWS} 行，请分批导入 (more than {MAX_ROWS} rows; split the file)")
    _progress(job, total_rows=len(lines))
    checked = Checked()
    first_line: dict[str, int] = {}
    for done, (line, cells) in enumerate(lines, start=1):
        raw = {name: cells[i] if i < len(cells) else None for i, name in enumerate(columns) if name}
        try:
            key, values = parse(raw)
            if key in first_line:
                raise RowError(
                    f"与第 {first_line[key]} 行重复", f"duplicates line {first_line[key]}", field="key"
                )
            first_line[key] = line
            checked.rows.append((line, key, values))
        except RowError as exc:
            checked.fail(line, exc)
        if done % PROGRESS_EVERY == 0:
            _progress(job, processed_rows=done)
    _progress(job, processed_rows=len(lines))
    return checked


def _dataset_parser(spec: DatasetSpec, department: Department) -> Any:
    def parse(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        values = validate_row(spec, raw)
        return record_key(spec.dataset, values, department_code=department.code), values

    return parse


def _resource_parser(resource: Resource) -> Any:
    elements = elements_of(resource)
    specs = {
        name: field_spec_for_element(
            name, e.data_type, personal=e.is_personal, required=name == resource.key_element
        )
        for name, e in elements.items()
    }

    def parse(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        data: dict[str, Any] = {}
        for name, cell in raw.items():
            value = parse_value(specs[name], cell)
            if value is None:
                continue
            data[name] = jsonable(value)
        key_value = parse_value(specs[resource.key_element], raw.get(resource.key_element))
        return normalise_key(elements[resource.key_element].data_type, str(jsonable(key_value))), data

    return parse


def _apply(job: ImportJob, checked: Checked) -> tuple[int, int, int]:
    with transaction.atomic():
        counts = _apply_dataset(job, checked) if job.dataset else _apply_resource(job, checked)
        if checked.error_count and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            raise _Rollback
        record_event(
            actor=job.created_by,
            action="datahub.import.apply",
            obj=job,
            after={
                "target": job.dataset or (job.resource.code if job.resource else ""),
                "sha256": job.file_sha256,
                "created": counts[0],
                "updated": counts[1],
                "contributed": counts[2],
                "skipped_lines": len(checked.bad_lines),
            },
        )
    return counts


def _model_fields(record: BaseRecord, names: set[str]) -> set[str]:
    fields: set[str] = {"updated_at"}
    for name in names:
        if name in record.ENCRYPTED:
            fields |= {f"{name}_encrypted", f"{name}_masked"}
            if name in record.HASHED:
                fields.add(f"{name}_hash")
        else:
            fields.add(name)
    return fields


def _apply_dataset(job: ImportJob, checked: Checked) -> tuple[int, int, int]:
    spec = spec_of(job.dataset)
    model = spec.model
    sources = load_sources(job.dataset) if spec.field_sources else {}
    pending = set(
        ContributedUpdate.objects.filter(
            dataset=job.dataset,
            contributor_department=job.department,
            status=ContributedUpdate.Status.PENDING,
        ).values_list("record_key", "field", "proposed_hash")
    )
    created = updated = contributed = 0
    now = timezone.now()
    for start in range(0, len(checked.rows), CHUNK):
        chunk = checked.rows[start : start + CHUNK]
        existing = {
            r.record_key: r
            for r in model._default_manager.select_for_update().filter(
                record_key__in=[key for _, key, _ in chunk]
            )
        }
        new: list[BaseRecord] = []
        changed: list[BaseRecord] = []
        fields: set[str] = set()
        contributions: list[ContributedUpdate] = []
        changes: list[Change] = []
        for line, key, values in chunk:
            try:
                plan = plan_row(
                    spec=spec,
                    values=values,
                    existing=existing.get(key),
                    department=job.department,
                    sources=sources,
                    contributor_id=job.created_by_id,
                    pending=pending,
                )
            except RowError as exc:
                checked.fail(line, exc)
                continue
            contributions.extend(plan.contributions)
            if plan.created:
                new.append(plan.record)
                changes.append(Change(plan.record.record_key, frozenset(), created=True))
            elif plan.changed:
                plan.record.updated_at = now
                changed.append(plan.record)
                fields |= _model_fields(plan.record, set(plan.changed))
                changes.append(Change(plan.record.record_key, frozenset(plan.changed)))
        model._default_manager.bulk_create(new)
        if changed:
            model._default_manager.bulk_update(changed, sorted(fields))
        ContributedUpdate.objects.bulk_create(contributions)
        subscriptions.record_changes(dataset=job.dataset, changes=changes)
        created += len(new)
        updated += len(changed)
        contributed += len(contributions)
    return created, updated, contributed


def _apply_resource(job: ImportJob, checked: Checked) -> tuple[int, int, int]:
    assert job.resource is not None
    personal = {name for name, e in elements_of(job.resource).items() if e.is_personal}
    created = updated = 0
    now = timezone.now()
    for start in range(0, len(checked.rows), CHUNK):
        chunk = checked.rows[start : start + CHUNK]
        existing = {
            r.key: r
            for r in ResourceRecord.objects.select_for_update().filter(
                resource=job.resource, key__in=[key for _, key, _ in chunk]
            )
        }
        new: list[ResourceRecord] = []
        changed: list[ResourceRecord] = []
        changes: list[Change] = []
        for _, key, data in chunk:
            record = existing.get(key)
            if record is None:
                new.append(ResourceRecord(resource=job.resource, key=key, data=_sealed(data, personal)))
                changes.append(Change(key, frozenset(), created=True))
                continue
            differ = frozenset(n for n, value in data.items() if _clear(record.data.get(n)) != value)
            if not differ:
                continue
            record.data = {**record.data, **_sealed(data, personal)}
            record.updated_at = now
            changed.append(record)
            changes.append(Change(key, differ))
        ResourceRecord.objects.bulk_create(new)
        ResourceRecord.objects.bulk_update(changed, ["data", "updated_at"])
        subscriptions.record_changes(resource=job.resource, changes=changes)
        created += len(new)
        updated += len(changed)
    return created, updated, 0


def _sealed(data: dict[str, Any], personal: set[str]) -> dict[str, Any]:
    return {name: encrypt_text(str(value)) if name in personal else value for name, value in data.items()}


def _clear(stored: Any) -> Any:
    if isinstance(stored, str) and stored.startswith(SEALED_PREFIX):
        return decrypt_text(stored)
    return stored
