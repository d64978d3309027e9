"""Writes of ratings (好差评) and their rectifications.

rate ──(good)──▶ done
  └──(bad)──▶ rectification: open ──contact──▶ contacted ──rectify──▶ rectified ──confirm──▶ confirmed
                               │                  │                            └─(not satisfied)─▶ disputed
                               └────appeal────────┴──▶ appealed ──decide──▶ appeal_upheld | back to where it was

Each step is one transaction with a timeline event and an audit event. Creating twice (a retried
request, a double click) returns the first rating: each case and each visit has at most one,
enforced by a unique column, and the loser of a race gets the winner's row.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.identity.models import Department, User
from govhall.ratings import notices
from govhall.ratings.models import BAD_MAX, CounterVisit, Level, Rating, Rectification, RectificationEvent
from govhall.ratings.permissions import WORKING

Status = Rectification.Status
DEFAULT_RECTIFICATION_DAYS = 5
VISIT_RATING_DAYS = 7
MAX_COMMENT = 1000
MAX_TAGS = 8
TAGS_GOOD = ("办事效率高", "服务态度好", "指引清楚", "一次办成", "材料精简")
TAGS_BAD = ("办事效率低", "服务态度差", "多次跑腿", "材料要求不清", "超时未办", "线上系统难用")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def now() -> datetime:
    """The current time; the one place rating services read the clock."""
    return timezone.now()


def rectification_days() -> int:
    value = getattr(settings, "GOVHALL_RECTIFICATION_DAYS", None) or os.environ.get(
        "GOVHALL_RECTIFICATION_DAYS", ""
    )
    try:
        days = int(value) if value else DEFAULT_RECTIFICATION_DAYS
    except ValueError:
        days = DEFAULT_RECTIFICATION_DAYS
    return max(1, days)


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行此操作", "you may not do this", status=403)


def _clean_rating_input(level: int, tags: list[str] | None, comment: str) -> tuple[int, list[str], str]:
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise DomainError(
            "invalid_level", "请选择评价等级", "choose one of the five levels", details={"field": "level"}
        )
    cleaned: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()[:20]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise DomainError("too_many_tags", "评价标签过多", "too many tags", details={"field": "tags"})
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(
            "comment_too_long",
            "评价内容不超过1000字",
            "the comment is too long",
            details={"field": "comment"},
        )
    if level <= BAD_MAX and len(comment) < 5:
        raise DomainError(
            "comment_required",
            "差评请写明不满意的原因（至少5个字），以便部门回访整改",
            "say what went wrong (at least 5 characters) so the department can follow up",
            details={"field": "comment"},
        )
    return level, cleaned, comment


def snapshot(rectification: Rectification) -> dict[str, Any]:
    return {
        "status": rectification.status,
        "due_at": rectification.due_at,
        "contacted_at": rectification.contacted_at,
        "rectified_at": rectification.rectified_at,
        "confirmed_at": rectification.confirmed_at,
        "appealed_at": rectification.appealed_at,
        "appeal_decided_at": rectification.appeal_decided_at,
    }


def _log(
    rectification: Rectification,
    kind: str,
    *,
    actor: Any,
    at: datetime,
    before: dict[str, Any] | None,
    note: str = "",
) -> None:
    RectificationEvent.objects.create(
        rectification=rectification,
        kind=kind,
        at=at,
        actor=actor if isinstance(actor, User) else None,
        note=note,
    )
    record_event(
        actor=actor,
        action=f"ratings.rectification_{kind}",
        obj=rectification,
        before=before,
        after={**snapshot(rectification), "note": note},
    )


def _create_rating(
    *,
    actor: Any,
    source: str,
    department: Department,
    item: ServiceItem | None,
    level: int,
    tags: list[str],
    comment: str,
    case: Case | None = None,
    visit: CounterVisit | None = None,
    at: datetime,
) -> Rating:
    rater = actor if permissions.is_authenticated(actor) else None
    rating = Rating.objects.create(
        source=source,
        case=case,
        visit=visit,
        department=department,
        item=item,
        rater=rater,
        real_name=bool(rater is not None and rater.real_name_level >= User.RealNameLevel.L2),
        level=level,
        tags=tags,
        comment=comment,
        created_at=at,
    )
    record_event(
        actor=actor if rater is not None else "ratings.anonymous",
        action="ratings.rated",
        obj=rating,
        after={
            "source": source,
            "case": case.case_no if case else None,
            "visit": visit.code if visit else None,
            "department": department.pk,
            "level": level,
            "tags": tags,
            "real_name": rating.real_name,
        },
    )
    if rating.is_bad:
        rectification = Rectification.objects.create(
            rating=rating,
            department=department,
            status=Status.OPEN,
            opened_at=at,
            due_at=deadline_for(at, rectification_days()),
        )
        _log(rectification, "opened", actor=actor if rater else "ratings.anonymous", at=at, before=None)
        notices.to_staff(rectification, "ratings.rectification_new")
    return rating


def rate_case(
    *, actor: Any, case: Case, level: int, tags: list[str] | None = None, comment: str = ""
) -> Rating:
    """The applicant rates a completed case, once (一事一评). A repeat returns the first rating."""
    if not permissions.is_authenticated(actor) or case.applicant_id != actor.pk:
        raise _forbidden()
    existing = Rating.objects.filter(case=case).first()
    if existing is not None:
        return existing
    if case.status != Case.Status.COMPLETED:
        raise Conflict("case_not_completed", "办件办结后才能评价", "a case can be rated once it is completed")
    level, tags, comment = _clean_rating_input(level, tags, comment)
    moment = now()
    try:
        with transaction.atomic():
            return _create_rating(
                actor=actor,
                source=Rating.Source.CASE,
                department=case.lead_department,
                item=case.item,
                level=level,
                tags=tags,
                comment=comment,
                case=case,
                at=moment,
            )
    except IntegrityError:
        existing = Rating.objects.filter(case=case).first()
        if existing is not None:
            return existing
        raise


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def record_visit(
    *,
    actor: Any,
    department: Department,
    item: ServiceItem | None = None,
    visitor: User | None = None,
    visitor_name: str = "",
    summary: str = "",
    idempotency_key: str = "",
) -> CounterVisit:
    """A window clerk records a visit; the visitor rates it with the code (一次一评)."""
    if not permissions.is_authenticated(actor) or not (WORKING & permissions.roles_of(actor, department)):
        raise _forbidden()
    if item is not None and item.department_id != department.pk:
        raise DomainError("item_not_of_department", "该事项不属于本部门", "the item is not this department's")
    key = idempotency_key.strip()[:64]
    if key:
        existing = CounterVisit.objects.filter(clerk=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    moment = now()
    for _ in range(5):
        try:
            with transaction.atomic():
                visit = CounterVisit.objects.create(
                    code=_new_code(),
                    department=department,
                    item=item,
                    clerk=actor,
                    visitor=visitor,
                    visitor_name=visitor_name.strip()[:60],
                    summary=summary.strip()[:200],
                    idempotency_key=key,
                    created_at=moment,
                    expires_at=moment + timedelta(days=VISIT_RATING_DAYS),
                )
                record_event(
                    actor=actor,
                    action="ratings.visit_recorded",
                    obj=visit,
                    after={"department": department.pk, "item": item.pk if item else None},
                )
                return visit
        except IntegrityError:
            if key:
                existing = CounterVisit.objects.filter(clerk=actor, idempotency_key=key).first()
                if existing is not None:
                    return existing
    raise Conflict("code_collision", "评价码生成失败，请重试", "could not make a rating code, try again")


def visit_by_code(code: str) -> CounterVisit:
    visit = (
        CounterVisit.objects.select_related("department", "item__current_version")
        .filter(code=code.strip().upper())
        .first()
    )
    if visit is None:
        raise NotFound("visit_not_found", "评价码不存在", "no visit has this code", status=404)
    return visit


def rate_visit(
    *, actor: Any, code: str, level: int, tags: list[str] | None = None, comment: str = ""
) -> Rating:
    """Whoever holds the visit's code rates it once; signed-in raters are on record, others anonymous."""
    visit = visit_by_code(code)
    if visit.visitor_id is not None and (
        not permissions.is_authenticated(actor) or actor.pk != visit.visitor_id
    ):
        raise _forbidden()
    existing = Rating.objects.filter(visit=visit).first()
    if existing is not None:
        return existing
    if now() > visit.expires_at:
        raise Conflict("rating_closed", "该次办事的评价期已过", "the rating period of this visit has ended")
    level, tags, comment = _clean_rating_input(level, tags, comment)
    try:
        with transaction.atomic():
            return _create_rating(
                actor=actor,
                source=Rating.Source.COUNTER,
                department=visit.department,
                item=visit.item,
                level=level,
                tags=tags,
                comment=comment,
                visit=visit,
                at=now(),
            )
    except IntegrityError:
        existing = Rating.objects.filter(visit=visit).first()
        if existing is not None:
            return existing
        raise


