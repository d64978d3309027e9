"""The electronic receipt for a payment, laid out after the non-tax revenue general payment form
(非税收入一般缴款书): payer, collecting department, items, the amount in figures and in capitals,
payment code, date, channel and serial number, as an A5 landscape PDF.

Rendered by a task after the paying transaction commits (font subsetting takes about half a
second), or on the spot by the first download that finds none; stored once, never re-rendered.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from govhall.cases.documents.fonts import FontPair, cjk_fonts
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.crypto import lookup_hash
from govhall.payments import money
from govhall.payments.models import Payment, receipt_upload_path

INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#8a1c1c")
PAGE = landscape(A5)
MARGIN = 10 * mm
# The page frame pads its content by 6 pt on each side.
WIDTH = PAGE[0] - 2 * MARGIN - 12
SEAL_LABEL = "执收单位（盖章）："
ELECTRONIC_NOTE = "本缴款书为电子票据，与纸质票据具有同等效力"
LABELS = (
    "票据代码：票据号码：校验码：开票日期：缴款人全称缴款码执收单位名称执收单位编码项目编码收入项目名称单位数量"
    "收缴标准（元）金额（元）金额合计（大写）人民币（小写）¥缴款渠道交易流水号缴款时间经办人备注件"
)


@dataclass(frozen=True)
class ReceiptLine:
    code: str
    name: str
    unit: str
    quantity: int
    unit_amount: str
    amount: str


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on the receipt, already worded."""

    title: str
    bill_code: str
    receipt_no: str
    check_code: str
    issued_on: str
    payer: str
    payment_code: str
    department: str
    department_code: str
    lines: list[ReceiptLine]
    amount: str
    amount_upper: str
    channel: str
    trade_no: str
    paid_at: str
    remarks: str
    handler: str
    footnote: str
    flags: list[str] = field(default_factory=list)

    def all_text(self) -> str:
        parts = [
            self.title, self.bill_code, self.receipt_no, self.check_code, self.issued_on, self.payer,
            self.payment_code, self.department, self.department_code, self.amount, self.amount_upper,
            self.channel, self.trade_no, self.paid_at, self.remarks, self.handler, self.footnote,
            LABELS, SEAL_LABEL, ELECTRONIC_NOTE, *self.flags,
        ]  # fmt: skip
        for line in self.lines:
            parts += [line.code, line.name, line.unit, str(line.quantity), line.unit_amount, line.amount]
        return "".join(parts)


def check_code(payment: Payment) -> str:
    """Six characters tying the receipt's number, code and amount together (校验码)."""
    digest = lookup_hash(f"receipt|{payment.receipt_no}|{payment.order.payment_code}|{payment.amount}")
    return digest[:6].upper()


def build(payment: Payment) -> ReceiptData:
    order = payment.order
    case = order.case
    paid_local = payment.paid_at.astimezone(SHANGHAI)
    basic_code = case.item.basic_code
    lines = [
        ReceiptLine(
            code=f"{basic_code}{line.order_no:02d}",
            name=line.name,
            unit="件",
            quantity=line.quantity,
            unit_amount=money.yuan(line.unit_amount),
            amount=money.yuan(line.amount),
        )
        for line in order.lines.all()
    ]
    channel = payment.get_channel_display().split(" ")[0]
    method = payment.get_method_display().split(" ")[0]
    flags = ["重复缴费，待退还"] if payment.is_duplicate else []
    if payment.refunded_amount:
        flags.append(f"已退款 {money.yuan(payment.refunded_amount)} 元")
    site = settings.GOVHALL_SITE_NAME
    return ReceiptData(
        title="非税收入一般缴款书（电子）",
        bill_code=f"{order.department.region.code}{paid_local:%y}",
        receipt_no=payment.receipt_no or "",
        check_code=check_code(payment),
        issued_on=f"{paid_local.year}年{paid_local.month:02d}月{paid_local.day:02d}日",
        payer=order.payer_name,
        payment_code=order.code_display,
        department=order.department.name,
        department_code=order.department.code,
        lines=lines,
        amount=money.yuan(payment.amount),
        amount_upper=money.rmb_upper(payment.amount),
        channel=f"{channel}（{method}）",
        trade_no=payment.trade_no,
        paid_at=paid_local.strftime("%Y-%m-%d %H:%M:%S"),
        remarks=f"办件编号 {case.case_no}；事项 {order.item_name}",
        handler=(payment.recorded_by.display_name if payment.recorded_by else "网上缴费"),
        footnote=f"本缴款书由{site}统一公共支付平台生成，可凭票据号码和校验码核验。",
        flags=flags,
    )


