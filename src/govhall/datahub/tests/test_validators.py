"""Row validators, by property: valid codes pass normalised, any single-character change is caught,
dates read the same in every accepted spelling, and no error message repeats the value it rejects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from govhall.core.codes import divisions
from govhall.datahub.datasets import DATASETS
from govhall.datahub.models import Dataset, ElementType
from govhall.datahub.validators import RowError, line_error, parse_date, parse_value, validate_row
from govhall.testing.factories import random_uscc

POPULATION = DATASETS[Dataset.POPULATION]
LEGAL = DATASETS[Dataset.LEGAL_PERSON]
SPATIAL = DATASETS[Dataset.SPATIAL]
CREDIT = DATASETS[Dataset.CREDIT]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AREAS = ("445302", "445381", "445321", "440103", "110105", "310104")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(AREAS))
    born = draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2020, 12, 31)))
    base = f"{area}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    number = base + ric.calc_check_digit(base + "0")
    assume(ric.is_valid(number))  # a few areas did not exist in every birth year
    return number


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["91", "92", "93", "11", "12", "52"]))
    area = draw(st.sampled_from(AREAS))
    body = draw(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWY", min_size=8, max_size=8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, weights, strict=True)) % 11
    organisation = body + {10: "X", 11: "0"}.get(check, str(check))
    base = kind + area + organisation
    return base + uscc.calc_check_digit(base)


@given(id_numbers())
def test_valid_id_numbers_pass_upper_case_with_sex_and_birth_date_filled(number: str) -> None:
    values = validate_row(POPULATION, {"id_number": number.lower(), "name": "张三"})
    assert values["id_number"] == number.upper()
    assert values["birth_date"] == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert values["sex"] == ("M" if int(number[16]) % 2 else "F")


@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_one_character_of_an_id_number_is_caught_without_echoing_it(
    number: str, position: int, replacement: str
) -> None:
    changed = number[:position] + replacement + number[position + 1 :]
    assume(changed != number)
    with pytest.raises(RowError) as caught:
        validate_row(POPULATION, {"id_number": changed, "name": "张三"})
    assert caught.value.field == "id_number"
    text = line_error(7, caught.value)
    assert text.startswith("第 7 行 line 7：id_number：") and changed not in text
    assert caught.value.message_zh and caught.value.message_en


@given(credit_codes())
def test_valid_credit_codes_pass(code: str) -> None:
    assert validate_row(LEGAL, {"uscc": code.lower(), "name": "某公司"})["uscc"] == code


@given(credit_codes(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_changing_one_character_of_a_credit_code_is_caught(
    code: str, position: int, replacement: str
) -> None:
    changed = code[:position] + replacement + code[position + 1 :]
    assume(changed != code)
    # Weights are non-zero modulo the prime 31, so any one substitution moves the check character.
    with pytest.raises(RowError) as caught:
        validate_row(LEGAL, {"uscc": changed, "name": "某公司"})
    assert caught.value.field == "uscc" and changed not in caught.value.message


@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_division_codes_pass_exactly_when_they_are_current(code: str) -> None:
    spec = SPATIAL.field("division_code")
    if code in divisions():
        assert parse_value(spec, code) == code
    else:
        with pytest.raises(RowError):
            parse_value(spec, code)


@given(st.text(max_size=8).filter(lambda s: not s.strip().isdigit() or len(s.strip()) != 6))
def test_anything_but_six_digits_is_not_a_division_code(text: str) -> None:
    spec = SPATIAL.field("division_code")
    if not text.strip():
        with pytest.raises(RowError, match="required"):
            parse_value(spec, text)
        return
    with pytest.raises(RowError):
        parse_value(spec, text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_read_the_same_in_every_accepted_spelling(day: date) -> None:
    spellings = [
        day.isoformat(),
        f"{day:%Y/%m/%d}",
        f"{day:%Y%m%d}",
        f"{day:%Y.%m.%d}",
        f"{day.year}年{day.month:02d}月{day.day:02d}日",
        f" {day.isoformat()} ",
    ]
    assert {parse_date(text) for text in spellings} == {day}
    assert parse_date(datetime(day.year, day.month, day.day, 0, 0)) == day  # as openpyxl gives it


@given(st.text(min_size=1, max_size=12))
def test_text_that_is_not_a_date_is_refused(text: str) -> None:
    try:
        parsed = parse_date(text)
    except RowError as exc:
        assert exc.message_en.startswith("invalid date")
    else:
        assert isinstance(parsed, date)  # it was one of the accepted spellings after all


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-1000, max_value=1000, places=6))
def test_coordinates_are_bounded(value: Decimal) -> None:
    spec = SPATIAL.field("latitude")
    if -90 <= value <= 90:
        assert parse_value(spec, str(value)) == value
    else:
        with pytest.raises(RowError):
            parse_value(spec, str(value))


def test_excel_numbers_in_a_code_column_are_refused_with_advice() -> None:
    with pytest.raises(RowError, match="format the column as text"):
        parse_value(POPULATION.field("id_number"), 4.45302199001011e17)


def test_choices_and_credit_subjects() -> None:
    with pytest.raises(RowError, match="not one of the allowed values"):
        validate_row(POPULATION, {"id_number": "11010519491231002X", "status": "dead"})
    both = {
        "subject_uscc": random_uscc("445302", "91"),
        "subject_id_number": "11010519491231002X",
        "kind": "penalty",
        "title": "无证经营",
        "reference": "云市监罚〔2025〕1号",
        "valid_from": "2025-01-01",
    }
    with pytest.raises(RowError, match="not both"):
        validate_row(CREDIT, both)
    with pytest.raises(RowError, match="valid to is before"):
        validate_row(CREDIT, {**both, "subject_id_number": "", "valid_to": "2024-12-31"})


def test_element_types_parse() -> None:
    from govhall.datahub.validators import field_spec_for_element

    boolean = field_spec_for_element("flag", ElementType.BOOLEAN, personal=False, required=False)
    assert parse_value(boolean, "是") is True and parse_value(boolean, "no") is False
    integer = field_spec_for_element("n", ElementType.INTEGER, personal=False, required=True)
    assert parse_value(integer, "42") == 42
    with pytest.raises(RowError, match="integer"):
        parse_value(integer, "4.2")