# --- Rectification ---------------------------------------------------------------------------------


def _lock(rectification: Rectification, actor: Any, action: str) -> Rectification:
    locked = (
        Rectification.objects.select_for_update()
        .select_related("rating", "department__region")
        .get(pk=rectification.pk)
    )
    if not permissions.can_act(actor, locked, action):
        raise _forbidden()
    return locked


def _required(text: str, field: str, zh: str, en: str) -> str:
    text = text.strip()
    if len(text) < 2:
        raise DomainError(f"{field}_required", zh, en, details={"field": field})
    return text[:4000]


@transaction.atomic
def contact(*, actor: Any, rectification: Rectification, method: str, note: str) -> Rectification:
    """The department has reached the rater (回访) and records what they said."""
    rectification = _lock(rectification, actor, "contact")
    if rectification.status not in (Status.OPEN, Status.CONTACTED):
        raise Conflict("not_open", "该整改已不在回访阶段", "this rectification is past the contact step")
    before = snapshot(rectification)
    moment = now()
    rectification.contact_method = method.strip()[:20] or "电话"
    rectification.contact_note = _required(note, "note", "请填写回访情况", "describe the follow-up call")
    rectification.contacted_at = moment
    rectification.handled_by = actor
    rectification.status = Status.CONTACTED
    rectification.save()
    _log(rectification, "contacted", actor=actor, at=moment, before=before, note=rectification.contact_note)
    notices.to_rater(rectification, "ratings.rater_contacted")
    return rectification