def _styles(fonts: FontPair) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "cell", fontName=fonts.regular, fontSize=9, leading=12, textColor=INK, wordWrap="CJK"
    )
    return {
        "title": ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=17, leading=22, alignment=TA_CENTER, textColor=RULE),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5),
        "meta_right": ParagraphStyle("meta_right", parent=base, fontSize=8.5, alignment=TA_RIGHT),
        "cell": base,
        "label": ParagraphStyle("label", parent=base, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT),
        "big": ParagraphStyle("big", parent=base, fontName=fonts.bold, fontSize=10.5, leading=14),
        "foot": ParagraphStyle("foot", parent=base, fontSize=7.5, leading=10, alignment=TA_LEFT, textColor=colors.HexColor("#555555")),
    }  # fmt: skip


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def render(data: ReceiptData) -> bytes:
    out = io.BytesIO()
    with cjk_fonts(data.all_text()) as fonts:
        s = _styles(fonts)
        doc = SimpleDocTemplate(
            out,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=8 * mm,
            bottomMargin=8 * mm,
            title=f"{data.title} {data.receipt_no}",
            author=data.department,
            subject=data.title,
            creator="govhall",
        )
        meta = Table(
            [
                [
                    _p(f"票据代码：{data.bill_code}", s["meta"]),
                    _p(f"票据号码：{data.receipt_no}", s["meta"]),
                    _p(f"校验码：{data.check_code}", s["meta"]),
                    _p(f"开票日期：{data.issued_on}", s["meta_right"]),
                ]
            ],
            colWidths=[WIDTH * 0.22, WIDTH * 0.28, WIDTH * 0.2, WIDTH * 0.3],
            style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)],
        )
        col = [WIDTH * f for f in (0.165, 0.295, 0.08, 0.08, 0.16, 0.22)]
        rows: list[list[object]] = [
            [_p("缴款人全称", s["label"]), _p(data.payer, s["big"]), _p("执收单位名称", s["label"]), "", _p(data.department, s["cell"]), ""],
            [_p("缴款码", s["label"]), _p(data.payment_code, s["big"]), _p("执收单位编码", s["label"]), "", _p(data.department_code, s["cell"]), ""],
            [_p(h, s["label"]) for h in ("项目编码", "收入项目名称", "单位", "数量", "收缴标准（元）", "金额（元）")],
        ]  # fmt: skip
        for line in data.lines:
            rows.append(
                [
                    _p(line.code, s["cell"]),
                    _p(line.name, s["cell"]),
                    _p(line.unit, s["label"]),
                    _p(str(line.quantity), s["label"]),
                    _p(line.unit_amount, s["number"]),
                    _p(line.amount, s["number"]),
                ]
            )
        total_row = len(rows)
        rows.append(
            [
                _p("金额合计（大写）", s["label"]),
                _p(f"人民币{data.amount_upper}", s["big"]),
                "",
                "",
                _p("（小写）", s["label"]),
                _p(f"¥{data.amount}", s["big"]),
            ]
        )
        rows.append(
            [
                _p("缴款渠道", s["label"]),
                _p(data.channel, s["cell"]),
                _p("交易流水号", s["label"]),
                "",
                _p(data.trade_no, s["cell"]),
                "",
            ]
        )
        rows.append(
            [
                _p("缴款时间", s["label"]),
                _p(data.paid_at, s["cell"]),
                _p("经办人", s["label"]),
                "",
                _p(data.handler, s["cell"]),
                "",
            ]
        )
        remarks = "；".join([data.remarks, *data.flags])
        rows.append([_p("备注", s["label"]), _p(remarks, s["cell"]), "", "", "", ""])  # fmt: skip
        last = len(rows) - 1
        style = TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, RULE),
                ("BOX", (0, 0), (-1, -1), 1.2, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 2), (-1, 2), colors.HexColor("#f7eded")),
                ("SPAN", (2, 0), (3, 0)), ("SPAN", (4, 0), (5, 0)),
                ("SPAN", (2, 1), (3, 1)), ("SPAN", (4, 1), (5, 1)),
                ("SPAN", (1, total_row), (3, total_row)),
                ("SPAN", (2, total_row + 1), (3, total_row + 1)), ("SPAN", (4, total_row + 1), (5, total_row + 1)),
                ("SPAN", (2, total_row + 2), (3, total_row + 2)), ("SPAN", (4, total_row + 2), (5, total_row + 2)),
                ("SPAN", (1, last), (5, last)),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )  # fmt: skip
        form = Table(rows, colWidths=col, style=style, repeatRows=0)
        seal = Table(
            [[_p(f"{SEAL_LABEL}{data.department}", s["meta"]), _p(ELECTRONIC_NOTE, s["meta_right"])]],
            colWidths=[WIDTH * 0.5, WIDTH * 0.5],
            style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)],
        )  # fmt: skip
        story = [
            _p(data.title, s["title"]),
            Spacer(1, 4),
            meta,
            Spacer(1, 3),
            form,
            Spacer(1, 5),
            seal,
            Spacer(1, 3),
        ]
        story.append(_p(data.footnote, s["foot"]))
        doc.build(story)
    return out.getvalue()


def _load(payment_id: int) -> Payment:
    return Payment.objects.select_related(
        "order",
        "order__case",
        "order__case__item",
        "order__department",
        "order__department__region",
        "recorded_by",
    ).get(pk=payment_id)


def generate(payment_id: int) -> Payment:
    """Render and store the payment's receipt unless stored already."""
    payment = _load(payment_id)
    if payment.receipt and payment.receipt_sha256:
        return payment
    data = render(build(payment))
    storage = Payment._meta.get_field("receipt").storage
    stored = ""
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment_id)
            if locked.receipt and locked.receipt_sha256:
                return locked
            stored = storage.save(receipt_upload_path(locked, ""), ContentFile(data))
            locked.receipt.name = stored
            locked.receipt_sha256 = hashlib.sha256(data).hexdigest()
            locked.save(update_fields=["receipt", "receipt_sha256"])
            record_event(
                actor=None,
                action="payments.receipt_generated",
                obj=locked,
                after={"receipt_no": locked.receipt_no, "sha256": locked.receipt_sha256, "size": len(data)},
            )
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return locked


def ensure(payment: Payment) -> Payment:
    return payment if payment.receipt and payment.receipt_sha256 else generate(payment.pk)
