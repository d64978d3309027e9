"""The rules on cases (办件): what each one watches, and the evaluator that applies them.

Facts come from the case row, its tasks, supplement requests and special procedures, and its
timeline (:class:`~govhall.cases.models.CaseEvent`), never from pages. Time rules are preselected
in SQL over the indexed deadline columns (``Case.promised_deadline`` and ``statutory_deadline``,
``Task.due_at``) and the acceptance backlog (``status='submitted'``); every rule is then decided
by the same Python below, for the few cases selected, so the sweep and a case's own change agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from govhall.cases.models import Case, CaseEvent, SupplementRequest, Suspension, Task
from govhall.catalog.models import ItemVersion
from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between
from govhall.supervision import clock
from govhall.supervision.evaluation import Context, RuleConfig
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import COUNT, WORKING_DAYS, Finding, RuleSpec

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

SPECS = [
    RuleSpec(
        ACCEPTANCE_DELAY,
        "受理超时",
        "acceptance delay",
        CASE,
        Level.YELLOW,
        5,
        WORKING_DAYS,
        "受理时限（工作日）",
        "网上申请提交（或补正）后，超过时限仍未受理、不予受理或告知补正（行政许可法第三十二条：五日内）。",
    ),
    RuleSpec(
        DEADLINE_APPROACHING,
        "临期预警",
        "deadline approaching",
        CASE,
        Level.WARNING,
        1,
        WORKING_DAYS,
        "剩余工作日不超过",
        "承诺件距承诺办结期限不超过阈值个工作日仍未办结。",
    ),
    RuleSpec(
        OVERDUE,
        "超过承诺时限",
        "overdue",
        CASE,
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "超过承诺办结期限未办结或超期办结；同一办件再次超期（期限因暂停顺延后又超过）升为红牌。",
    ),
    RuleSpec(
        STATUTORY_OVERDUE,
        "超过法定时限",
        "statutory limit passed",
        CASE,
        Level.RED,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "超过法定办结期限未办结或超期办结。",
    ),
    RuleSpec(
        STEP_OVERDUE,
        "环节超时",
        "step overdue",
        TASK,
        Level.WARNING,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "单个办理环节超过其环节时限，即使整个办件尚未超期。",
    ),
    RuleSpec(
        REFUSAL_WITHOUT_REASON,
        "不予受理/不予许可未说明理由",
        "refusal without reasons",
        CASE,
        Level.YELLOW,
        description="作出不予受理或不予许可决定，未写明理由。",
    ),
    RuleSpec(
        DECISION_WITHOUT_OPINION,
        "决定无审批意见",
        "decision without opinion",
        CASE,
        Level.YELLOW,
        description="作出准予决定，未填写审批意见。",
    ),
    RuleSpec(
        REPEATED_SUPPLEMENT,
        "多次补正（未一次性告知）",
        "repeated supplement requests",
        CASE,
        Level.YELLOW,
        1,
        COUNT,
        "允许补正告知次数",
        "同一办件补正告知次数超过阈值，违反一次性告知。",
    ),
    RuleSpec(
        SUSPENSION_OVERRUN,
        "特别程序超时",
        "special procedure overrun",
        SUSPENSION,
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "特别程序（听证、专家评审等）持续时间超过其最长时限。",
    ),
    RuleSpec(
        OUT_OF_ORDER,
        "违反办理顺序",
        "handled out of order",
        CASE,
        Level.RED,
        description="未经受理即作出决定或办结、未作决定即办结、结案后仍有办理操作等。",
    ),
]

# Statuses whose clock runs towards the deadlines (decided cases still owe 办结).
RUNNING = (Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.APPROVED, Case.Status.DENIED)
OPEN_TASK = (Task.Status.OPEN, Task.Status.CLAIMED)


def running_q() -> Q:
    """Cases whose clock runs, written as the complement of the other statuses: with ``status``
    indexed and no planner statistics, SQLite would otherwise scan the status index (nearly every
    open case) instead of the deadline range the sweep asks for."""
    return ~Q(status__in=[status for status in Case.Status.values if status not in RUNNING])


# Timeline entries the rules read; the rest (drafts, uploads, claims, downloads…) change nothing.
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


# --- The evaluator -------------------------------------------------------------------------------


def _not_raised(kind: str, subject_type: str, due_column: str | None = None) -> Any:
    raised = Alert.objects.filter(
        rule_kind=kind, subject_type=subject_type, subject_id=Cast(OuterRef("pk"), output_field=CharField())
    )
    if due_column:
        raised = raised.filter(due_at=OuterRef(due_column))
    return ~Exists(raised)


class CaseEvaluator:
    """Applies :data:`RULES` to cases; see the module docstring for how cases are selected."""

    name = "cases"

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        ids |= self._acceptance_backlog(ctx)
        ids |= self._approaching(ctx)
        ids |= self._past(ctx, OVERDUE, "promised_deadline")
        ids |= self._past(ctx, STATUTORY_OVERDUE, "statutory_deadline")
        ids |= self._steps(ctx)
        ids |= self._suspensions(ctx)
        return ids

    @staticmethod
    def _ids(qs: QuerySet[Any], field_name: str = "pk") -> set[int]:
        return set(qs.values_list(field_name, flat=True))

    def _acceptance_backlog(self, ctx: Context) -> set[int]:
        # Cases still waiting to be accepted past the limit are few by nature; no window needed
        # (a supplement restarts the period without changing submitted_at).
        ids: set[int] = set()
        for days, departments in ctx.book.groups(ACCEPTANCE_DELAY):
            q = Q(
                status=Case.Status.SUBMITTED,
                channel=Case.Channel.ONLINE,
                submitted_at__lt=clock.late_if_before(ctx.now, days),
            )
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            ids |= self._ids(Case.objects.filter(q))
        return ids

    def _approaching(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for days, departments in ctx.book.groups(DEADLINE_APPROACHING):
            mark = f"{DEADLINE_APPROACHING}:{days}"
            bound = clock.approaching_bound(ctx.now, days)
            q = running_q() & Q(promised_deadline__gt=ctx.now, promised_deadline__lte=bound)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(promised_deadline__gt=previous)
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            qs = Case.objects.filter(q).exclude(item_version__item_type=ItemVersion.ItemType.INSTANT)
            ids |= self._ids(qs.filter(_not_raised(DEADLINE_APPROACHING, CASE, "promised_deadline")))
            ctx.advance(mark, bound)
        return ids

    def _past(self, ctx: Context, kind: str, column: str) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(kind):
            mark = f"{kind}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = running_q() & Q(**{f"{column}__lt": cutoff})
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(**{f"{column}__gte": previous})
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            ids |= self._ids(Case.objects.filter(q).filter(_not_raised(kind, CASE, column)))
            ctx.advance(mark, cutoff)
        return ids

    def _steps(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(STEP_OVERDUE):
            mark = f"{STEP_OVERDUE}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status__in=OPEN_TASK, due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(due_at__gte=previous)
            if departments is not None:
                q &= Q(candidate_department_id__in=departments)
            qs = Task.objects.filter(q).filter(_not_raised(STEP_OVERDUE, TASK, "due_at"))
            ids |= self._ids(qs, "case_id")
            ctx.advance(mark, cutoff)
        return ids

    def _suspensions(self, ctx: Context) -> set[int]:
        # Running special procedures are few; grouped by their maximum, one cutoff each.
        ids: set[int] = set()
        running = Suspension.objects.filter(ended_at__isnull=True)
        maxima = sorted(set(running.values_list("max_days", flat=True)))
        for grace, departments in ctx.book.groups(SUSPENSION_OVERRUN):
            for max_days in maxima:
                q = Q(max_days=max_days, started_at__lt=clock.late_if_before(ctx.now, max_days + grace))
                if departments is not None:
                    q &= Q(case__lead_department_id__in=departments)
                qs = running.filter(q).filter(_not_raised(SUSPENSION_OVERRUN, SUSPENSION))
                ids |= self._ids(qs, "case_id")
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        qs = CaseEvent.objects.exclude(kind__in=QUIET_KINDS)
        if since is not None:
            qs = qs.filter(occurred_at__gte=since)
        return set(qs.values_list("case_id", flat=True).distinct())

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        for case in load_facts(ids):
            if case.row["case_no"] is None:
                continue  # a draft: nothing filed yet
            for kind, rule in RULES.items():
                config = ctx.book.config(kind, case.department_id)
                if kind != STEP_OVERDUE and not config.enabled:
                    continue
                findings.extend(f for f in rule(ctx, case, config) if f.identity not in case.raised)
        return findings


def by_case(findings: Iterable[Finding]) -> dict[int | None, list[Finding]]:
    grouped: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.case_id].append(finding)
    return grouped
