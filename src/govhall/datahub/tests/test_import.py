"""Bulk import: all or nothing by default, skip-bad-rows on request, CSV and Excel, queued when big."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from govhall.core.crypto import lookup_hash
from govhall.core.errors import PermissionDenied
from govhall.core.models import AuditEvent
from govhall.datahub import importing
from govhall.datahub.catalogue import ElementSpec, register_resource
from govhall.datahub.models import (
    ContributedUpdate,
    Dataset,
    ImportJob,
    LegalPersonRecord,
    PersonRecord,
    Resource,
    ResourceRecord,
)
from govhall.identity.models import Department, User
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db


def csv_file(
    rows: list[list[str]], name: str = "people.csv", encoding: str = "utf-8-sig"
) -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], name: str = "enterprises.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def people(n: int, bad_at: int | None = None) -> tuple[list[list[str]], list[str]]:
    numbers = [random_id_number("445302") for _ in range(n)]
    while len(set(numbers)) < n:
        numbers = [random_id_number("445302") for _ in range(n)]
    rows = [["id_number", "姓名", "户籍地区划 household division", "address"]]
    for i, number in enumerate(numbers):
        rows.append(
            [bad_check_digit(number) if i == bad_at else number, f"居民{i}", "445302", f"云浮市云城区第{i}街"]
        )
    return rows, numbers


def test_one_bad_row_stops_the_whole_file_with_its_line_and_reason(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    rows, _ = people(5, bad_at=1)
    job = importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file(rows), dataset=Dataset.POPULATION
    )
    assert job.status == ImportJob.Status.FAILED and job.error_count == 1
    assert job.errors == [
        "第 3 行 line 3：id_number：身份证号码校验位错误 (the ID number's check digit is wrong)"
    ]
    assert "nothing was imported" in job.message
    assert not PersonRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="datahub.import.apply").exists()


def test_skip_mode_imports_the_good_rows_and_reports_the_bad(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    rows, numbers = people(5, bad_at=1)
    rows[4][2] = "445399"  # no such county
    job = importing.start_import(
        actor=gaj_officer,
        department=gaj,
        upload=csv_file(rows),
        dataset=Dataset.POPULATION,
        mode=ImportJob.Mode.SKIP_BAD_ROWS,
    )
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created_rows, job.skipped_rows, job.error_count) == (3, 2, 2)
    assert [e.split("：")[0] for e in job.errors] == ["第 3 行 line 3", "第 5 行 line 5"]
    assert "division" in job.errors[1]
    stored = set(PersonRecord.objects.values_list("id_number_hash", flat=True))
    assert stored == {lookup_hash(numbers[i]) for i in (0, 2, 4)}
    assert job.progress_percent == 100 and job.processed_rows == job.total_rows == 5
    event = AuditEvent.objects.get(action="datahub.import.apply")
    assert (
        event.after["created"] == 3
        and event.after["skipped_lines"] == 2
        and event.after["sha256"] == job.file_sha256
    )


def test_a_clean_reimport_updates_only_what_changed(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    rows, numbers = people(3)
    importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file(rows), dataset=Dataset.POPULATION
    )
    rows[2][3] = "云浮市云城区新址1号"
    again = importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file(rows), dataset=Dataset.POPULATION
    )
    assert (again.created_rows, again.updated_rows) == (0, 1)
    moved = PersonRecord.objects.get(id_number_hash=lookup_hash(numbers[1]))
    assert moved.value_of("address") == "云浮市云城区新址1号"


def test_excel_with_chinese_headings_dates_and_gb18030_csv(
    sources: None, scjgj: Department, scjgj_officer: User
) -> None:
    codes = [random_uscc("445302", "91") for _ in range(2)]
    sheet = [
        ["统一社会信用代码", "名称", "类型", "注册资本（万元）", "成立日期", "登记状态"],
        [codes[0], "云浮市石艺有限公司", "company", 100, datetime(2019, 5, 6), "active"],
        [codes[1], "罗定市稻香合作社", "cooperative", "50.5", "2020/01/02", "active"],
    ]
    job = importing.start_import(
        actor=scjgj_officer, department=scjgj, upload=xlsx_file(sheet), dataset=Dataset.LEGAL_PERSON
    )
    assert job.status == ImportJob.Status.DONE, job.errors
    first = LegalPersonRecord.objects.get(uscc=codes[0])
    assert str(first.registration_date) == "2019-05-06" and first.registered_capital == 100
    gb = csv_file(
        [["uscc", "name", "status"], [codes[1], "罗定市稻香专业合作社", "active"]], "gb.csv", "gb18030"
    )
    renamed = importing.start_import(
        actor=scjgj_officer, department=scjgj, upload=gb, dataset=Dataset.LEGAL_PERSON
    )
    assert renamed.updated_rows == 1
    assert LegalPersonRecord.objects.get(uscc=codes[1]).name == "罗定市稻香专业合作社"


def test_file_level_problems_are_reported_on_line_one(
    sources: None, gaj: Department, gaj_officer: User
) -> None:
    unknown = importing.start_import(
        actor=gaj_officer,
        department=gaj,
        upload=csv_file([["id_number", "身高"], [random_id_number(), "170"]]),
        dataset=Dataset.POPULATION,
    )
    assert unknown.status == ImportJob.Status.FAILED and "unknown column '身高'" in unknown.errors[0]
    missing_key = importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file([["name"], ["张三"]]), dataset=Dataset.POPULATION
    )
    assert "missing columns id_number" in missing_key.errors[0]
    number = random_id_number()
    duplicate = importing.start_import(
        actor=gaj_officer,
        department=gaj,
        upload=csv_file([["id_number", "name"], [number, "甲"], [number.lower(), "乙"]]),
        dataset=Dataset.POPULATION,
    )
    assert duplicate.errors == ["第 3 行 line 3：key：与第 2 行重复 (duplicates line 2)"]


def test_a_contributors_import_queues_values_for_the_source(
    sources: None, gaj: Department, gaj_officer: User, mzj: Department, mzj_officer: User
) -> None:
    rows, numbers = people(3)
    importing.start_import(
        actor=gaj_officer, department=gaj, upload=csv_file(rows), dataset=Dataset.POPULATION
    )
    deaths = csv_file([["id_number", "status"], [numbers[0], "deceased"], [numbers[1], "normal"]])
    job = importing.start_import(actor=mzj_officer, department=mzj, upload=deaths, dataset=Dataset.POPULATION)
    assert (job.status, job.created_rows, job.updated_rows, job.contributed_rows) == ("done", 0, 0, 1)
    assert ContributedUpdate.objects.get().proposed_display == "deceased"
    # A person the source never registered cannot be created by a contributor: nothing is written.
    strangers = csv_file(
        [["id_number", "status"], [numbers[2], "deceased"], [random_id_number(), "deceased"]]
    )
    failed = importing.start_import(
        actor=mzj_officer, department=mzj, upload=strangers, dataset=Dataset.POPULATION
    )
    assert failed.status == "failed" and "only the source department registers" in failed.errors[0]
    assert ContributedUpdate.objects.count() == 1


def test_big_files_run_on_the_queue_with_progress(
    sources: None,
    gaj: Department,
    gaj_officer: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(importing, "SYNC_LIMIT_BYTES", 10)
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    real_progress = importing._progress

    def spy(job: ImportJob, **fields: Any) -> None:
        if "processed_rows" in fields:
            seen.append(fields["processed_rows"])
        real_progress(job, **fields)

    monkeypatch.setattr(importing, "_progress", spy)
    rows, _ = people(5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = importing.start_import(
            actor=gaj_officer, department=gaj, upload=csv_file(rows), dataset=Dataset.POPULATION
        )
        assert job.status == ImportJob.Status.QUEUED and job.progress_percent == 0
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_rows == 5
    assert seen == [2, 4, 5]
    # A retried task finds the job finished and does nothing.
    importing.run_import(job.pk)
    assert PersonRecord.objects.count() == 5


def test_a_departments_own_resource_takes_rows_with_personal_values_sealed(
    mzj: Department, mzj_officer: User, gaj: Department, gaj_officer: User
) -> None:
    resource = register_resource(
        actor=mzj_officer,
        provider=mzj,
        name="最低生活保障对象名单",
        summary="低保对象及补助金额",
        elements=[
            ElementSpec("id_number", "身份证号码", "id_number", True),
            ElementSpec("name", "姓名", "text", True),
            ElementSpec("amount", "月补助金额", "decimal"),
        ],
        key_element="id_number",
        sharing_type=Resource.SharingType.CONDITIONAL,
        sharing_conditions="仅用于社会救助核查",
        update_cycle=Resource.UpdateCycle.MONTHLY,
        access_methods=["api"],
    )
    number = random_id_number()
    upload = csv_file([["身份证号码", "姓名", "月补助金额"], [number, "何六", "650.00"]], "dibao.csv")
    job = importing.start_import(actor=mzj_officer, department=mzj, upload=upload, resource=resource)
    assert job.status == "done" and job.created_rows == 1, job.errors
    record = ResourceRecord.objects.get()
    assert record.key == lookup_hash(number)
    assert record.data["amount"] == "650" and record.data["name"].startswith("v1:")
    assert number not in str(record.data)
    same = importing.start_import(
        actor=mzj_officer,
        department=mzj,
        upload=csv_file([["id_number", "name", "amount"], [number, "何六", "650"]], "again.csv"),
        resource=resource,
    )
    assert (same.created_rows, same.updated_rows) == (0, 0)
    with pytest.raises(PermissionDenied):
        importing.start_import(actor=gaj_officer, department=gaj, upload=upload, resource=resource)
