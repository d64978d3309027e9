"""Amounts of money: parsing to exact fen, display, and the amount in Chinese capitals (人民币大写).

Every amount is a ``Decimal`` with exactly two places (fen); floats never touch money.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN = Decimal("0.01")
# Ten thousand trillion yuan: far beyond any fee, and the capitals below have names up to it.
LIMIT = Decimal("10000000000000000")

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
SECTIONS = ("", "万", "亿", "万亿")


def to_amount(value: object) -> Decimal:
    """``"80"``, ``80``, ``Decimal("80.5")`` → ``Decimal("80.00")``/``Decimal("80.50")``.

    Raises ``ValueError`` for anything that is not a finite, non-negative amount of whole fen.
    """
    if isinstance(value, float | bool):
        raise ValueError("amounts are given as text or Decimal, never as float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount >= LIMIT:
        raise ValueError(f"amount out of range: {value!r}")
    exact = amount.quantize(FEN)
    if exact != amount:
        raise ValueError(f"an amount has at most two decimal places: {value!r}")
    return exact


def yuan(amount: Decimal) -> str:
    """``Decimal("80")`` → ``"80.00"``: the gateway's and the statements' format."""
    return f"{to_amount(amount):.2f}"


def _section(number: int) -> str:
    """1–9999 in capitals; zeros between digits read as one 零, trailing zeros not at all."""
    text = ""
    pending_zero = False
    started = False
    for position, digit in enumerate(f"{number:04d}"):
        if digit == "0":
            pending_zero = pending_zero or started
            continue
        if pending_zero:
            text += "零"
            pending_zero = False
        text += DIGITS[int(digit)] + PLACES[3 - position]
        started = True
    return text


def _integer(number: int) -> str:
    sections = []
    while number:
        number, section = divmod(number, 10000)
        sections.append(section)
    text = ""
    zero_between = False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section == 0:
            zero_between = bool(text)
            continue
        # A gap (a zero section, or a section under a thousand after a higher one) reads as 零.
        if text and (zero_between or section < 1000):
            text += "零"
        text += _section(section) + SECTIONS[index]
        zero_between = False
    return text


def rmb_upper(value: object) -> str:
    """The amount in Chinese capitals as written on receipts and cheques (人民币大写).

    ``1234.50`` → ``壹仟贰佰叁拾肆元伍角整``; ``1004.05`` → ``壹仟零肆元零伍分``; ``0.50`` → ``伍角整``;
    ``0`` → ``零元整``. Follows 《支付结算办法》: 整 after 元 or 角, none after 分; one 零 for any run
    of zeros inside the number; tens written 壹拾. Where the rules allow both, a zero 元 digit
    before a non-zero 角 is not read (``1680.32`` → ``壹仟陆佰捌拾元叁角贰分``).
    """
    amount = to_amount(value)
    fen_total = int(amount * 100)
    whole, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    if whole == 0 and cents == 0:
        return "零元整"
    text = _integer(whole) + "元" if whole else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and whole:
        text += "零"
    return text + (DIGITS[fen] + "分" if fen else "整")
