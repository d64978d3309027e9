"""A licence version as an A4 PDF: the licence's face, its identifier, and a QR code that opens the
public verification page for that identifier.

Fonts come from :mod:`govhall.cases.documents.fonts` (Noto CJK cut to the document's characters and
embedded). The QR code is drawn as vector squares from qrcode's module matrix, so it stays sharp
at any zoom and on any printer. The PDF is a rendering of the signed data, not the proof: the proof
is the signature the verification page checks.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import qrcode
from django.conf import settings
from django.urls import reverse
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table

from govhall.cases.documents.fonts import FontPair, cjk_fonts
from govhall.core.calendar import SHANGHAI
from govhall.licences import sealing
from govhall.licences.models import HolderKind, Layout, Licence, LicenceVersion

INK = colors.HexColor("#1A1A1A")
FRAME = colors.HexColor("#9C7A2B")  # the gold-brown of printed certificates
RED = colors.HexColor("#C8161D")
GREY = colors.HexColor("#555555")
MARGIN = 18 * mm


def verification_url(identifier: str, base_url: str = "") -> str:
    base = (base_url or settings.GOVHALL_SITE_URL or "").rstrip("/")
    return f"{base}{reverse('licences:verify')}?{urlencode({'id': identifier})}"


@dataclass(frozen=True)
class LicenceFace:
    """Everything printed, already worded."""

    title: str
    holder_label: str
    holder_name: str
    holder_id_label: str
    holder_id: str
    fields: list[tuple[str, str]]
    validity: str
    issuer: str
    issued_on: str
    identifier: str
    url: str
    key_id: str
    digest: str
    layout: str = Layout.CERTIFICATE
    notes: list[str] = field(default_factory=list)

    def all_text(self) -> str:
        parts = [self.title, self.holder_label, self.holder_name, self.holder_id_label, self.holder_id]
        parts += [f"{label}{value}" for label, value in self.fields]
        parts += [
            self.validity,
            self.issuer,
            self.issued_on,
            self.identifier,
            self.url,
            self.key_id,
            self.digest,
        ]
        return "".join(parts + self.notes + [SUBTITLE, QR_CAPTION, self.signature_note()]) + LATIN

    def signature_note(self) -> str:
        return (
            f"本证照由数字签名保护（SM2/SM3），签名密钥 {self.key_id}，摘要 {self.digest}。"
            "扫码或在核验页输入证照标识，核验真伪与状态。"
        )


SUBTITLE = "电子证照 Electronic licence"
QR_CAPTION = "扫码核验"
LABELS = "有效期发证机关：发证日期：证照标识："
# Letters may appear in any value (a company name, an address); the subset is small anyway.
LATIN = string.ascii_letters + LABELS


def face_for(licence: Licence, version: LicenceVersion, *, base_url: str = "") -> LicenceFace:
    holder_id, personal = sealing.open_personal(version)
    values = {**version.data, **personal}
    rows = []
    for spec in licence.licence_type.fields:
        key = str(spec.get("key", ""))
        value = values.get(key, "")
        if key and value not in ("", None, []):
            rows.append(
                (str(spec.get("label", key)), "、".join(value) if isinstance(value, list) else str(value))
            )
    legal = licence.holder_kind == HolderKind.LEGAL
    until = version.valid_until
    validity = (
        f"{_cn_date(version.valid_from)}至{_cn_date(until)}"
        if until
        else f"{_cn_date(version.valid_from)}起长期"
    )
    return LicenceFace(
        title=version.type_name,
        holder_label="名称" if legal else "持证人",
        holder_name=version.holder_name,
        holder_id_label="统一社会信用代码" if legal else "公民身份号码",
        holder_id=holder_id,
        fields=rows,
        validity=validity,
        issuer=version.issuer_name,
        issued_on=_cn_date(version.issued_at.astimezone(SHANGHAI).date()),
        identifier=version.identifier,
        url=verification_url(version.identifier, base_url),
        key_id=version.key_id,
        digest=version.digest,
        layout=licence.licence_type.layout,
    )


def _cn_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class QRCode(Flowable):
    """The verification URL as a QR code of ``size`` points, quiet zone included."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.width = self.height = size

    def draw(self) -> None:
        count = len(self.matrix)
        quiet = 2
        cell = self.width / (count + 2 * quiet)
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row, line in enumerate(self.matrix):
            for column, dark in enumerate(line):
                if dark:
                    x = (column + quiet) * cell
                    y = self.height - (row + quiet + 1) * cell
                    # A hair wider than the cell, so that viewers do not show seams between modules.
                    canvas.rect(x, y, cell + 0.05, cell + 0.05, stroke=0, fill=1)


