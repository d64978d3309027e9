"""National code validators against published codes, and properties over generated ones."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from govhall.core.codes import divisions, validate_division_code, validate_id_number, validate_uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Areas that existed by 1995, so every generated birth date below fits them.
ID_AREAS = ["110105", "310104", "440103", "440106", "445302", "445321", "445381"]


def _with_check_digit(base: str) -> str:
    return base + ric.calc_check_digit(base + "0")


# --- Published examples -------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", " 11010519491231002X "])
def test_published_id_number_is_valid_and_normalised(number: str) -> None:
    assert validate_id_number(number) == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_number_checksum"),  # check digit changed
        ("110105194912310020", "id_number_checksum"),
        (_with_check_digit("11010519491331002"), "id_number_component"),  # month 13
        (_with_check_digit("11010519490230002"), "id_number_component"),  # 30 February
        (_with_check_digit("99010519491231002"), "id_number_component"),  # no such area
        (_with_check_digit("44530219800101002"), "id_number_component"),  # 云城区 created 1994
        ("11010519491231002", "id_number_length"),
        ("11010519491231002X1", "id_number_length"),
        ("1101051949123100XX", "id_number_format"),
        ("", "id_number_length"),
    ],
)
def test_invalid_id_numbers_are_rejected_with_a_code(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_id_number(number)
    assert caught.value.code == code


def test_id_checksum_error_speaks_chinese_and_english() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_id_number("110105194912310021")
    assert caught.value.messages == ["身份证号码校验位错误 (the ID number's check digit is wrong)"]


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43", "91350100m000100y43"])
def test_published_credit_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == code.upper()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91110000600037341M", "uscc_checksum"),
        ("91350100M000100Y44", "uscc_checksum"),
        ("9111000060003734L", "uscc_length"),
        ("12345", "uscc_length"),
        ("A1110000600037341L", "uscc_format"),  # the first eight are digits
        ("91110000600O37341L", "uscc_format"),  # O is not in the alphabet
    ],
)
def test_invalid_credit_codes_are_rejected_with_a_code(code: str, error: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    assert caught.value.code == error


def test_credit_code_checksum_error_speaks_chinese() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc("91110000600037341M")
    assert "统一社会信用代码校验位错误" in caught.value.messages[0]


# --- Divisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["445300", "445302", "445381", "440000", "110105"])
def test_current_division_codes_are_valid(code: str) -> None:
    assert validate_division_code(code) == code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("445323", "division_unknown"),  # 云安县, abolished in 2014 (now 云安区 445303)
        ("440102", "division_unknown"),  # 广州市东山区, merged in 2005
        ("999999", "division_unknown"),
        ("12345", "division_format"),
        ("4453000", "division_format"),
        ("44530A", "division_format"),
        ("", "division_format"),
    ],
)
def test_invalid_division_codes(code: str, error: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_division_code(code)
    assert caught.value.code == error


def test_division_tree_is_well_formed() -> None:
    table = divisions()
    assert table["440000"].level == "province" and table["440000"].parent_code is None
    assert table["445300"].parent_code == "440000" and table["445300"].name == "云浮市"
    assert table["445302"].parent_code == "445300" and table["445302"].level == "county"
    assert table["110105"].parent_code == "110000"  # a municipality's districts hang off the province
    provinces = [d for d in table.values() if d.level == "province"]
    assert len(provinces) == 34
    for division in table.values():
        assert (division.parent_code is None) == (division.level == "province")
        assert division.parent_code != division.code
        assert division.parent_code is None or division.parent_code in table
        assert "直辖" not in division.name and division.name != "市辖区"


# --- Properties ---------------------------------------------------------------------------------

id_numbers = st.builds(
    lambda area, born, seq: _with_check_digit(f"{area}{born:%Y%m%d}{seq:03d}"),
    st.sampled_from(ID_AREAS),
    st.dates(min_value=date(1995, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)

credit_codes = st.builds(
    lambda head, body: head + body + uscc.calc_check_digit(head + body),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@given(id_numbers)
def test_generated_id_numbers_validate(number: str) -> None:
    assert validate_id_number(number) == number


@given(id_numbers, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_change_to_an_id_number_is_rejected(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        replacement = "7" if replacement != "7" else "3"
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(changed)


@given(credit_codes)
def test_generated_credit_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code


@given(credit_codes, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET + "IOSVZ"))
def test_any_single_change_to_a_credit_code_is_rejected(code: str, position: int, replacement: str) -> None:
    if code[position] == replacement:
        replacement = "7" if replacement != "7" else "3"
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(changed)
