"""A survey's results as an Excel workbook: a summary sheet and one row per response."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from govhall.core.calendar import SHANGHAI
from govhall.surveys.models import Answer, Question, Survey
from govhall.surveys.selectors import survey_results

BOLD = Font(bold=True)


def survey_workbook(survey: Survey) -> bytes:
    total, results = survey_results(survey)
    book = Workbook()
    summary = book.active
    summary.title = "结果汇总"
    summary.append([survey.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([f"发起部门：{survey.department.name}"])
    summary.append(
        [
            f"调查时间：{survey.opens_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 至 "
            f"{survey.closes_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
        ]
    )
    summary.append([f"有效答卷：{total} 份"])
    summary.append([])
    for result in results:
        q = result.question
        summary.append(
            [f"{q.position}. {q.text}（{q.get_kind_display().split(' ')[0]}，{result.answered}人作答）"]
        )
        summary.cell(row=summary.max_row, column=1).font = BOLD
        if result.options:
            summary.append(["选项", "人数", "占作答人数比例（%）"])
            for option in result.options:
                summary.append([option["label"], option["count"], option["percent"]])
            if result.average is not None:
                summary.append(["平均分", result.average])
        else:
            summary.append([f"文字回答见“答卷明细”表（共{result.answered}条）"])
        summary.append([])
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 10
    summary.column_dimensions["C"].width = 22

    detail = book.create_sheet("答卷明细")
    questions = list(survey.questions.order_by("position"))
    detail.append(["答卷序号", "提交时间", "填写方式"] + [f"{q.position}. {q.text}" for q in questions])
    for cell in detail[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    cells: dict[tuple[int, int], list[str]] = {}
    for answer in Answer.objects.filter(response__survey=survey).select_related("choice", "question"):
        if (
            answer.question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
            and answer.choice is not None
        ):
            value = answer.choice.text
        elif answer.question.kind == Question.Kind.RATING:
            value = str(answer.rating)
        else:
            value = answer.text
        cells.setdefault((answer.response_id, answer.question_id), []).append(value)
    for number, response in enumerate(survey.responses.order_by("submitted_at", "id"), start=1):
        detail.append(
            [
                number,
                response.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                "实名" if response.respondent_id else "匿名",
            ]
            + ["；".join(cells.get((response.pk, q.pk), [])) for q in questions]
        )
    for index in range(1, len(questions) + 4):
        detail.column_dimensions[get_column_letter(index)].width = 12 if index <= 3 else 30
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
