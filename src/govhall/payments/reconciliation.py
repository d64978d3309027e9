"""Daily reconciliation (对账): the platform's online payments and refunds of one Beijing day
against the gateway's statement of that day — downloaded through the gateway's API by the nightly
task, or uploaded by finance staff as the CSV the gateway's console exports.

Payments match on the gateway's trade number, refunds on trade number and refund request number.
What only the platform has is ``missing`` (from the statement), what only the statement has is
``extra``, and a pair whose amounts differ is ``amount``. Each run keeps its differences until
staff resolve them; a run can be exported to Excel.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font

from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.identity.models import User
from govhall.payments import channels, clock, money
from govhall.payments.channels import ChannelError
from govhall.payments.models import FeeOrder, Payment, ReconciliationItem, ReconciliationRun, Refund
from govhall.payments.permissions import may_reconcile

Kind = ReconciliationItem.Kind
Entry = ReconciliationItem.Entry
MAX_STATEMENT_BYTES = 20 * 1024 * 1024
COLUMNS = {
    "trade_no": ("支付宝交易号", "交易号", "网关交易号"),
    "out_trade_no": ("商户订单号",),
    "kind": ("业务类型",),
    "order_amount": ("订单金额（元）",),
    "received": ("商家实收（元）",),
    "request_no": ("退款批次号/请求号",),
}


@dataclass(frozen=True)
class StatementRow:
    entry: str
    trade_no: str
    out_trade_no: str
    amount: Decimal
    request_no: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.entry, self.trade_no, self.request_no)


def _statement_error(message_zh: str, message_en: str, line: int | None = None) -> DomainError:
    details = {"line": line} if line is not None else {}
    where_zh = f"第 {line} 行：" if line is not None else ""
    where_en = f"line {line}: " if line is not None else ""
    return DomainError(
        "invalid_statement", where_zh + message_zh, where_en + message_en, status=422, details=details
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _normalise_header(name: str) -> str:
    return name.strip().replace("(", "（").replace(")", "）")


def parse_statement(data: bytes) -> list[StatementRow]:
    """The payment and refund rows of a statement file (UTF-8 or GBK; ``#`` lines are comments)."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise _statement_error("对账单文件过大", "the statement file is too large")
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise _statement_error(
            "对账单编码无法识别（应为 UTF-8 或 GBK）", "the statement is neither UTF-8 nor GBK"
        ) from None
    rows: list[StatementRow] = []
    index: dict[str, int] | None = None
    for number, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not record or not "".join(record).strip() or record[0].lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in record]
        if index is None:
            index = _header(cells, number)
            continue
        row = _row(cells, index, number)
        if row is not None:
            rows.append(row)
    if index is None:
        raise _statement_error("对账单没有表头", "the statement has no header row")
    return rows


def _header(cells: list[str], number: int) -> dict[str, int]:
    names = [_normalise_header(cell) for cell in cells]
    index = {}
    for key, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                index[key] = names.index(candidate)
                break
    missing = [
        COLUMNS[key][0] for key in ("trade_no", "out_trade_no", "kind", "order_amount") if key not in index
    ]
    if missing:
        raise _statement_error(
            f"缺少列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}", number
        )
    return index


def _cell(cells: list[str], index: dict[str, int], key: str) -> str:
    position = index.get(key)
    return cells[position] if position is not None and position < len(cells) else ""


def _row(cells: list[str], index: dict[str, int], number: int) -> StatementRow | None:
    kind = _cell(cells, index, "kind")
    if kind not in ("交易", "退款"):
        return None
    trade_no = _cell(cells, index, "trade_no")
    if not trade_no:
        raise _statement_error("缺少交易号", "a row without trade number", number)
    source = "order_amount" if kind == "交易" else ("received" if "received" in index else "order_amount")
    try:
        amount = money.to_amount(_cell(cells, index, source).lstrip("-"))
    except ValueError:
        raise _statement_error("金额无效", "invalid amount", number) from None
    return StatementRow(
        entry=Entry.PAYMENT if kind == "交易" else Entry.REFUND,
        trade_no=trade_no,
        out_trade_no=_cell(cells, index, "out_trade_no"),
        amount=amount,
        request_no=_cell(cells, index, "request_no") if kind == "退款" else "",
    )


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def platform_rows(day: date) -> list[StatementRow]:
    start, end = _day_bounds(day)
    payments = Payment.objects.filter(
        channel=Payment.Channel.ONLINE, paid_at__gte=start, paid_at__lt=end
    ).select_related("order")
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED,
        payment__channel=Payment.Channel.ONLINE,
        completed_at__gte=start,
        completed_at__lt=end,
    ).select_related("payment", "order")
    rows = [StatementRow(Entry.PAYMENT, p.trade_no, p.order.payment_code, p.amount) for p in payments]
    rows += [
        StatementRow(Entry.REFUND, r.payment.trade_no, r.order.payment_code, r.amount, r.request_no)
        for r in refunds
    ]
    return rows


def _net(rows: list[StatementRow]) -> Decimal:
    return sum((r.amount if r.entry == Entry.PAYMENT else -r.amount for r in rows), start=Decimal("0.00"))


def _compare(platform: list[StatementRow], statement: list[StatementRow]) -> tuple[int, list[dict[str, Any]]]:
    ours = {row.key: row for row in platform}
    theirs = {row.key: row for row in statement}
    matched = 0
    items: list[dict[str, Any]] = []
    for key, row in ours.items():
        other = theirs.get(key)
        if other is None:
            items.append(
                {"kind": Kind.MISSING, "row": row, "platform_amount": row.amount, "statement_amount": None}
            )
        elif other.amount != row.amount:
            items.append(
                {
                    "kind": Kind.AMOUNT,
                    "row": row,
                    "platform_amount": row.amount,
                    "statement_amount": other.amount,
                }
            )
        else:
            matched += 1
    for key, row in theirs.items():
        if key not in ours:
            items.append(
                {"kind": Kind.EXTRA, "row": row, "platform_amount": None, "statement_amount": row.amount}
            )
    return matched, items


