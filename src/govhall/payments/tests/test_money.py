"""Amounts: exact fen, and the amount in Chinese capitals (人民币大写) with its rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.payments.money import DIGITS, rmb_upper, to_amount, yuan

DIGIT_VALUE = {ch: i for i, ch in enumerate(DIGITS)}
PLACE_VALUE = {"拾": 10, "佰": 100, "仟": 1000}
SECTION_VALUE = {"万": 10**4, "亿": 10**8}


def parse_upper(text: str) -> Decimal:
    """The inverse of :func:`rmb_upper`, written independently, for the round-trip property."""
    assert text.endswith(("整", "分")), text
    body = text.removesuffix("整")
    whole_text, _, cents_text = body.partition("元") if "元" in body else ("", "", body)
    whole = 0
    section = 0
    digit = 0
    for ch in whole_text:
        if ch in DIGIT_VALUE:
            digit = DIGIT_VALUE[ch]
        elif ch in PLACE_VALUE:
            section += digit * PLACE_VALUE[ch]
            digit = 0
        elif ch in SECTION_VALUE:
            section += digit
            if ch == "亿" or whole % 10**8 == 0:
                whole = (whole + section) * SECTION_VALUE[ch] if ch == "亿" else whole + section * 10**4
            else:
                whole += section * 10**4
            section = 0
            digit = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text}")
    whole += section + digit
    jiao = fen = 0
    rest = cents_text.lstrip("零")
    if "角" in rest:
        jiao, rest = DIGIT_VALUE[rest[0]], rest[2:]
    if "分" in rest:
        fen = DIGIT_VALUE[rest[0]]
    return Decimal(whole) + Decimal(jiao) / 10 + Decimal(fen) / 100


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("1234.05", "壹仟贰佰叁拾肆元零伍分"),
        ("1004.00", "壹仟零肆元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10", "壹拾元整"),
        ("20.00", "贰拾元整"),
        ("0", "零元整"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("100000", "壹拾万元整"),
        ("105000", "壹拾万伍仟元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1010000", "壹佰零壹万元整"),
        ("1000010", "壹佰万零壹拾元整"),
        ("100000001", "壹亿零壹元整"),
        ("111000000", "壹亿壹仟壹佰万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("9999999999.99", "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_capitals(amount: str, expected: str) -> None:
    assert rmb_upper(amount) == expected


@pytest.mark.parametrize("bad", ["-1", "1.234", "abc", "NaN", "Infinity", "", "1e20"])
def test_bad_amounts(bad: str) -> None:
    with pytest.raises(ValueError):
        to_amount(bad)
    with pytest.raises(ValueError):
        rmb_upper(bad)


def test_floats_are_refused() -> None:
    with pytest.raises(ValueError):
        to_amount(0.1)


def test_amount_text() -> None:
    assert yuan(Decimal("80")) == "80.00" and to_amount("80.5") == Decimal("80.50")


fen_amounts = st.integers(min_value=0, max_value=10**14 - 1).map(lambda fen: Decimal(fen) / 100)


@given(fen_amounts)
def test_capitals_read_back_to_the_same_amount(amount: Decimal) -> None:
    assert parse_upper(rmb_upper(amount)) == amount


@given(fen_amounts)
def test_capitals_follow_the_writing_rules(amount: Decimal) -> None:
    text = rmb_upper(amount)
    assert set(text) <= set(DIGITS) | set("拾佰仟万亿元角分整")
    assert "零零" not in text
    # 整 after 元 or 角, never after 分.
    assert text.endswith("整") == ((amount * 100) % 10 == 0)
    assert not text.endswith("零整") and "零元" not in text[1:]
    if amount >= 1:
        assert not text.startswith("零") and "元" in text
    if amount >= 10 and str(int(amount))[0] == "1":
        assert text.startswith("壹")
