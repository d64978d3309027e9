"""An official document as a PDF laid out after GB/T 9704-2012 (党政机关公文格式).

A4; type area (版心) 156 × 225 mm, 37 mm from the top and 28 mm from the left edge; 22 lines of
28 characters of 三号 text (15.75 pt characters on a 225/22 mm line pitch). Header (版头): copy
number, secrecy and urgency in the top left lines; the issuing-authority mark (发文机关标志) centred
in red, its top 35 mm below the type area's top (80 mm for requests and reports); the document
number (发文字号) centred two lines under it (left, with the signer on the right, for requests and
reports); the red separator line 4 mm under the number. Body: title in 二号 bold, main recipients,
text with two-character indents, attachment notes, the authority's name centred over the date
(the date four characters from the right), the seal pressed over both, notes. Imprint (版记) at the
foot of the last page between rules; page numbers "— 1 —" 7 mm under the type area, odd pages
right and even pages left.

Fonts: Noto Serif CJK (regular for text, bold for mark and title) embedded as a subset, found and
cut by :mod:`govhall.cases.documents.fonts`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

import govhall.cases.documents.letter  # noqa: F401  (teaches reportlab Chinese line-break rules)
from govhall.cases.documents.fonts import FontPair, cjk_fonts
from govhall.documents.seal_drawing import DIAMETER, draw_seal

RED = colors.HexColor("#D7191F")
INK = colors.HexColor("#111111")
LEFT = 28 * mm
TOP = 37 * mm
WIDTH = 156 * mm
HEIGHT = 225 * mm
BOTTOM = A4[1] - TOP - HEIGHT
LINE = HEIGHT / 22  # line pitch: 22 lines in the type area
CHAR = WIDTH / 28  # 28 characters to the line
BODY = 15.75
TITLE = 22


@dataclass(frozen=True)
class Sheet:
    """Everything printed, already worded; the layout adds no facts."""

    issuing_mark: str
    document_number: str
    title: str
    body: str
    signature_name: str
    written_on: str
    copy_number: str = ""
    secrecy: str = ""  # "秘密★1年"
    urgency: str = ""
    signer: str = ""  # only shown on requests and reports
    upward: bool = False
    main_recipients: str = ""
    attachments: list[str] = field(default_factory=list)
    notes: str = ""
    copy_to: str = ""
    printed_by: str = ""
    printed_on: str = ""
    seal_name: str = ""  # empty: no seal drawn

    def all_text(self) -> str:
        return "".join(
            [
                self.issuing_mark,
                self.document_number,
                self.title,
                self.body,
                self.signature_name,
                self.written_on,
                self.copy_number,
                self.secrecy,
                self.urgency,
                self.signer,
                self.main_recipients,
                "".join(self.attachments),
                self.notes,
                self.copy_to,
                self.printed_by,
                self.printed_on,
                self.seal_name,
                "签发人抄送：附件印发★．",
            ]
        )


class Mark(Flowable):
    """The issuing-authority mark: red, centred, narrowed to fit the type area when long."""

    def __init__(self, text: str, font: str, size: float = 40) -> None:
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.height = size * 1.1

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        natural = stringWidth(self.text, self.font, self.size)
        scale = min(1.0, (self.width - 4 * mm) / natural) if natural else 1.0
        # Tall, narrow characters as in printed red headers; spacing opens up a short name.
        spacing = 0.0
        if scale == 1.0 and len(self.text) > 1:
            spacing = min(self.size * 0.25, (self.width * 0.8 - natural) / (len(self.text) - 1))
            spacing = max(spacing, 0.0)
        total = natural * scale + spacing * (len(self.text) - 1)
        text = self.canv.beginText()
        text.setFont(self.font, self.size)
        text.setFillColor(RED)
        text.setHorizScale(scale * 100)
        text.setCharSpace(spacing)
        text.setTextOrigin((self.width - total) / 2, self.size * 0.18)
        text.textOut(self.text)
        self.canv.drawText(text)


class Rule(Flowable):
    def __init__(self, width: float, thickness: float, color: Any) -> None:
        super().__init__()
        self.width, self.thickness, self.color = width, thickness, color
        self.height = thickness

    def draw(self) -> None:
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.thickness / 2, self.width, self.thickness / 2)


class NumberLine(Flowable):
    """发文字号 centred, or left with 签发人 on the right (上行文)."""

    def __init__(self, sheet: Sheet, fonts: FontPair) -> None:
        super().__init__()
        self.sheet, self.fonts = sheet, fonts
        self.height = LINE

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        canvas, y = self.canv, LINE * 0.28
        canvas.setFillColor(INK)
        canvas.setFont(self.fonts.regular, BODY)
        if not self.sheet.upward:
            canvas.drawCentredString(self.width / 2, y, self.sheet.document_number)
            return
        canvas.drawString(CHAR, y, self.sheet.document_number)
        name_width = stringWidth(self.sheet.signer, self.fonts.bold, BODY)
        canvas.drawRightString(self.width - CHAR - name_width, y, "签发人：")
        canvas.setFont(self.fonts.bold, BODY)
        canvas.drawRightString(self.width - CHAR, y, self.sheet.signer)


class SignatureBlock(Flowable):
    """The authority's name centred over the date, the date 4 characters from the right, the seal
    pressed over both with its lower part covering them."""

    def __init__(self, sheet: Sheet, fonts: FontPair) -> None:
        super().__init__()
        self.sheet, self.fonts = sheet, fonts
        self.height = 2 * LINE

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFillColor(INK)
        canvas.setFont(self.fonts.regular, BODY)
        date_width = stringWidth(self.sheet.written_on, self.fonts.regular, BODY)
        date_right = self.width - 4 * CHAR
        centre = date_right - date_width / 2
        y_name, y_date = LINE + LINE * 0.28, LINE * 0.28
        canvas.drawCentredString(centre, y_name, self.sheet.signature_name)
        canvas.drawRightString(date_right, y_date, self.sheet.written_on)
        if self.sheet.seal_name:
            # Name and date sit a little below the seal's centre.
            draw_seal(canvas, centre, y_name + LINE * 0.3, self.sheet.seal_name, self.fonts.bold)


class Imprint(Flowable):
    """版记 at the foot of the page: copy-to and printing lines between black rules."""

    def __init__(self, rows: list[tuple[str, str]], fonts: FontPair) -> None:
        super().__init__()
        self.rows, self.fonts = rows, fonts
        self.needed = LINE * len(rows) + 2

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        # Take the rest of the page so the imprint ends on the type area's last line.
        self.height = max(avail_height, self.needed) if avail_height >= self.needed else self.needed
        return avail_width, self.height

    def draw(self) -> None:
        canvas, size = self.canv, 14.0  # 四号
        canvas.setStrokeColor(INK)
        canvas.setFillColor(INK)
        y = self.needed
        canvas.setLineWidth(0.35 * mm)
        canvas.line(0, y, self.width, y)
        for index, (left, right) in enumerate(self.rows):
            y -= LINE
            canvas.setFont(self.fonts.regular, size)
            canvas.drawString(CHAR, y + LINE * 0.32, left)
            if right:
                canvas.drawRightString(self.width - CHAR, y + LINE * 0.32, right)
            last = index == len(self.rows) - 1
            canvas.setLineWidth((0.35 if last else 0.25) * mm)
            canvas.line(0, y, self.width, y)


def _styles(fonts: FontPair) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "gw-body",
        fontName=fonts.regular,
        fontSize=BODY,
        leading=LINE,
        textColor=INK,
        wordWrap="CJK",
        alignment=TA_JUSTIFY,
        firstLineIndent=2 * BODY,
    )
    return {
        "body": body,
        "flush": ParagraphStyle("gw-flush", parent=body, firstLineIndent=0, alignment=TA_LEFT),
        "head": ParagraphStyle(
            "gw-head", parent=body, fontName=fonts.bold, firstLineIndent=0, alignment=TA_LEFT
        ),
        "title": ParagraphStyle(
            "gw-title",
            parent=body,
            fontName=fonts.bold,
            fontSize=TITLE,
            leading=TITLE * 1.45,
            alignment=TA_CENTER,
            firstLineIndent=0,
        ),
        "attach": ParagraphStyle(
            "gw-attach", parent=body, firstLineIndent=0, leftIndent=5 * BODY, alignment=TA_LEFT
        ),
        "right": ParagraphStyle("gw-right", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _attachments(items: list[str], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not items:
        return []
    out: list[Flowable] = [Spacer(1, LINE)]
    numbered = len(items) > 1
    for index, name in enumerate(items, start=1):
        label = f"{index}．{name}" if numbered else name
        if index == 1:
            style = ParagraphStyle(
                "gw-attach-1", parent=styles["body"], leftIndent=5 * BODY, firstLineIndent=-3 * BODY
            )
            out.append(_p(f"附件：{label}", style))
        else:
            out.append(_p(label, styles["attach"]))
    return out


def _story(sheet: Sheet, fonts: FontPair) -> list[Flowable]:
    styles = _styles(fonts)
    story: list[Flowable] = []
    head_lines = [text for text in (sheet.copy_number, sheet.secrecy, sheet.urgency) if text]
    story += [_p(text, styles["head"]) for text in head_lines]
    mark_top = (80 if sheet.upward else 35) * mm
    story.append(Spacer(1, max(mark_top - LINE * len(head_lines), 0)))
    story.append(Mark(sheet.issuing_mark, fonts.bold))
    story.append(Spacer(1, 2 * LINE - LINE * 0.6))
    story.append(NumberLine(sheet, fonts))
    story.append(Spacer(1, 4 * mm - LINE * 0.28))
    story.append(Rule(WIDTH, 0.75 * mm, RED))
    story.append(Spacer(1, LINE))
    story.append(_p(sheet.title, styles["title"]))
    story.append(Spacer(1, LINE * 0.6))
    if sheet.main_recipients:
        story.append(_p(sheet.main_recipients.rstrip("：:") + "：", styles["flush"]))
    for paragraph in sheet.body.split("\n"):
        if paragraph.strip():
            story.append(_p(paragraph.strip(), styles["body"]))
    story += _attachments(sheet.attachments, styles)
    # The seal's top stays within a line of the text above it: keep the block with room for it.
    story.append(CondPageBreak(DIAMETER + LINE))
    story.append(KeepTogether([Spacer(1, LINE * 1.6), SignatureBlock(sheet, fonts)]))
    if sheet.notes:
        story += [Spacer(1, LINE * 0.6), _p(f"（{sheet.notes.strip('（）()')}）", styles["body"])]
    rows: list[tuple[str, str]] = []
    if sheet.copy_to:
        rows.append((f"抄送：{sheet.copy_to}", ""))
    if sheet.printed_by:
        rows.append((sheet.printed_by, f"{sheet.printed_on}印发"))
    if rows:
        story.append(Imprint(rows, fonts))
    return story


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(doc.govhall_font, 14)
    canvas.setFillColor(INK)
    text = f"— {doc.page} —"
    y = BOTTOM - 7 * mm - 10
    if doc.page % 2:
        canvas.drawRightString(LEFT + WIDTH - CHAR, y, text)
    else:
        canvas.drawString(LEFT + CHAR, y, text)
    canvas.restoreState()


def render(sheet: Sheet, *, title: str = "") -> bytes:
    """The document as PDF bytes."""
    out = io.BytesIO()
    with cjk_fonts(sheet.all_text() + "—") as fonts:
        doc = BaseDocTemplate(
            out,
            pagesize=A4,
            leftMargin=LEFT,
            rightMargin=A4[0] - LEFT - WIDTH,
            topMargin=TOP,
            bottomMargin=BOTTOM,
            title=title or sheet.title,
            author=sheet.signature_name,
            subject=sheet.document_number,
            creator="govhall",
            invariant=1,
        )
        frame = Frame(
            LEFT,
            BOTTOM,
            WIDTH,
            HEIGHT,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_number)])
        doc.govhall_font = fonts.regular
        doc.build(_story(sheet, fonts))
    return out.getvalue()