@transaction.atomic
def rectify(*, actor: Any, rectification: Rectification, finding: str, measures: str) -> Rectification:
    """The finding and what was done about it; the rater is asked to confirm."""
    rectification = _lock(rectification, actor, "rectify")
    anonymous = rectification.rating.rater_id is None  # nobody to call back: straight to the finding
    if rectification.status != Status.CONTACTED and not (anonymous and rectification.status == Status.OPEN):
        raise Conflict("contact_first", "请先回访评价人", "contact the rater first")
    before = snapshot(rectification)
    moment = now()
    rectification.finding = _required(finding, "finding", "请填写核实情况", "record the finding")
    rectification.measures = _required(measures, "measures", "请填写整改措施", "record what was done")
    rectification.rectified_at = moment
    rectification.handled_by = actor
    rectification.status = Status.RECTIFIED
    rectification.save()
    _log(rectification, "rectified", actor=actor, at=moment, before=before, note=rectification.measures)
    notices.to_rater(rectification, "ratings.rectified")
    return rectification


@transaction.atomic
def confirm(
    *, actor: Any, rectification: Rectification, satisfied: bool, feedback: str = ""
) -> Rectification:
    """The rater accepts the rectification, or says it did not help (disputed, stays on record)."""
    rectification = _lock(rectification, actor, "confirm")
    if rectification.status != Status.RECTIFIED:
        raise Conflict("not_rectified", "部门尚未提交整改结果", "the department has not reported yet")
    before = snapshot(rectification)
    moment = now()
    rectification.confirmed_at = moment
    rectification.rater_feedback = feedback.strip()[:2000]
    rectification.status = Status.CONFIRMED if satisfied else Status.DISPUTED
    rectification.save()
    _log(
        rectification,
        "confirmed" if satisfied else "disputed",
        actor=actor,
        at=moment,
        before=before,
        note=rectification.rater_feedback,
    )
    return rectification


@transaction.atomic
def appeal(*, actor: Any, rectification: Rectification, reason: str) -> Rectification:
    """The department asks the supervisor to review a rating it holds mistaken (申诉复核)."""
    rectification = _lock(rectification, actor, "appeal")
    if rectification.status not in (Status.OPEN, Status.CONTACTED):
        raise Conflict("appeal_closed", "当前状态不能申诉", "the rating cannot be appealed now")
    if rectification.appealed_at is not None:
        raise Conflict("appeal_once", "每条评价只能申诉一次", "a rating is appealed once")
    before = snapshot(rectification)
    moment = now()
    rectification.appeal_reason = _required(reason, "reason", "请写明申诉理由", "give the grounds")
    rectification.appealed_at = moment
    rectification.status = Status.APPEALED
    rectification.save()
    _log(rectification, "appealed", actor=actor, at=moment, before=before, note=rectification.appeal_reason)
    notices.to_supervisors(rectification, "ratings.appeal_new")
    return rectification


@transaction.atomic
def decide_appeal(*, actor: Any, rectification: Rectification, upheld: bool, opinion: str) -> Rectification:
    """Upheld: the rating leaves the figures and needs no rectification. Rejected: back to work with
    the working days that were left when the appeal was made (the appeal pauses the clock)."""
    rectification = _lock(rectification, actor, "decide_appeal")
    if rectification.status != Status.APPEALED:
        raise Conflict("no_appeal", "没有待复核的申诉", "no appeal is pending")
    before = snapshot(rectification)
    moment = now()
    rectification.appeal_opinion = _required(opinion, "opinion", "请填写复核意见", "give an opinion")
    rectification.appeal_decided_at = moment
    rectification.appeal_decided_by = actor
    if upheld:
        rectification.status = Status.APPEAL_UPHELD
        Rating.objects.filter(pk=rectification.rating_id).update(excluded=True)
    else:
        # The appeal paused the clock: the department gets back the working days it had left.
        assert rectification.appealed_at is not None
        left = working_days_between(
            rectification.appealed_at.astimezone(SHANGHAI).date(),
            rectification.due_at.astimezone(SHANGHAI).date(),
        )
        rectification.due_at = deadline_for(moment, max(1, left))
        rectification.status = Status.CONTACTED if rectification.contacted_at else Status.OPEN
    rectification.save()
    _log(
        rectification,
        "appeal_upheld" if upheld else "appeal_rejected",
        actor=actor,
        at=moment,
        before=before,
        note=rectification.appeal_opinion,
    )
    notices.to_staff(rectification, "ratings.appeal_decided")
    return rectification
