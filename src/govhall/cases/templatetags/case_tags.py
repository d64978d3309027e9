"""Small pieces the case pages repeat: status badges, deadlines with their urgency, file sizes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from govhall.cases import uploads
from govhall.cases.models import Case, Task
from govhall.cases.views_common import STATUS_TONES, action_label, due_state, zh
from govhall.licences.identifiers import looks_like_identifier

register = template.Library()

DUE_TEXT = {"overdue": "已超期", "soon": "即将到期", "ok": ""}


@register.inclusion_tag("cases/_status.html")
def status_badge(status: str) -> dict[str, Any]:
    return {"tone": STATUS_TONES.get(status, "working"), "label": zh(Case.Status(status).label)}


@register.inclusion_tag("cases/_due.html")
def due(moment: datetime | None, live: bool = True) -> dict[str, Any]:
    """A deadline; while the case is open it is marked overdue (red) or due within a working day (amber)."""
    state = due_state(moment) if live else ""
    return {"moment": moment, "state": state, "text": DUE_TEXT.get(state, "")}


@register.filter
def chinese(label: str) -> str:
    return zh(str(label))


@register.filter
def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@register.simple_tag
def upload_limit_mb() -> int:
    return uploads.max_upload_bytes() // (1024 * 1024)


@register.filter
def task_action(task: Task) -> str:
    """What a finished task's action was, in words (审核通过, 准予许可, 退回审核…)."""
    return action_label(task.step_kind, task.action) if task.action else ""


@register.filter
def licence_identifier(reference: str) -> bool:
    """Whether a material's reference names an electronic licence (rather than a paper licence number)."""
    return looks_like_identifier(reference)
