"""Excel import and export of the catalogue (openpyxl), and generated blank forms.

The workbook has one sheet of items (one row per item, its published version's guide) and one sheet
each of materials, fees, special procedures and FAQ keyed by implementation code. Cells hold the
machine values (``person``, ``paper``, ``01``…) so that export → import → export is the identity;
the header row names each column in Chinese and English.

Import checks every row of every sheet first and reports all problems as ``row N, column X:
reason``; only a clean workbook is applied, in one transaction, so nothing is ever half imported.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govhall.catalog import permissions as catalog_permissions
from govhall.catalog import services
from govhall.catalog.codes import build_implementation_code, parse_implementation_code, validate_basic_code
from govhall.catalog.content import (
    FaqSpec,
    FeeSpec,
    GuideContent,
    MaterialSpec,
    ProcedureSpec,
    read_content,
    validate_content,
    write_content,
)
from govhall.catalog.models import ItemVersion, Level, ServiceItem
from govhall.core.audit import record_event
from govhall.core.errors import DomainError
from govhall.identity.models import Department

LIST_SEPARATOR = "；"
MAX_ROWS = 20000

# (key, header) per sheet; the key is the GuideContent field or a special column.
ITEM_COLUMNS = [
    ("implementation_code", "实施编码 implementation code"),
    ("basic_code", "基本编码 basic code"),
    ("department", "实施部门代码 department code"),
    ("level", "行使层级 level"),
    ("parent", "所属事项实施编码 parent item"),
    ("name", "事项名称 name"),
    ("aliases", "俗称 aliases"),
    ("target", "服务对象 target"),
    ("theme_codes", "主题代码 themes"),
    ("joint_department_codes", "并联部门 joint departments"),
    ("legal_basis", "设定依据 legal basis"),
    ("conditions", "受理条件 conditions"),
    ("statutory_days", "法定时限 statutory days"),
    ("promised_days", "承诺时限 promised days"),
    ("item_type", "办件类型 item type"),
    ("trips", "到现场次数 trips"),
    ("online_depth", "网办深度 online depth"),
    ("original_check", "原件核验 originals check"),
    ("process_template", "流程模板 process template"),
    ("process_steps", "办理流程 process steps"),
    ("place", "办理地点 place"),
    ("hours", "办理时间 hours"),
    ("consult_phone", "咨询电话 consultation phone"),
    ("complaint_phone", "投诉电话 complaint phone"),
    ("result_licence_type", "结果证照 result licence"),
]
MATERIAL_COLUMNS = [
    ("implementation_code", "实施编码 implementation code"),
    ("name", "材料名称 name"),
    ("required", "必要 required"),
    ("condition", "适用情形 condition"),
    ("original", "原件 original"),
    ("copies", "份数 copies"),
    ("medium", "载体 medium"),
    ("source", "来源 source"),
    ("licence_type", "可替代证照 licence type"),
    ("has_form", "空白表格 blank form"),
    ("has_sample", "示例样表 sample"),
    ("note", "备注 note"),
]
FEE_COLUMNS = [
    ("implementation_code", "实施编码 implementation code"),
    ("name", "收费项目 name"),
    ("amount", "金额（元） amount"),
    ("basis", "收费依据 basis"),
]
PROCEDURE_COLUMNS = [
    ("implementation_code", "实施编码 implementation code"),
    ("kind", "类型 kind"),
    ("name", "名称 name"),
    ("max_days", "最长时限 maximum days"),
]
FAQ_COLUMNS = [
    ("implementation_code", "实施编码 implementation code"),
    ("question", "问题 question"),
    ("answer", "解答 answer"),
]
SHEETS = {
    "items": ("事项 items", ITEM_COLUMNS),
    "materials": ("材料 materials", MATERIAL_COLUMNS),
    "fees": ("收费 fees", FEE_COLUMNS),
    "procedures": ("特别程序 procedures", PROCEDURE_COLUMNS),
    "faqs": ("常见问题 FAQ", FAQ_COLUMNS),
}
_LIST_FIELDS = {"aliases", "theme_codes", "joint_department_codes"}
_INT_FIELDS = {"statutory_days", "promised_days", "trips", "online_depth", "copies", "max_days"}
_BOOL_FIELDS = {"required", "original", "has_form", "has_sample"}
_TRUE = {"是", "true", "1", "y", "yes"}
_FALSE = {"否", "false", "0", "n", "no"}


# --- Export -------------------------------------------------------------------------------------


def _cell(key: str, value: Any) -> Any:
    if key in _LIST_FIELDS:
        return LIST_SEPARATOR.join(value)
    if key == "process_steps":
        return "\n".join(value)
    if key in _BOOL_FIELDS:
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def export_workbook(items: list[ServiceItem]) -> bytes:
    """The published guides of ``items`` as an .xlsx file."""
    book = Workbook()
    book.remove(book.active)
    sheets = {}
    for key, (title, columns) in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append([header for _, header in columns])
        for index, _ in enumerate(columns, start=1):
            sheet.cell(row=1, column=index).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = 22
        sheet.freeze_panes = "A2"
        sheets[key] = sheet
    for item in items:
        version = item.current_version
        if version is None:
            continue
        content = read_content(version)
        code = item.implementation_code
        values = {
            **content.as_dict(),
            "implementation_code": code,
            "basic_code": item.basic_code,
            "department": item.department.code,
            "level": item.level,
            "parent": item.parent.implementation_code if item.parent else "",
        }
        sheets["items"].append([_cell(key, values[key]) for key, _ in ITEM_COLUMNS])
        for material in content.materials:
            row = {"implementation_code": code, **material.__dict__}
            sheets["materials"].append([_cell(key, row[key]) for key, _ in MATERIAL_COLUMNS])
        for fee in content.fees:
            row = {"implementation_code": code, **fee.__dict__}
            sheets["fees"].append([_cell(key, row[key]) for key, _ in FEE_COLUMNS])
        for procedure in content.special_procedures:
            row = {"implementation_code": code, **procedure.__dict__}
            sheets["procedures"].append([_cell(key, row[key]) for key, _ in PROCEDURE_COLUMNS])
        for faq in content.faqs:
            row = {"implementation_code": code, **faq.__dict__}
            sheets["faqs"].append([_cell(key, row[key]) for key, _ in FAQ_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_values(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values, for comparing two exports regardless of file metadata."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }


# --- Import -------------------------------------------------------------------------------------


@dataclass
class ImportProblem:
    sheet: str
    row: int
    column: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _ItemRow:
    row: int
    code: str
    department: Department
    level: str
    basic_code: str
    parent_code: str
    content: GuideContent
    existing: ServiceItem | None = None


@dataclass
class _Reader:
    problems: list[ImportProblem] = field(default_factory=list)

    def problem(self, sheet: str, row: int, column: str, zh: str, en: str) -> None:
        self.problems.append(ImportProblem(sheet, row, column, zh, en))

    def rows(self, book: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
        title, columns = SHEETS[key]
        if title not in book.sheetnames:
            if key == "items":
                self.problem(title, 1, "", "缺少工作表", "the sheet is missing")
            return []
        sheet = book[title]
        found: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                headers = [str(v or "").strip() for v in values]
                expected = [header for _, header in columns]
                if headers[: len(expected)] != expected:
                    self.problem(
                        title, 1, "", "表头与模板不一致", "the header row does not match the template"
                    )
                    return []
                continue
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            if number > MAX_ROWS:
                self.problem(title, number, "", f"最多{MAX_ROWS}行", f"at most {MAX_ROWS} rows")
                break
            padded = list(values) + [None] * (len(columns) - len(values))
            found.append((number, {k: padded[i] for i, (k, _) in enumerate(columns)}))
        return found

    def convert(
        self, sheet: str, row: int, columns: list[tuple[str, str]], values: dict[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        headers = dict(columns)
        for key, raw in values.items():
            text = "" if raw is None else str(raw).strip()
            column = f"{get_column_letter([k for k, _ in columns].index(key) + 1)}（{headers[key]}）"
            if key in _INT_FIELDS:
                try:
                    out[key] = int(Decimal(text or "0"))
                    if Decimal(text or "0") != out[key]:
                        raise InvalidOperation
                except (InvalidOperation, ValueError):
                    self.problem(sheet, row, column, "应为整数", "must be a whole number")
            elif key in _BOOL_FIELDS:
                if text.lower() in _TRUE:
                    out[key] = True
                elif text.lower() in _FALSE or text == "":
                    out[key] = False
                else:
                    self.problem(sheet, row, column, "应为“是”或“否”", "must be 是 or 否")
            elif key in _LIST_FIELDS:
                out[key] = [
                    part.strip()
                    for part in text.replace(";", LIST_SEPARATOR).split(LIST_SEPARATOR)
                    if part.strip()
                ]
            elif key == "process_steps":
                out[key] = [line.strip() for line in text.splitlines() if line.strip()]
            elif key == "amount":
                try:
                    out[key] = Decimal(text or "0")
                except InvalidOperation:
                    self.problem(sheet, row, column, "金额无效", "invalid amount")
            else:
                out[key] = text
        return out


def _column_of(columns: list[tuple[str, str]], key: str) -> str:
    keys = [k for k, _ in columns]
    index = keys.index(key) if key in keys else 0
    return f"{get_column_letter(index + 1)}（{columns[index][1]}）"


_FIELD_COLUMN = {"themes": "theme_codes", "joint_departments": "joint_department_codes"}


def _read_items(reader: _Reader, book: Any, actor: Any) -> list[_ItemRow]:
    title = SHEETS["items"][0]
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    audiences = services.theme_audiences()
    children: dict[str, dict[str, list[tuple[int, dict[str, Any]]]]] = defaultdict(lambda: defaultdict(list))
    for key in ("materials", "fees", "procedures", "faqs"):
        sheet_title, columns = SHEETS[key]
        for number, raw in reader.rows(book, key):
            values = reader.convert(sheet_title, number, columns, raw)
            children[str(values.get("implementation_code", "")).upper()][key].append((number, values))
    rows: list[_ItemRow] = []
    seen: dict[str, int] = {}
    item_rows = reader.rows(book, "items")
    listed = {str(raw.get("implementation_code") or "").strip().upper() for _, raw in item_rows}
    for number, raw in item_rows:
        values = reader.convert(title, number, ITEM_COLUMNS, raw)

        def bad(key: str, zh: str, en: str, number: int = number) -> None:
            reader.problem(title, number, _column_of(ITEM_COLUMNS, key), zh, en)

        department = departments.get(str(values.get("department", "")).upper())
        if department is None:
            bad("department", "部门代码不存在", "unknown department code")
            continue
        if not catalog_permissions.can_maintain_department(actor, department):
            bad("department", "无权维护该部门的事项", "you may not maintain this department's items")
            continue
        level = values.get("level", "")
        if level not in Level.values:
            bad("level", "层级应为 province/city/county/township", "unknown level")
            continue
        try:
            basic = validate_basic_code(values.get("basic_code", ""))
        except ValidationError as exc:
            bad("basic_code", exc.messages[0], exc.messages[0])
            continue
        parent_code = str(values.get("parent", "")).upper()
        code = str(values.get("implementation_code", "")).upper()
        try:
            handling = int(code[31:]) if parent_code and len(code) == 33 else None
            expected = build_implementation_code(
                uscc=department.uscc, level=level, basic_code=basic, handling=handling
            )
        except (ValidationError, ValueError):
            bad("implementation_code", "实施编码无效", "invalid implementation code")
            continue
        if code and code != expected:
            bad(
                "implementation_code",
                f"实施编码应为 {expected}",
                f"the implementation code should be {expected}",
            )
            continue
        if parent_code:
            try:
                if parse_implementation_code(code).parent_code != parent_code:
                    raise ValidationError("parent")
            except ValidationError:
                bad("parent", "所属事项与实施编码不符", "the parent does not match the implementation code")
                continue
        if expected in seen:
            bad("implementation_code", f"与第{seen[expected]}行重复", f"duplicates row {seen[expected]}")
            continue
        seen[expected] = number
        scalar = {
            k: values[k]
            for k, _ in ITEM_COLUMNS
            if k not in {"implementation_code", "basic_code", "department", "level", "parent"}
        }
        own = children.pop(expected, {})
        content = GuideContent(
            **scalar,
            materials=[
                MaterialSpec(**{k: v for k, v in m.items() if k != "implementation_code"})
                for _, m in own.get("materials", [])
            ],
            fees=[
                FeeSpec(name=v["name"], amount=v.get("amount", Decimal(0)), basis=v["basis"])
                for _, v in own.get("fees", [])
            ],
            special_procedures=[
                ProcedureSpec(kind=v["kind"], name=v["name"], max_days=v.get("max_days", 0))
                for _, v in own.get("procedures", [])
            ],
            faqs=[FaqSpec(question=v["question"], answer=v["answer"]) for _, v in own.get("faqs", [])],
        )
        for where, zh, en in validate_content(content, audience_themes=audiences):
            key = where.split("[")[0]
            if key in {"materials", "fees", "special_procedures", "faqs"}:
                sheet_key = "procedures" if key == "special_procedures" else key
                index = int(where.split("[")[1].rstrip("]")) - 1
                child_row = own.get(sheet_key, [])[index][0]
                reader.problem(SHEETS[sheet_key][0], child_row, "", zh, en)
            else:
                bad(_FIELD_COLUMN.get(key, key), zh, en)
        for joint in content.joint_department_codes:
            if joint not in departments:
                bad("joint_department_codes", f"并联部门 {joint} 不存在", f"unknown joint department {joint}")
        rows.append(_ItemRow(number, expected, department, level, basic, parent_code, content))
    for code, sheets in children.items():
        if code in listed:
            continue  # its item row has problems of its own, already reported
        for key, entries in sheets.items():
            for number, _ in entries:
                reader.problem(
                    SHEETS[key][0],
                    number,
                    "A",
                    f"事项表中没有实施编码 {code}",
                    f"no item row with code {code}",
                )
    return rows


def import_workbook(*, actor: Any, data: bytes) -> ImportReport:
    """Apply a whole workbook or nothing; raise DomainError listing every problem."""
    reader = _Reader()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError(
            "import_unreadable", "无法读取该Excel文件", "the file is not a readable .xlsx workbook"
        ) from exc
    rows = _read_items(reader, book, actor)
    existing = {
        item.implementation_code: item
        for item in ServiceItem.objects.filter(implementation_code__in=[r.code for r in rows]).select_related(
            "current_version"
        )
    }
    for row in rows:
        row.existing = existing.get(row.code)
        if (
            row.parent_code
            and row.parent_code not in existing
            and row.parent_code not in {r.code for r in rows}
        ):
            reader.problem(
                SHEETS["items"][0],
                row.row,
                _column_of(ITEM_COLUMNS, "parent"),
                "所属事项不存在",
                "the parent item does not exist",
            )
    if reader.problems:
        raise DomainError(
            "import_invalid",
            "；".join(f"{p.sheet} 第{p.row}行 {p.column}：{p.message_zh}" for p in reader.problems[:50]),
            "; ".join(
                f"{p.sheet} row {p.row}, column {p.column}: {p.message_en}" for p in reader.problems[:50]
            ),
            status=400,
            details={"problems": [p.as_dict() for p in reader.problems]},
        )
    return _apply(actor, rows)


def _apply(actor: Any, rows: list[_ItemRow]) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        created_codes: dict[str, ServiceItem] = {}
        for row in sorted(rows, key=lambda r: (bool(r.parent_code), r.row)):
            item = row.existing
            if item is None:
                parent = (
                    created_codes.get(row.parent_code)
                    or ServiceItem.objects.filter(implementation_code=row.parent_code).first()
                )
                item = ServiceItem.objects.create(
                    implementation_code=row.code,
                    basic_code=row.basic_code,
                    kind=row.basic_code[:2],
                    department=row.department,
                    level=row.level,
                    parent=parent if row.parent_code else None,
                )
                created_codes[row.code] = item
                number = 1
                report.created += 1
            else:
                current = item.current_version
                if current is not None and _same(read_content(current), row.content):
                    report.unchanged += 1
                    continue
                number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
                report.updated += 1
            version = ItemVersion(
                item=item,
                number=number,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            write_content(version, row.content)
            services.publish_directly(actor=actor, version=version, action="catalog.version.imported")
        record_event(actor=actor, action="catalog.imported", obj="catalog.import", after=report.__dict__)
    return report


def _same(current: GuideContent, incoming: GuideContent) -> bool:
    a, b = current.as_dict(), incoming.as_dict()
    for values in (a, b):
        values.pop("change_note")
        values["theme_codes"] = sorted(values["theme_codes"])
        values["joint_department_codes"] = sorted(values["joint_department_codes"])
    return a == b


# --- Generated blank forms ----------------------------------------------------------------------


def material_form(*, item_name: str, material_name: str, code: str, sample: bool) -> bytes:
    """A printable blank form (or filled-in sample) for a material that has no uploaded file."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "示例样表" if sample else "空白表格"
    title = f"{material_name}{'（示例）' if sample else ''}"
    sheet.merge_cells("A1:D1")
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"] = f"事项：{item_name}（{code}）"
    example: Callable[[str], str] = (lambda text: text) if sample else (lambda _text: "")
    fields = [
        ("申请人姓名/名称", example("张三 / 云浮市示例餐饮有限公司")),
        ("证件号码/统一社会信用代码", example("4453**********1234")),
        ("联系电话", example("138****0000")),
        ("联系地址", example("云浮市云城区示例路1号")),
        ("申请事项", item_name if sample else ""),
        ("申请内容", example("按本事项办事指南填写")),
        ("申请人签名（盖章）", example("张三")),
        ("日期", example("2026年1月1日")),
    ]
    fill = PatternFill("solid", fgColor="EAF2FB")
    for offset, (label, value) in enumerate(fields, start=4):
        sheet.cell(row=offset, column=1, value=label).fill = fill
        sheet.merge_cells(start_row=offset, start_column=2, end_row=offset, end_column=4)
        sheet.cell(row=offset, column=2, value=value)
        sheet.row_dimensions[offset].height = 28
    sheet.column_dimensions["A"].width = 28
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
