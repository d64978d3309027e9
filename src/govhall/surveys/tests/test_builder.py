"""The plain-text question builder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.core.errors import DomainError
from govhall.surveys.builder import parse
from govhall.surveys.tests.helpers import QUESTIONS


def test_parses_every_kind() -> None:
    single, multiple, rating, text = parse(QUESTIONS)
    assert (single.kind, single.choices, single.required) == ("single", ["满意", "基本满意", "不满意"], True)
    assert (multiple.kind, multiple.max_choices) == ("multiple", 2)
    assert (rating.kind, rating.rating_max) == ("rating", 5)
    assert (text.kind, text.required) == ("text", False)
    assert parse("[评分10] 总体评价")[0].rating_max == 10


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "no_questions"),
        ("[单选] 只有一个选项\n- 是", "too_few_choices"),
        ("[单选] 重复\n- 是\n- 是", "bad_choices"),
        ("- 孤立的选项", "invalid_questions"),
        ("[填空] 意见\n- 选项", "invalid_questions"),
        ("随便写的一行", "invalid_questions"),
        ("[评分11] 超出", "invalid_questions"),
    ],
)
def test_rejects_malformed_questionnaires(text: str, code: str) -> None:
    with pytest.raises(DomainError) as error:
        parse(text)
    assert error.value.code == code


OPTION = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=8)


@given(st.lists(OPTION, min_size=2, max_size=10, unique=True), st.integers(min_value=0, max_value=12))
def test_choice_questions_round_trip(options: list[str], limit: int) -> None:
    text = f"[多选{limit or ''}] 题目\n" + "\n".join(f"- {o}" for o in options)
    (question,) = parse(text)
    assert question.choices == options
    assert question.max_choices == (limit if limit <= len(options) else 0)
