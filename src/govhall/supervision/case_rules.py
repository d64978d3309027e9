"""The rules on cases (办件): what each one watches, decided in Python for the cases selected.

Facts come from the case row, its tasks, supplement requests and special procedures, and its
timeline (:class:`~govhall.cases.models.CaseEvent`), never from pages. Time rules are preselected
in SQL over the indexed deadline columns (``Case.promised_deadline`` and ``statutory_deadline``,
``Task.due_at``) and the acceptance backlog (``status='submitted'``); every rule is then decided
by the same Python below, for the few cases selected, so the sweep and a case's own change agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from govhall.cases.models import Case, CaseEvent, SupplementRequest, Suspension, Task
from govhall.catalog.models import ItemVersion
from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between
from govhall.supervision import clock
from govhall.supervision.evaluation import Context, RuleConfig
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import Finding

CASE = "cases.case"
TASK = "cases.task"
SUSPENSION = "cases.suspension"

ACCEPTANCE_DELAY = "acceptance_delay"
DEADLINE_APPROACHING = "deadline_approaching"
OVERDUE = "overdue"
STATUTORY_OVERDUE = "statutory_overdue"
STEP_OVERDUE = "step_overdue"
REFUSAL_WITHOUT_REASON = "refusal_without_reason"
DECISION_WITHOUT_OPINION = "decision_without_opinion"
REPEATED_SUPPLEMENT = "repeated_supplement"
SUSPENSION_OVERRUN = "suspension_overrun"
OUT_OF_ORDER = "out_of_order"

# Statuses whose clock runs towards the deadlines (decided cases still owe 办结).
RUNNING = (Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.APPROVED, Case.Status.DENIED)
OPEN_TASK = (Task.Status.OPEN, Task.Status.CLAIMED)


EVENT_KINDS = (
    "submitted",
    "supplement_requested",
    "supplemented",
    "accepted",
    "rejected",
    "decided",
    "task_completed",
    "completed",
    "result_delivered",
    "withdrawn",
)
QUIET_KINDS = frozenset(
    {
        "draft_created",
        "draft_saved",
        "material_added",
        "task_claimed",
        "task_transferred",
        "result_generated",
        "result_downloaded",
        "verification_code_reissued",
    }
)
CLOSING_KINDS = frozenset({"rejected", "withdrawn", "completed"})
HANDLING_KINDS = frozenset({"accepted", "decided", "task_completed", "completed", "supplement_requested"})


def iso(moment: datetime | None) -> str:
    # Beijing time, so that keys and facts read the same everywhere and stay stable.
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds") if moment else ""


def day_label(moment: datetime | None) -> str:
    if moment is None:
        return ""
    day = clock.local_date(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def step_name(name: str) -> str:
    """The Chinese name of a process step ("审核 review" → "审核")."""
    return re.sub(r"\s+[A-Za-z][A-Za-z /-]*$", "", name) or name


def blank(text: str | None) -> bool:
    return not (text or "").strip()


@dataclass
class CaseFacts:
    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    supplements: list[datetime] = field(default_factory=list)
    raised: set[tuple[str, str, str, str]] = field(default_factory=set)

    @property
    def pk(self) -> int:
        return int(self.row["pk"])

    @property
    def department_id(self) -> int:
        return int(self.row["lead_department_id"])

    def finding(self, config: RuleConfig, *, key: str, title: str, **extra: Any) -> Finding:
        facts = {"case_no": self.row["case_no"], **extra.pop("facts", {})}
        return Finding(
            kind=config.kind,
            subject_type=extra.pop("subject_type", CASE),
            subject_id=str(extra.pop("subject_id", self.pk)),
            key=key,
            department_id=extra.pop("department_id", self.department_id),
            region_id=extra.pop("region_id", self.row["lead_department__region_id"]),
            title=title,
            facts=facts,
            case_id=self.pk,
            **extra,
        )


CASE_FIELDS = (
    "pk",
    "case_no",
    "status",
    "channel",
    "lead_department_id",
    "lead_department__region_id",
    "submitted_at",
    "accepted_at",
    "promised_deadline",
    "statutory_deadline",
    "completed_at",
    "item_version__item_type",
)


def load_facts(ids: Sequence[int]) -> list[CaseFacts]:
    """Everything the rules read about these cases, in a fixed number of queries."""
    facts = {row["pk"]: CaseFacts(row) for row in Case.objects.filter(pk__in=ids).values(*CASE_FIELDS)}
    events = CaseEvent.objects.filter(case_id__in=ids, kind__in=EVENT_KINDS).order_by("occurred_at", "id")
    for event in events.values("pk", "case_id", "kind", "occurred_at", "note", "to_status"):
        facts[event["case_id"]].events.append(dict(event))
    tasks = Task.objects.filter(case_id__in=ids, due_at__isnull=False).exclude(status=Task.Status.CANCELLED)
    for task in tasks.order_by("created_at", "id").values(
        "pk",
        "case_id",
        "name",
        "status",
        "due_at",
        "completed_at",
        "candidate_department_id",
        "candidate_department__region_id",
    ):
        facts[task["case_id"]].tasks.append(dict(task))
    for suspension in (
        Suspension.objects.filter(case_id__in=ids)
        .order_by("started_at", "id")
        .values("pk", "case_id", "started_at", "ended_at", "max_days", "procedure__name")
    ):
        facts[suspension["case_id"]].suspensions.append(dict(suspension))
    for case_id, requested_at in (
        SupplementRequest.objects.filter(case_id__in=ids)
        .order_by("requested_at", "id")
        .values_list("case_id", "requested_at")
    ):
        facts[case_id].supplements.append(requested_at)
    for kind, subject_type, subject_id, key, case_id in Alert.objects.filter(case_id__in=ids).values_list(
        "rule_kind", "subject_type", "subject_id", "key", "case_id"
    ):
        facts[case_id].raised.add((kind, subject_type, subject_id, key))
    return list(facts.values())


# --- The rules -----------------------------------------------------------------------------------


def acceptance_delay(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    """Each period between an online submission (or the applicant's supplement) and the office's
    first answer — accept, refuse, or ask to supplement — may last ``threshold`` working days."""
    if case.row["channel"] != Case.Channel.ONLINE:
        return []
    days = config.threshold
    periods: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for event in case.events:
        kind, at = event["kind"], event["occurred_at"]
        if kind in ("accepted", "rejected"):
            if start is not None:
                periods.append((start, at))
                start = None
            break  # acceptance is over; later supplements belong to the review
        if kind in ("submitted", "supplemented"):
            start = start or at
        elif kind == "supplement_requested" and start is not None:
            periods.append((start, at))
            start = None
    if not case.events and case.row["submitted_at"] is not None:
        start = case.row["submitted_at"]  # a case without a timeline (imported)
    if start is not None and case.row["status"] == Case.Status.SUBMITTED:
        periods.append((start, None))
    found = []
    for begun, answered in periods:
        until = clock.local_date(answered) if answered is not None else ctx.today
        if clock.broken(clock.local_date(begun), days, until):
            due = deadline_for(begun, days)
            found.append(
                case.finding(
                    config,
                    key=iso(begun),
                    title=f"网上申请超过{days}个工作日未受理",
                    due_at=due,
                    facts={
                        "rule_days": days,
                        "received_at": iso(begun),
                        "answered_at": iso(answered),
                        "due": iso(due),
                    },
                )
            )
    return found


def deadline_approaching(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    due = case.row["promised_deadline"]
    if (
        due is None
        or case.row["status"] not in RUNNING
        or case.row["item_version__item_type"] == ItemVersion.ItemType.INSTANT
    ):
        return []
    if not ctx.now < due <= clock.approaching_bound(ctx.now, config.threshold):
        return []
    left = working_days_between(ctx.today, clock.local_date(due))
    return [
        case.finding(
            config,
            key=iso(due),
            title=f"临近承诺办结期限（{day_label(due)}到期，剩余{left}个工作日）",
            due_at=due,
            facts={"due": iso(due), "working_days_left": left},
        )
    ]


def _overdue(ctx: Context, case: CaseFacts, config: RuleConfig, column: str, what: str) -> Finding | None:
    due = case.row[column]
    if due is None:
        return None
    completed = case.row["completed_at"]
    if case.row["status"] in RUNNING:
        late = clock.deadline_passed(due, ctx.now, config.threshold)
        title = f"超过{what}（{day_label(due)}）未办结"
    elif case.row["status"] == Case.Status.COMPLETED and completed is not None:
        late = clock.deadline_passed(due, completed, config.threshold)
        title = f"超过{what}（{day_label(due)}）办结"
    else:
        return None
    if not late:
        return None
    return case.finding(
        config,
        key=iso(due),
        title=title,
        due_at=due,
        facts={
            "deadline": column,
            "due": iso(due),
            "completed_at": iso(completed),
            "grace": config.threshold,
        },
    )


def overdue(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    found = _overdue(ctx, case, config, "promised_deadline", "承诺办结期限")
    if found is None:
        return []
    statutory = case.row["statutory_deadline"]
    if statutory is not None and statutory <= case.row["promised_deadline"]:
        # The same moment also passes the statutory limit: the red card says it all.
        red = ctx.book.config(STATUTORY_OVERDUE, case.department_id)
        if red.enabled and _overdue(ctx, case, red, "statutory_deadline", "法定办结期限") is not None:
            return []
    earlier = any(kind == OVERDUE and key != found.key for kind, _, _, key in case.raised)
    if earlier:
        # Overdue again after a yellow card (the deadline moved on after a pause and passed again).
        return [replace(found, level=Level.RED, title=found.title + "（再次超期）")]
    return [found]


def statutory_overdue(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    found = _overdue(ctx, case, config, "statutory_deadline", "法定办结期限")
    return [found] if found is not None else []


def step_overdue(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    found = []
    for task in case.tasks:
        step_config = ctx.book.config(STEP_OVERDUE, task["candidate_department_id"])
        if not step_config.enabled:
            continue
        due = task["due_at"]
        if task["status"] in OPEN_TASK:
            late = clock.deadline_passed(due, ctx.now, step_config.threshold)
            title = f"环节「{step_name(task['name'])}」超过时限（{day_label(due)}）未完成"
        elif task["status"] == Task.Status.DONE and task["completed_at"] is not None:
            late = clock.deadline_passed(due, task["completed_at"], step_config.threshold)
            title = f"环节「{step_name(task['name'])}」超过时限（{day_label(due)}）完成"
        else:
            continue
        if late:
            found.append(
                case.finding(
                    step_config,
                    key=iso(due),
                    title=title,
                    due_at=due,
                    subject_type=TASK,
                    subject_id=task["pk"],
                    department_id=task["candidate_department_id"],
                    region_id=task["candidate_department__region_id"],
                    facts={
                        "step": step_name(task["name"]),
                        "due": iso(due),
                        "completed_at": iso(task["completed_at"]),
                    },
                )
            )
    return found


def refusal_without_reason(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    found = []
    for event in case.events:
        refused = event["kind"] == "rejected" or (
            event["kind"] == "decided" and event["to_status"] == Case.Status.DENIED
        )
        if refused and blank(event["note"]):
            what = "不予受理" if event["kind"] == "rejected" else "不予许可"
            found.append(
                case.finding(
                    config,
                    key=f"event:{event['pk']}",
                    title=f"{what}决定未说明理由",
                    facts={"event": event["pk"], "at": iso(event["occurred_at"]), "refusal": event["kind"]},
                )
            )
    return found


def decision_without_opinion(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    # A denial without reasons is the refusal rule's; this one watches approvals.
    return [
        case.finding(
            config,
            key=f"event:{event['pk']}",
            title="作出准予决定未填写审批意见",
            facts={"event": event["pk"], "at": iso(event["occurred_at"])},
        )
        for event in case.events
        if event["kind"] == "decided" and event["to_status"] != Case.Status.DENIED and blank(event["note"])
    ]


def repeated_supplement(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    count = len(case.supplements)
    if count <= config.threshold:
        return []
    return [
        case.finding(
            config,
            key="",
            title=f"同一办件{count}次要求补正，未一次性告知",
            facts={"count": count, "requested_at": [iso(at) for at in case.supplements]},
        )
    ]


def suspension_overrun(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    """A special procedure should end by the end of its maximum's last working day (plus grace)."""
    found = []
    for suspension in case.suspensions:
        allowed = suspension["max_days"] + config.threshold
        started, ended = suspension["started_at"], suspension["ended_at"]
        until = clock.local_date(ended) if ended is not None else ctx.today
        if not clock.broken(clock.local_date(started), allowed, until):
            continue
        found.append(
            case.finding(
                config,
                key="",
                title=f"特别程序「{suspension['procedure__name']}」超过最长时限{suspension['max_days']}个工作日",
                subject_type=SUSPENSION,
                subject_id=suspension["pk"],
                due_at=deadline_for(started, allowed),
                facts={
                    "procedure": suspension["procedure__name"],
                    "max_days": suspension["max_days"],
                    "started_at": iso(started),
                    "ended_at": iso(ended),
                    "working_days_used": working_days_between(clock.local_date(started), until),
                },
            )
        )
    return found


OUT_OF_ORDER_TITLES = {
    "decided_without_acceptance": "未经受理即作出决定",
    "completed_without_acceptance": "未经受理即办结",
    "completed_without_decision": "未作出决定即办结",
    "delivered_without_decision": "未作出决定即送达结果",
    "handled_after_closing": "办件结案后仍有办理操作",
}


def out_of_order(ctx: Context, case: CaseFacts, config: RuleConfig) -> list[Finding]:
    seen: set[str] = set()
    closed_by = ""
    violations: dict[str, dict[str, Any]] = {}

    def note(name: str, event: dict[str, Any] | None) -> None:
        if name not in violations:
            violations[name] = {
                "event": event["pk"] if event else None,
                "at": iso(event["occurred_at"]) if event else "",
            }

    for event in case.events:
        kind = event["kind"]
        if closed_by and kind in HANDLING_KINDS:
            note("handled_after_closing", event)
        if kind in ("decided", "task_completed") and "accepted" not in seen:
            note("decided_without_acceptance", event)
        if kind == "completed":
            if "accepted" not in seen:
                note("completed_without_acceptance", event)
            if "decided" not in seen:
                note("completed_without_decision", event)
        if kind == "result_delivered" and "decided" not in seen:
            note("delivered_without_decision", event)
        seen.add(kind)
        if kind in CLOSING_KINDS and not closed_by:
            closed_by = kind
    if case.row["status"] == Case.Status.COMPLETED and case.row["accepted_at"] is None:
        note("completed_without_acceptance", None)
    return [
        case.finding(config, key=name, title=OUT_OF_ORDER_TITLES[name], facts={"violation": name, **where})
        for name, where in violations.items()
    ]


RULES = {
    ACCEPTANCE_DELAY: acceptance_delay,
    DEADLINE_APPROACHING: deadline_approaching,
    OVERDUE: overdue,
    STATUTORY_OVERDUE: statutory_overdue,
    STEP_OVERDUE: step_overdue,
    REFUSAL_WITHOUT_REASON: refusal_without_reason,
    DECISION_WITHOUT_OPINION: decision_without_opinion,
    REPEATED_SUPPLEMENT: repeated_supplement,
    SUSPENSION_OVERRUN: suspension_overrun,
    OUT_OF_ORDER: out_of_order,
}
