"""Questions written as plain text, the way staff draft a questionnaire::

    [单选] 您对政务服务中心的办事效率满意吗？
    - 满意
    - 基本满意
    - 不满意
    [多选3] 您希望增加哪些网上办理事项？（最多选3项）
    - 社保
    - 公积金
    [评分] 请为窗口服务态度打分
    [评分10] 总体评价（1—10分）
    [填空] 其他意见和建议（选填）

Kinds: 单选, 多选 (optionally with the most options one may pick), 填空, 评分 (1–5, or the scale
given). A question ending in （选填） or (选填) is optional; every other is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govhall.core.errors import DomainError

HEADER = re.compile(r"^\[(单选|多选|填空|评分)(\d{0,2})\]\s*(.+)$")
KINDS = {"单选": "single", "多选": "multiple", "填空": "text", "评分": "rating"}
OPTIONAL = ("（选填）", "(选填)")
MAX_QUESTIONS = 60
MAX_CHOICES = 30


@dataclass
class QuestionSpec:
    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = True
    max_choices: int = 0
    rating_max: int = 5


def _error(line_no: int, zh: str, en: str) -> DomainError:
    return DomainError(
        "invalid_questions", f"第{line_no}行：{zh}", f"line {line_no}: {en}", details={"field": "questions"}
    )


def parse(text: str) -> list[QuestionSpec]:
    questions: list[QuestionSpec] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        header = HEADER.match(line)
        if header:
            label, number, body = header.groups()
            kind = KINDS[label]
            body = body.strip()
            required = not body.endswith(OPTIONAL)
            spec = QuestionSpec(kind=kind, text=body[:300], required=required)
            if number:
                if kind == "multiple":
                    spec.max_choices = int(number)
                elif kind == "rating":
                    if not 2 <= int(number) <= 10:
                        raise _error(line_no, "评分上限应为2至10", "the rating scale is 2 to 10")
                    spec.rating_max = int(number)
            questions.append(spec)
            continue
        if line.startswith(("-", "－", "·")):
            if not questions or questions[-1].kind not in ("single", "multiple"):
                raise _error(
                    line_no, "选项只能写在单选题或多选题下", "options belong under a choice question"
                )
            option = line.lstrip("-－· ").strip()
            if not option:
                raise _error(line_no, "选项不能为空", "an option is empty")
            questions[-1].choices.append(option[:200])
            continue
        raise _error(
            line_no, "无法识别，题目以[单选][多选][填空][评分]开头，选项以“-”开头", "not a question or option"
        )
    if not questions:
        raise DomainError(
            "no_questions", "请至少设置一道题目", "add at least one question", details={"field": "questions"}
        )
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(
            "too_many_questions", "题目不能超过60道", "at most 60 questions", details={"field": "questions"}
        )
    for number, spec in enumerate(questions, start=1):
        if spec.kind in ("single", "multiple"):
            if len(spec.choices) < 2:
                raise DomainError(
                    "too_few_choices",
                    f"第{number}题至少需要两个选项",
                    f"question {number} needs two options",
                    details={"field": "questions"},
                )
            if len(spec.choices) > MAX_CHOICES or len(set(spec.choices)) != len(spec.choices):
                raise DomainError(
                    "bad_choices",
                    f"第{number}题选项重复或过多",
                    f"question {number} has repeated or too many options",
                    details={"field": "questions"},
                )
            if spec.max_choices > len(spec.choices):
                spec.max_choices = 0
    return questions