def _styles(fonts: FontPair, wide: bool) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base", fontName=fonts.regular, fontSize=12, leading=18, textColor=INK, wordWrap="CJK"
    )
    return {
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=fonts.bold,
            fontSize=34 if wide else 30,
            leading=44,
            alignment=TA_CENTER,
            textColor=RED,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=14, alignment=TA_CENTER, textColor=GREY
        ),
        "label": ParagraphStyle("label", parent=base, fontName=fonts.bold, alignment=TA_LEFT),
        "value": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=GREY),
        "id": ParagraphStyle("id", parent=base, fontSize=10, leading=14),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _frame(canvas: Any, doc: Any) -> None:
    width, height = doc.pagesize
    canvas.saveState()
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(2.2)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(12.5 * mm, 12.5 * mm, width - 25 * mm, height - 25 * mm)
    canvas.restoreState()


def render(face: LicenceFace) -> bytes:
    wide = face.layout == Layout.CERTIFICATE
    pagesize = landscape(A4) if wide else A4
    out = io.BytesIO()
    with cjk_fonts(face.all_text()) as fonts:
        styles = _styles(fonts, wide)
        doc = SimpleDocTemplate(
            out,
            pagesize=pagesize,
            leftMargin=MARGIN + 6 * mm,
            rightMargin=MARGIN + 6 * mm,
            topMargin=MARGIN + 2 * mm,
            bottomMargin=MARGIN,
            title=f"{face.title} {face.identifier}",
            author=face.issuer,
            subject=face.title,
            creator="govhall",
        )
        usable = pagesize[0] - doc.leftMargin - doc.rightMargin
        label_width = 46 * mm
        rows = [
            [_p(face.holder_label, styles["label"]), _p(face.holder_name, styles["value"])],
            [_p(face.holder_id_label, styles["label"]), _p(face.holder_id, styles["value"])],
            *[[_p(label, styles["label"]), _p(value, styles["value"])] for label, value in face.fields],
            [_p("有效期", styles["label"]), _p(face.validity, styles["value"])],
        ]
        facts = Table(
            rows,
            colWidths=[label_width, usable - label_width],
            style=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#D9CFB8")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ],
        )
        qr_size = 34 * mm
        issued = [
            _p(f"发证机关：{face.issuer}", styles["value"]),
            _p(f"发证日期：{face.issued_on}", styles["value"]),
            Spacer(1, 4),
            _p(f"证照标识：{face.identifier}", styles["id"]),
            _p(face.signature_note(), styles["small"]),
        ]
        qr_block = [QRCode(face.url, qr_size), _p(QR_CAPTION, styles["subtitle"])]
        footer = Table(
            [[issued, qr_block]],
            colWidths=[usable - qr_size - 6 * mm, qr_size + 6 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("ALIGN", (1, 0), (1, 0), "CENTER")],
        )
        story: list[Flowable] = [
            _p(face.title, styles["title"]),
            _p(SUBTITLE, styles["subtitle"]),
            Spacer(1, 8 * mm if wide else 12 * mm),
            facts,
            Spacer(1, 6 * mm if wide else 14 * mm),
            footer,
        ]
        doc.build(story, onFirstPage=_frame, onLaterPages=_frame)
    return out.getvalue()


def render_version(licence: Licence, version: LicenceVersion, *, base_url: str = "") -> bytes:
    return render(face_for(licence, version, base_url=base_url))
