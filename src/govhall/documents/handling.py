"""A receiving unit's internal handling of a signed-for document, and filing to the archive.

拟办 (the office proposes how to handle it) → 批办 (a leader instructs) → 承办 (the handling staff
act) → 传阅 (circulated for reading, optional) → 办结 (closed). Each step is a ``HandlingStep``
row with its opinion, one audit event, and moves the copy's stage; a step out of order is
refused. Filing (归档) gives the document an archive number in the unit's series of the year and
a retention period (永久 / 30年 / 10年); the issuer files its own sent documents the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError
from govhall.documents import numbering
from govhall.documents.models import ArchiveRecord, Distribution, Document, DocumentSeal, HandlingStep
from govhall.documents.permissions import WORKING, may_act_in
from govhall.documents.services import forbidden
from govhall.identity.models import Department

Stage = Distribution.Stage
# stage → (action in permissions, stages it may follow)
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    Stage.PROPOSED: ("propose", (Stage.NONE,)),
    Stage.INSTRUCTED: ("instruct", (Stage.NONE, Stage.PROPOSED)),
    Stage.HANDLING: ("handle", (Stage.INSTRUCTED,)),
    Stage.CIRCULATING: ("circulate", (Stage.INSTRUCTED, Stage.HANDLING, Stage.CIRCULATING)),
    Stage.DONE: ("finish", (Stage.HANDLING, Stage.CIRCULATING)),
}


def next_stages(copy: Distribution) -> list[str]:
    if copy.status != Distribution.Status.SIGNED:
        return []
    return [stage for stage, (_, after) in STEPS.items() if copy.stage in after]


@transaction.atomic
def advance(
    *,
    actor: Any,
    copy: Distribution,
    stage: str,
    opinion: str = "",
    assignees: Iterable[Any] = (),
    at: datetime | None = None,
) -> HandlingStep:
    copy = Distribution.objects.select_for_update().select_related("document").get(pk=copy.pk)
    if stage not in STEPS:
        raise DomainError("unknown_stage", "办理环节无效", "unknown handling stage", status=422)
    action, after = STEPS[stage]
    if not permissions.can_act(actor, copy, action):
        raise forbidden()
    if copy.status != Distribution.Status.SIGNED:
        raise Conflict("not_signed_for", "请先签收再办理", "sign for the document first", status=409)
    if copy.stage not in after:
        raise Conflict(
            "stage_order",
            f"当前环节为“{copy.get_stage_display()}”，不能进入“{Stage(stage).label}”",
            f"cannot move from {copy.stage or 'none'} to {stage}",
            status=409,
        )
    if stage in (Stage.PROPOSED, Stage.INSTRUCTED) and not opinion.strip():
        raise DomainError("opinion_required", "请填写意见", "an opinion is required", status=422)
    people = [p for p in assignees if may_act_in(p, copy.unit_id, WORKING)]
    now = at or timezone.now()
    step = HandlingStep.objects.create(
        distribution=copy, stage=stage, opinion=opinion.strip(), actor=actor, at=now
    )
    if people:
        step.assignees.set(people)
    before = copy.stage
    copy.stage, copy.changed_at = stage, now
    copy.save(update_fields=["stage", "changed_at"])
    record_event(
        actor=actor,
        action=f"documents.handling_{stage}",
        obj=copy,
        before={"stage": before},
        after={"stage": stage, "opinion": step.opinion, "assignees": [p.pk for p in people]},
    )
    return step


@transaction.atomic
def file_to_archive(
    *, actor: Any, document: Document, unit: Department, retention: str, at: datetime | None = None
) -> ArchiveRecord:
    """File the document in ``unit``'s electronic archive: a received copy once handled (办结),
    or the issuer's own document once sent."""
    if retention not in ArchiveRecord.Retention.values:
        raise DomainError("invalid_retention", "保管期限无效", "unknown retention period", status=422)
    document = Document.objects.get(pk=document.pk)
    if unit.pk == document.department_id:
        if not may_act_in(actor, unit.pk, WORKING):
            raise forbidden()
        if document.status != Document.Status.SENT:
            raise Conflict("not_sent", "公文分发后才能归档", "file a document once it is sent", status=409)
    else:
        copy = Distribution.objects.filter(document=document, unit=unit).select_related("document").first()
        if copy is None or not permissions.can_act(actor, copy, "archive"):
            raise forbidden()
        if copy.stage != Stage.DONE:
            raise Conflict(
                "not_done", "收文办结后才能归档", "file a received document once closed", status=409
            )
    if ArchiveRecord.objects.filter(document=document, unit=unit).exists():
        raise Conflict("already_filed", "该公文已归档", "already filed", status=409)
    now = at or timezone.now()
    year = now.astimezone(SHANGHAI).year
    sequence = numbering.next_sequence(unit, numbering.ARCHIVE_SERIES, year)
    seal = DocumentSeal.objects.filter(document=document).first()
    record = ArchiveRecord.objects.create(
        document=document,
        unit=unit,
        archive_number=numbering.format_archive_number(
            unit_code=unit.code, year=year, retention=retention, sequence=sequence
        ),
        retention=retention,
        filed_by=actor,
        filed_at=now,
        digest_sm3=seal.digest_sm3 if seal else "",
    )
    record_event(
        actor=actor,
        action="documents.archived",
        obj=record,
        after={
            "document": document.pk,
            "unit": unit.pk,
            "archive_number": record.archive_number,
            "retention": retention,
        },
    )
    return record