def reconcile(*, day: date, data: bytes, source: str, actor: User | None) -> ReconciliationRun:
    """Compare ``day``'s platform records with the statement ``data``; the run and its differences."""
    if actor is not None and not may_reconcile(actor):
        raise PermissionDenied("forbidden", "您无权对账", "you may not run reconciliation", status=403)
    statement = parse_statement(data)
    platform = platform_rows(day)
    matched, differences = _compare(platform, statement)
    orders = {
        o.payment_code: o
        for o in FeeOrder.objects.filter(payment_code__in={d["row"].out_trade_no for d in differences})
    }
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            day=day,
            source=source,
            status=ReconciliationRun.Status.DIFFERENCES if differences else ReconciliationRun.Status.BALANCED,
            started_by=actor,
            started_at=clock.now(),
            statement_sha256=hashlib.sha256(data).hexdigest(),
            statement_rows=len(statement),
            platform_rows=len(platform),
            matched=matched,
            differences=len(differences),
            statement_total=_net(statement),
            platform_total=_net(platform),
        )
        ReconciliationItem.objects.bulk_create(
            ReconciliationItem(
                run=run,
                kind=d["kind"],
                entry=d["row"].entry,
                out_trade_no=d["row"].out_trade_no[:64],
                trade_no=d["row"].trade_no[:64],
                request_no=d["row"].request_no[:64],
                platform_amount=d["platform_amount"],
                statement_amount=d["statement_amount"],
                order=orders.get(d["row"].out_trade_no),
            )
            for d in differences
        )
        record_event(actor=actor, action="payments.reconciled", obj=run, after=_run_facts(run))
    return run


def _run_facts(run: ReconciliationRun) -> dict[str, Any]:
    return {
        "day": run.day,
        "source": run.source,
        "status": run.status,
        "statement_sha256": run.statement_sha256,
        "statement_rows": run.statement_rows,
        "platform_rows": run.platform_rows,
        "matched": run.matched,
        "differences": run.differences,
        "error": run.error,
    }


def reconcile_from_gateway(*, day: date, actor: User | None) -> ReconciliationRun:
    """Download ``day``'s statement from the gateway and reconcile; a failed download is a run too."""
    if actor is not None and not may_reconcile(actor):
        raise PermissionDenied("forbidden", "您无权对账", "you may not run reconciliation", status=403)
    try:
        data = channels.online().statement(day=day)
    except ChannelError as error:
        with transaction.atomic():
            run = ReconciliationRun.objects.create(
                day=day,
                source=ReconciliationRun.Source.GATEWAY,
                status=ReconciliationRun.Status.FAILED,
                started_by=actor,
                started_at=clock.now(),
                error=str(error)[:300],
            )
            record_event(actor=actor, action="payments.reconciled", obj=run, after=_run_facts(run))
        return run
    return reconcile(day=day, data=data, source=ReconciliationRun.Source.GATEWAY, actor=actor)


def resolve_item(*, actor: User, item: ReconciliationItem, resolution: str) -> ReconciliationItem:
    if not may_reconcile(actor):
        raise NotFound("difference_not_found", "对账差异不存在", "no such difference", status=404)
    if not resolution.strip():
        raise DomainError("resolution_required", "请填写处理说明", "describe how it was resolved", status=422)
    with transaction.atomic():
        locked = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
        if locked.resolved_at is not None:
            return locked
        locked.resolved_at = clock.now()
        locked.resolved_by = actor
        locked.resolution = resolution.strip()
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        record_event(
            actor=actor,
            action="payments.difference_resolved",
            obj=locked,
            after={
                "run": locked.run_id,
                "kind": locked.kind,
                "trade_no": locked.trade_no,
                "resolution": locked.resolution,
            },
        )
    return locked


def export_excel(run: ReconciliationRun, items: QuerySet[ReconciliationItem]) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "对账结果"
    bold = Font(bold=True)
    for label, value in [
        ("对账日期", run.day.isoformat()),
        ("对账单来源", run.get_source_display().split(" ")[0]),
        ("结果", run.get_status_display().split(" ")[0]),
        ("对账单笔数", run.statement_rows),
        ("平台笔数", run.platform_rows),
        ("一致笔数", run.matched),
        ("差异笔数", run.differences),
        ("对账单净额（元）", float(run.statement_total)),
        ("平台净额（元）", float(run.platform_total)),
        ("对账单 SHA-256", run.statement_sha256),
        ("错误", run.error),
    ]:
        summary.append([label, value])
        summary.cell(row=summary.max_row, column=1).font = bold
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 40
    sheet = book.create_sheet("差异明细")
    header = [
        "差异类型",
        "业务类型",
        "商户订单号（缴款码）",
        "网关交易号",
        "退款请求号",
        "平台金额",
        "对账单金额",
        "处理说明",
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
    for item in items:
        sheet.append(
            [
                item.get_kind_display().split(" ")[0],
                item.get_entry_display().split(" ")[0],
                item.out_trade_no,
                item.trade_no,
                item.request_no,
                float(item.platform_amount) if item.platform_amount is not None else None,
                float(item.statement_amount) if item.statement_amount is not None else None,
                item.resolution,
            ]
        )
    for letter, width in zip("ABCDEFGH", (26, 10, 24, 32, 20, 12, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
