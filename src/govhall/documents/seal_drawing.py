"""The drawn electronic seal: a red ring, the unit's name along the upper arc, a star in the middle.

Only drawn on files that are sealed (signed with the unit's SM2 key, see
:mod:`govhall.documents.sealing`): a drawn seal without a signature behind it would be the form of
a seal without its substance.
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

SEAL_RED = colors.Color(0.86, 0.08, 0.10)
DIAMETER = 42 * mm  # a city-level office seal


def _star(canvas: Any, cx: float, cy: float, outer: float) -> None:
    inner = outer * 0.382
    path = canvas.beginPath()
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def draw_seal(canvas: Any, cx: float, cy: float, name: str, font: str, *, footer: str = "") -> None:
    """Draw the seal centred on (cx, cy) in points."""
    radius = DIAMETER / 2
    canvas.saveState()
    # Seal ink over the text below it, as a pressed seal is: the text stays readable through it.
    canvas.setFillAlpha(0.88)
    canvas.setStrokeAlpha(0.9)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(1.1 * mm)
    canvas.circle(cx, cy, radius - 0.55 * mm, stroke=1, fill=0)
    _star(canvas, cx, cy, radius * 0.33)
    # The name along the upper arc, read clockwise from lower left to lower right.
    count = max(len(name), 1)
    size = min(15.0, 2 * math.pi * radius * 0.62 / count * 0.9)
    span = min(math.radians(250), math.radians(22) * count)
    text_radius = radius - 1.6 * mm - size * 0.95
    canvas.setFont(font, size)
    for index, char in enumerate(name):
        fraction = 0.5 if count == 1 else index / (count - 1)
        angle = math.pi / 2 + span / 2 - fraction * span
        x = cx + text_radius * math.cos(angle)
        y = cy + text_radius * math.sin(angle)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(math.degrees(angle) - 90)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()
    if footer:
        footer_size = 8.0
        canvas.setFont(font, footer_size)
        width = stringWidth(footer, font, footer_size)
        canvas.drawString(cx - width / 2, cy - radius * 0.62, footer)
    canvas.restoreState()
