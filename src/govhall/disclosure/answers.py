"""Answer types of 政府信息公开条例 第三十六条 and the rows of the national annual-report table.

The annual report (国务院办公厅政府信息公开工作年度报告格式, table 三) counts requests by how they were
handled; :data:`REPORT_ROWS` lists its rows and :func:`report_row` says which row an answered or
closed request belongs to.
"""

from __future__ import annotations

from govhall.disclosure.models import InformationRequest

Answer = InformationRequest.Answer
Closure = InformationRequest.Closure

NOT_DISCLOSED_REASONS: dict[str, str] = {
    "state_secret": "属于国家秘密（第十四条）",
    "law_forbids": "其他法律行政法规禁止公开（第十四条）",
    "three_safeties": "危及“三安全一稳定”（第十四条）",
    "third_party": "保护第三方合法权益（第十五条）",
    "internal_affairs": "属于三类内部事务信息（第十六条第一款）",
    "process_info": "属于四类过程性信息（第十六条第二款）",
    "enforcement_file": "属于行政执法案卷（第十六条第二款）",
    "query_matter": "属于行政查询事项",
}
CANNOT_PROVIDE_REASONS: dict[str, str] = {
    "not_held": "本机关不掌握相关政府信息",
    "needs_creation": "没有现成信息需要另行制作（第三十八条）",
    "still_unclear": "补正后申请内容仍不明确",
}
NOT_HANDLED_REASONS: dict[str, str] = {
    "petition": "信访举报投诉类申请（第三十九条）",
    "publication": "要求提供公开出版物",
    "mass_repeated": "无正当理由大量反复申请（第三十五条）",
    "confirm": "要求行政机关确认或重新出具已获取信息",
}
# Which answers need a reason from which list.
REASONS: dict[str, dict[str, str]] = {
    Answer.PARTLY: NOT_DISCLOSED_REASONS,
    Answer.NOT_DISCLOSED: NOT_DISCLOSED_REASONS,
    Answer.NOT_EXIST: CANNOT_PROVIDE_REASONS,
    Answer.NOT_HANDLED: NOT_HANDLED_REASONS,
}
ALL_REASONS = {**NOT_DISCLOSED_REASONS, **CANNOT_PROVIDE_REASONS, **NOT_HANDLED_REASONS}

# (row key, label, indent) in the order of the national table.
REPORT_ROWS: tuple[tuple[str, str, int], ...] = (
    ("disclosed", "（一）予以公开", 0),
    ("partly", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 0),
    ("not_disclosed", "（三）不予公开", 0),
    *(
        (f"not_disclosed.{key}", f"{i}. {label}", 1)
        for i, (key, label) in enumerate(NOT_DISCLOSED_REASONS.items(), 1)
    ),
    ("cannot_provide", "（四）无法提供", 0),
    *(
        (f"cannot_provide.{key}", f"{i}. {label}", 1)
        for i, (key, label) in enumerate(CANNOT_PROVIDE_REASONS.items(), 1)
    ),
    ("not_handled", "（五）不予处理", 0),
    ("not_handled.petition", "1. 信访举报投诉类申请", 1),
    ("not_handled.repeated", "2. 重复申请", 1),
    ("not_handled.publication", "3. 要求提供公开出版物", 1),
    ("not_handled.mass_repeated", "4. 无正当理由大量反复申请", 1),
    ("not_handled.confirm", "5. 要求行政机关确认或重新出具已获取信息", 1),
    ("other", "（六）其他处理", 0),
    ("other.not_corrected", "1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 1),
    ("other.fee_unpaid", "2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 1),
    ("other.other", "3. 其他", 1),
    ("total", "（七）总计", 0),
)


def report_row(answer: str, reason: str, closure: str = "") -> tuple[str, str | None]:
    """(group row, detail row or None) of a finished request in the annual-report table."""
    if closure == Closure.NOT_CORRECTED:
        return "other", "other.not_corrected"
    if closure:
        return "other", "other.other"
    if answer in {Answer.DISCLOSED, Answer.ALREADY_PUBLIC}:
        return "disclosed", None
    if answer == Answer.PARTLY:
        return "partly", None
    if answer == Answer.NOT_DISCLOSED:
        return "not_disclosed", f"not_disclosed.{reason}" if reason in NOT_DISCLOSED_REASONS else None
    if answer == Answer.NOT_EXIST:
        return "cannot_provide", f"cannot_provide.{reason or 'not_held'}"
    # Not this agency's: the agency does not hold it, the usual reading of the table's row (四)1.
    if answer == Answer.NOT_THIS_AGENCY:
        return "cannot_provide", "cannot_provide.not_held"
    if answer == Answer.REPEATED:
        return "not_handled", "not_handled.repeated"
    if answer == Answer.NOT_HANDLED:
        return "not_handled", f"not_handled.{reason}" if reason in NOT_HANDLED_REASONS else None
    return "other", "other.other"
