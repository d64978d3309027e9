"""Licence identifiers: built ones validate, any single mistyped character is caught."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from govhall.core.errors import DomainError
from govhall.licences import identifiers

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    body = "11" + draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    body += draw(st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
    return body + uscc.calc_check_digit(body)


@st.composite
def licence_ids(draw: st.DrawFn) -> str:
    return identifiers.build(
        type_code=draw(st.text(alphabet=ALNUM, min_size=3, max_size=24)),
        issuer_uscc=draw(credit_codes()),
        serial=draw(st.text(alphabet=ALNUM, min_size=1, max_size=24)),
        version=draw(st.integers(min_value=1, max_value=999)),
    )


@settings(max_examples=300, deadline=None)
@given(identifier=licence_ids())
def test_built_identifiers_validate(identifier: str) -> None:
    parsed = identifiers.parse(identifier)
    assert str(parsed) == identifier
    assert identifiers.parse(f"  {identifier.lower()} ") == parsed  # case and spaces do not matter


@settings(max_examples=400, deadline=None)
@given(identifier=licence_ids(), data=st.data())
def test_any_single_character_change_fails(identifier: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(identifier) - 1))
    replacement = data.draw(st.sampled_from(ALNUM + ".").filter(lambda c: c != identifier[position]))
    changed = identifier[:position] + replacement + identifier[position + 1 :]
    with pytest.raises(DomainError):
        identifiers.parse(changed)
    assert not identifiers.is_valid(changed)


def test_errors_say_what_is_wrong_in_both_languages() -> None:
    base = identifiers.build(type_code="SCJG001", issuer_uscc=_valid_uscc(), serial="202600000001", version=1)
    cases = {
        "": "licence_id_length",
        "2.16.156." + base[len("1.2.156.") :]: "licence_id_prefix",
        base.rsplit(".", 1)[0]: "licence_id_format",
        base[:-1] + ("0" if base[-1] != "0" else "1"): "licence_id_checksum",
        base.replace(".001.", ".000."): "licence_id_version",
        base.replace("SCJG001", "S-1"): "licence_id_type_code",
    }
    for value, code in cases.items():
        with pytest.raises(DomainError) as caught:
            identifiers.parse(value)
        assert caught.value.code == code, value
        assert caught.value.status == 422
        assert caught.value.message_zh and caught.value.message_en
        assert caught.value.details["fields"][0]["field"] == "identifier"


def test_version_beyond_999_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        identifiers.build(type_code="SCJG001", issuer_uscc=_valid_uscc(), serial="1", version=1000)
    assert caught.value.code == "licence_id_version"


def _valid_uscc() -> str:
    body = "11445300MB2C1234"[:8] + "MB2C1234X"
    return body + uscc.calc_check_digit(body)
