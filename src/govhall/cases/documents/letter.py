"""The decision letter (准予/不予行政许可决定书, 办结通知书) as an A4 PDF.

Laid out after GB/T 9704 (党政机关公文格式): A4, text block 156 × 225 mm (margins 37 mm top,
28 mm left), the issuing authority in red above a red rule, the title in a bold face, body text
at 16 pt (三号) on a 28-point line, first lines indented by two characters, the authority's name
and the date at the end above the signature line. The authority's seal is not drawn: a drawn seal
that no key stands behind would be a forgery of the form, and electronic seals belong to the
licence library's signing service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus import paragraph as rl_paragraph

from govhall.cases.documents.fonts import FontPair, cjk_fonts

# reportlab's line breaker knows the Japanese punctuation that may not start a line but not the
# full-width Chinese comma, colon, semicolon, marks and closing quotes; without them a line can
# begin with "，". The rule is the same for every CJK paragraph in the process.
CHINESE_CANNOT_START = "，；：！？》〉”’％"
for _module in (rl_textsplit, rl_paragraph):
    if CHINESE_CANNOT_START[0] not in _module.ALL_CANNOT_START:
        _module.ALL_CANNOT_START += CHINESE_CANNOT_START

RED = colors.HexColor("#C8161D")
INK = colors.HexColor("#111111")
GREY = colors.HexColor("#555555")
BODY_SIZE = 16  # 三号
BODY_LEADING = 28.9
TEXT_WIDTH = 156 * mm
# The page frame pads its content by 6 pt on each side.
FRAME_WIDTH = TEXT_WIDTH - 12


@dataclass(frozen=True)
class DecisionLetter:
    """Everything printed on the letter, already worded; the layout adds no facts."""

    authority: str
    title: str
    document_no: str
    applicant_lines: list[tuple[str, str]]
    paragraphs: list[str]
    signature_date: str
    footnote: str = ""
    annex_title: str = ""
    annex: str = ""

    def all_text(self) -> str:
        parts = [self.authority, self.title, self.document_no, self.signature_date, self.footnote]
        parts += [f"{label}{value}" for label, value in self.applicant_lines]
        parts += [*self.paragraphs, self.annex_title, self.annex]
        return "".join(parts)


class RedRule(Flowable):
    """The red separating rule under the issuing authority (版头分隔线)."""

    def __init__(self, width: float, thickness: float = 1.2) -> None:
        super().__init__()
        self.width = width
        self.thickness = thickness
        self.height = thickness

    def draw(self) -> None:
        self.canv.setStrokeColor(RED)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, 0, self.width, 0)


def _styles(fonts: FontPair) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=fonts.regular,
        fontSize=BODY_SIZE,
        leading=BODY_LEADING,
        textColor=INK,
        wordWrap="CJK",
        alignment=TA_JUSTIFY,
        firstLineIndent=2 * BODY_SIZE,
    )
    return {
        "authority": ParagraphStyle(
            "authority",
            parent=base,
            fontName=fonts.bold,
            fontSize=26,
            leading=36,
            textColor=RED,
            alignment=TA_CENTER,
            firstLineIndent=0,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=fonts.bold,
            fontSize=22,  # 二号
            leading=34,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=14,
        ),
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT, firstLineIndent=0, spaceAfter=10),
        "field": ParagraphStyle("field", parent=base, alignment=TA_LEFT, firstLineIndent=0),
        "body": base,
        "signature": ParagraphStyle("signature", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "annex_title": ParagraphStyle("annex_title", parent=base, firstLineIndent=0, spaceBefore=18),
        "annex": ParagraphStyle("annex", parent=base, fontSize=14, leading=24, firstLineIndent=2 * 14),
        "footnote": ParagraphStyle(
            "footnote",
            parent=base,
            fontSize=9,
            leading=13,
            textColor=GREY,
            firstLineIndent=0,
            alignment=TA_LEFT,
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _field(label: str, value: str, style: ParagraphStyle) -> Paragraph:
    # A hanging indent keeps a long value (an enterprise name, an address) under its own start.
    width = len(label) * BODY_SIZE
    fitted = ParagraphStyle(f"field-{len(label)}", parent=style, leftIndent=width, firstLineIndent=-width)
    return Paragraph(f"{escape(label)}{escape(value)}", fitted)


def _signature(letter: DecisionLetter, style: ParagraphStyle) -> Table:
    """The authority's name centred over the date, the date ending four characters from the right."""
    width = max(
        stringWidth(text, style.fontName, style.fontSize)
        for text in (letter.authority, letter.signature_date)
    )
    width += BODY_SIZE
    right = 4 * BODY_SIZE
    table = Table(
        [["", _p(letter.authority, style), ""], ["", _p(letter.signature_date, style), ""]],
        colWidths=[FRAME_WIDTH - width - right, width, right],
        style=[
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ],
    )
    return table


def _decorate(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    note: Paragraph | None = doc.govhall_footnote
    if note is not None:
        _, height = note.wrapOn(canvas, TEXT_WIDTH, 30 * mm)
        top = 31 * mm
        canvas.setStrokeColor(GREY)
        canvas.setLineWidth(0.4)
        canvas.line(28 * mm, top + 2, 28 * mm + TEXT_WIDTH, top + 2)
        note.drawOn(canvas, 28 * mm, top - height)
    canvas.setFont(doc.govhall_font, 14)
    canvas.setFillColor(INK)
    # GB/T 9704: the page number in 4号 half-width digits between em dashes, under the text block.
    canvas.drawCentredString(A4[0] / 2, 14 * mm, f"— {doc.page} —")
    canvas.restoreState()


def render(letter: DecisionLetter) -> bytes:
    """The letter as PDF bytes."""
    import io

    out = io.BytesIO()
    with cjk_fonts(letter.all_text() + "—") as fonts:
        styles = _styles(fonts)
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=28 * mm,
            rightMargin=A4[0] - 28 * mm - TEXT_WIDTH,
            topMargin=30 * mm,
            bottomMargin=38 * mm,
            title=f"{letter.title} {letter.document_no}",
            author=letter.authority,
            subject=letter.title,
            creator="govhall",
        )
        doc.govhall_font = fonts.regular
        # The note about where the letter came from sits under the text block on every page.
        doc.govhall_footnote = _p(letter.footnote, styles["footnote"]) if letter.footnote else None
        story: list[Flowable] = [
            _p(letter.authority, styles["authority"]),
            Spacer(1, 4),
            RedRule(TEXT_WIDTH),
            _p(letter.title, styles["title"]),
            _p(letter.document_no, styles["number"]),
        ]
        story += [_field(label, value, styles["field"]) for label, value in letter.applicant_lines]
        story.append(Spacer(1, 10))
        story += [_p(text, styles["body"]) for text in letter.paragraphs]
        # GB/T 9704: one blank line under the text, then the authority and the date below it.
        story.append(KeepTogether([Spacer(1, BODY_LEADING), _signature(letter, styles["signature"])]))
        if letter.annex:
            story += [_p(letter.annex_title, styles["annex_title"]), _p(letter.annex, styles["annex"])]
        doc.build(story, onFirstPage=_decorate, onLaterPages=_decorate)
    return out.getvalue()
