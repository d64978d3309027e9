"""CJK fonts for PDFs, embedded so a document looks the same in every reader.

reportlab embeds TrueType outlines only, and Debian's Noto CJK fonts carry PostScript (CFF)
outlines. So for each document the Simplified Chinese face is cut down to the characters the
document uses and its outlines converted to TrueType (fontTools; about half a second), then
reportlab embeds that subset. Where neither Noto CJK nor fontTools is present, reportlab's
built-in ``STSong-Light`` CID font is used: it needs no file but is not embedded, so the reader
supplies the glyphs.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)
# fontTools logs every subsetting step at INFO; one document would print hundreds of lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

NOTO_DIR = Path(os.environ.get("GOVHALL_CJK_FONT_DIR", "/usr/share/fonts/opentype/noto"))
# Serif (宋体-like) is what official documents are set in; the sans face is the second choice.
REGULAR_CANDIDATES = ("NotoSerifCJK-Regular.ttc", "NotoSansCJK-Regular.ttc")
BOLD_CANDIDATES = ("NotoSerifCJK-Bold.ttc", "NotoSansCJK-Bold.ttc")
FAMILY_SUFFIX = " CJK SC"
CID_FALLBACK = "STSong-Light"
# Always in the subset, so that page numbers and punctuation added by the layout never miss.
BASE_CHARACTERS = "0123456789—－-–（）()〔〕【】《》“”‘’：:；;，,。.、！？!?·/ 年月日第页共号"

# reportlab keeps fonts in a process-wide registry by name; rendering holds this lock so two
# worker threads never swap each other's subset fonts mid-document.
RENDER_LOCK = threading.Lock()
REGULAR_NAME = "GovhallCJK"
BOLD_NAME = "GovhallCJKBold"


@dataclass(frozen=True)
class FontPair:
    regular: str
    bold: str
    embedded: bool


@lru_cache(maxsize=4)
def _face(candidates: tuple[str, ...]) -> tuple[Path, int] | None:
    """The first installed collection among ``candidates`` and the index of its SC face."""
    try:
        from fontTools.ttLib import TTCollection
    except ImportError:  # pragma: no cover - fontTools is a pinned dependency
        return None
    for name in candidates:
        path = NOTO_DIR / name
        if not path.is_file():
            continue
        collection = TTCollection(str(path), lazy=True)
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1).endswith(FAMILY_SUFFIX):
                return path, index
    return None


def _truetype_subset(path: Path, index: int, text: str) -> io.BytesIO:
    """The face at ``path``/``index`` cut to ``text``, with quadratic (TrueType) outlines."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as FontToolsFont
    from fontTools.ttLib import newTable

    font = FontToolsFont(str(path), fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + BASE_CHARACTERS)
    subsetter.subset(font)

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf: Any = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # 1 unit of 1000 per em: far below what print or screen can show.
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attribute in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxComponentDepth",
    ):
        setattr(maxp, attribute, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


def _unregister(name: str) -> None:
    """Forget a font: reportlab ignores registering a name it already knows, so the next
    document's subset would silently be replaced by this one's."""
    font = pdfmetrics._fonts.pop(name, None)
    face = getattr(getattr(font, "face", None), "name", None)
    if face is not None:
        pdfmetrics._dynFaceNames.pop(face, None)


def _register_cid() -> FontPair:
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return FontPair(CID_FALLBACK, CID_FALLBACK, embedded=False)


@contextmanager
def cjk_fonts(text: str) -> Iterator[FontPair]:
    """Register fonts covering ``text`` for the duration of one document; yields their names.

    Hold the returned names only inside the ``with`` block: the next document replaces them.
    """
    with RENDER_LOCK:
        regular_face, bold_face = _face(REGULAR_CANDIDATES), _face(BOLD_CANDIDATES)
        if regular_face is None:
            logger.warning("Noto CJK fonts not found in %s; the PDF font will not be embedded", NOTO_DIR)
            yield _register_cid()
            return
        characters = "".join(sorted(set(text)))
        names = [REGULAR_NAME]
        _unregister(REGULAR_NAME)
        pdfmetrics.registerFont(TTFont(REGULAR_NAME, _truetype_subset(*regular_face, characters)))
        bold = REGULAR_NAME
        if bold_face is not None:
            _unregister(BOLD_NAME)
            pdfmetrics.registerFont(TTFont(BOLD_NAME, _truetype_subset(*bold_face, characters)))
            bold = BOLD_NAME
            names.append(BOLD_NAME)
        try:
            yield FontPair(REGULAR_NAME, bold, embedded=True)
        finally:
            for name in names:
                _unregister(name)
