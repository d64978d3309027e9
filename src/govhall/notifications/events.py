"""What each notification says: title, body template, default channels and SMS template.

Bodies are Django templates under ``notifications/events/`` rendered as plain text (the message
page escapes them when it shows them). An SMS is a template code and parameters, because carriers
only send wording they approved in advance; ``sms`` here is that approved wording, which the demo
gateways print and an operator registers with the carrier under the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Template
from django.template.loader import get_template

SITE = "site"
EMAIL = "email"
SMS = "sms"
CHANNELS = frozenset({SITE, EMAIL, SMS})
# Carriers cap each parameter (commonly 20–35 characters); longer values are cut.
SMS_PARAM_MAX = 20


@dataclass(frozen=True)
class EventSpec:
    key: str
    title: str
    channels: tuple[str, ...] = (SITE,)
    sms_code: str = ""
    sms: str = ""
    sms_params: tuple[str, ...] = field(default=())

    @property
    def template_name(self) -> str:
        return f"notifications/events/{self.key.replace('.', '_')}.txt"


_APPLICANT = (SITE, EMAIL, SMS)

EVENTS: dict[str, EventSpec] = {
    spec.key: spec
    for spec in [
        EventSpec(
            "case.submitted",
            "申请已提交：{{ item }}",
            _APPLICANT,
            "GH_CASE_SUBMITTED",
            "您申请的{item}已提交，办件编号{case_no}，请留意受理结果。",
            ("item", "case_no"),
        ),
        EventSpec(
            "case.supplement_requested",
            "请补正材料：{{ item }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_SUPPLEMENT",
            "您的办件{case_no}需补正{count}项内容，请登录网上办事大厅查看补正告知并提交。",
            ("case_no", "count"),
        ),
        EventSpec(
            "case.accepted",
            "申请已受理：{{ item }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_ACCEPTED",
            "您的办件{case_no}已受理，承诺于{deadline}前办结。",
            ("case_no", "deadline"),
        ),
        EventSpec(
            "case.rejected",
            "申请不予受理：{{ item }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_REJECTED",
            "您的办件{case_no}不予受理，请登录网上办事大厅查看理由。",
            ("case_no",),
        ),
        EventSpec(
            "case.decided",
            "审批结果：{{ decision }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_DECIDED",
            "您的办件{case_no}已作出决定：{decision}，请登录网上办事大厅查看。",
            ("case_no", "decision"),
        ),
        EventSpec(
            "case.result_delivered",
            "办理结果已送达：{{ item }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_RESULT_DELIVERED",
            "您的办件{case_no}办理结果已{method}{tracking}。",
            ("case_no", "method", "tracking"),
        ),
        EventSpec(
            "case.completed",
            "已办结：{{ item }}（{{ case_no }}）",
            _APPLICANT,
            "GH_CASE_COMPLETED",
            "您的办件{case_no}已办结，欢迎对本次服务作出评价。",
            ("case_no",),
        ),
        EventSpec("case.withdrawn", "申请已撤回：{{ item }}（{{ case_no }}）", (SITE, EMAIL)),
        # Staff: in-site only; they work in the workbench all day.
        EventSpec("task.assigned", "新待办：{{ step }}（{{ case_no }}）"),
        EventSpec("case.deadline_approaching", "即将到期：{{ case_no }} {{ item }}"),
        EventSpec("case.overdue", "已超期：{{ case_no }} {{ item }}"),
        EventSpec("task.overdue", "环节超时：{{ step }}（{{ case_no }}）"),
    ]
}


def spec_for(event: str) -> EventSpec:
    try:
        return EVENTS[event]
    except KeyError:
        raise ValueError(f"unknown notification event {event!r}") from None


def render_title(spec: EventSpec, context: Mapping[str, Any]) -> str:
    return Template(spec.title).render(Context(dict(context), autoescape=False)).strip()[:200]


def render_body(spec: EventSpec, context: Mapping[str, Any]) -> str:
    template = get_template(spec.template_name).template  # type: ignore[attr-defined]
    text = template.render(Context(dict(context), autoescape=False))
    # Templates are laid out for editing; the message keeps single blank lines only.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept)


def sms_params(spec: EventSpec, context: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(context.get(key, ""))[:SMS_PARAM_MAX] for key in spec.sms_params}


def sms_text(code: str, params: Mapping[str, str]) -> str:
    """The approved wording of template ``code`` with ``params`` filled in (for the demo gateways)."""
    for spec in EVENTS.values():
        if spec.sms_code == code:
            return spec.sms.format_map({key: params.get(key, "") for key in spec.sms_params})
    return " ".join(f"{key}={value}" for key, value in params.items())
