"""Personal details are removed from published letters, whatever surrounds them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from govhall.mailbox.redact import HIDDEN, mask_name, redact
from govhall.testing.factories import random_id_number

CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=20)


@given(CHINESE, CHINESE, st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_are_hidden(before: str, after: str, phone: str) -> None:
    out = redact(f"{before}电话{phone}{after}")
    assert phone not in out and HIDDEN in out


@given(CHINESE, CHINESE, st.sampled_from(["", " ", "-"]))
def test_spaced_mobile_and_landline(before: str, after: str, sep: str) -> None:
    out = redact(f"{before}138{sep}0013{sep}8000，座机0766-8888888{after}")
    assert "8000" not in out and "8888888" not in out


def test_id_numbers_emails_and_names() -> None:
    id_number = random_id_number("445302")
    out = redact(f"我是张三，身份证{id_number}，邮箱 zhang.san@example.cn。张三敬上", names=("张三",))
    assert id_number not in out and "zhang.san" not in out and "张三" not in out and "张*" in out


def test_dates_amounts_and_case_numbers_stay() -> None:
    text = "2026年9月18日缴费120元，办件编号445300-2026-000123，第3次来信。"
    assert redact(text) == text


@given(st.text(min_size=1, max_size=6).filter(lambda s: s.strip() != ""))
def test_mask_name_keeps_only_the_first_character(name: str) -> None:
    masked = mask_name(name)
    assert masked[0] == name.strip()[0] and set(masked[1:]) == {"*"}
