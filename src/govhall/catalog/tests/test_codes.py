from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from govhall.catalog.codes import (
    KIND_CODES,
    as_domain_error,
    build_basic_code,
    build_implementation_code,
    parse_implementation_code,
    validate_basic_code,
)
from govhall.catalog.tests.factories import make_uscc

USCC = make_uscc("445300", 12345)


def test_basic_code_structure() -> None:
    assert build_basic_code(kind="01", main=172, sub=3) == "010017200300"
    assert validate_basic_code(" 200000100000 ") == "200000100000"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("01001720030", "basic_code_format"),
        ("0100172003000", "basic_code_format"),
        ("01001720030A", "basic_code_format"),
        ("110017200300", "basic_code_kind"),
        ("000017200300", "basic_code_kind"),
        ("010000000100", "basic_code_main"),
    ],
)
def test_bad_basic_codes(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_basic_code(value)
    assert info.value.code == reason
    assert "(" in info.value.messages[0]  # Chinese then English


def test_implementation_code_round_trip() -> None:
    basic = build_basic_code(kind="07", main=42)
    code = build_implementation_code(uscc=USCC, level="county", basic_code=basic)
    assert len(code) == 31
    parsed = parse_implementation_code(code.lower())
    assert (parsed.uscc, parsed.level, parsed.basic_code, parsed.kind) == (USCC, "county", basic, "07")
    assert parsed.handling_suffix == ""
    handling = build_implementation_code(uscc=USCC, level="county", basic_code=basic, handling=3)
    assert handling == code + "03"
    assert parse_implementation_code(handling).parent_code == code


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda c: c[:-1], "implementation_code_format"),
        (lambda c: c + "0", "implementation_code_format"),
        (lambda c: c + "00", "implementation_code_suffix"),
        (lambda c: ("0" if c[17] != "0" else "1").join([c[:17], c[18:]]), "implementation_code_uscc"),
        (lambda c: c[:18] + "9" + c[19:], "implementation_code_level"),
        (lambda c: c[:19] + "99" + c[21:], "basic_code_kind"),
    ],
)
def test_bad_implementation_codes(mutate: object, reason: str) -> None:
    code = build_implementation_code(uscc=USCC, level="city", basic_code=build_basic_code(kind="01", main=1))
    with pytest.raises(ValidationError) as info:
        parse_implementation_code(mutate(code))  # type: ignore[operator]
    assert info.value.code == reason


def test_domain_error_carries_both_languages() -> None:
    with pytest.raises(ValidationError) as info:
        parse_implementation_code("BADCODE")
    error = as_domain_error(info.value)
    assert error.status == 400 and error.code == "invalid_item_code"
    assert "31" in error.message_zh and "31 characters" in error.message_en


@given(
    kind=st.sampled_from(KIND_CODES),
    main=st.integers(1, 99999),
    sub=st.integers(0, 999),
    level=st.sampled_from(["province", "city", "county", "township"]),
    handling=st.one_of(st.none(), st.integers(1, 99)),
)
def test_built_codes_always_parse_back(
    kind: str, main: int, sub: int, level: str, handling: int | None
) -> None:
    basic = build_basic_code(kind=kind, main=main, sub=sub)
    code = build_implementation_code(uscc=USCC, level=level, basic_code=basic, handling=handling)
    parsed = parse_implementation_code(code)
    assert parsed.basic_code == basic and parsed.level == level and parsed.kind == kind
    assert parsed.handling_suffix == ("" if handling is None else f"{handling:02d}")
