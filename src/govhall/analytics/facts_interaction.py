"""Facts of the interaction and office apps: ratings (好差评), mailbox letters and official documents.

Registered only when their apps are installed (``requires``), in the same few lines any app uses.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from govhall.analytics.facts import Column, Fact, register


def _ratings() -> Fact:
    from govhall.ratings.models import Rating

    return Fact(
        name="ratings",
        title="服务评价",
        requires=("ratings",),
        queryset=lambda: Rating.objects.all(),
        # An upheld appeal takes a rating out of the figures by a bulk update; its decision time says so.
        watermarks=("created_at", "rectification__appeal_decided_at"),
        columns=(
            Column("id", "id", "BIGINT"),
            Column("source", "source"),
            Column("case_id", "case_id", "BIGINT"),
            Column("department_id", "department_id", "BIGINT"),
            Column("department_name", "department__short_name"),
            Column("region_path", "department__region__path"),
            Column("item_id", "item_id", "BIGINT"),
            Column("level", "level", "INTEGER"),
            Column("excluded", "excluded", "BOOLEAN"),
            Column("rated_at", "created_at", "TIMESTAMP"),
        ),
    )


def _letters() -> Fact:
    from govhall.mailbox.models import Letter, LetterEvent

    newest_event = Subquery(
        LetterEvent.objects.filter(letter=OuterRef("pk"))
        .order_by()
        .values("letter")
        .annotate(newest=Max("at"))
        .values("newest")[:1]
    )
    return Fact(
        name="letters",
        title="信箱来信",
        requires=("mailbox",),
        queryset=lambda: Letter.objects.all(),
        watermarks=("submitted_at", newest_event),
        columns=(
            Column("id", "id", "BIGINT"),
            Column("mailbox_kind", "mailbox__kind"),
            Column("category", "category"),
            Column("status", "status"),
            # The department answering: the one it was assigned to, else the mailbox's office.
            Column("department_id", Coalesce("handling_department_id", "mailbox__department_id"), "BIGINT"),
            Column(
                "region_path",
                Coalesce("handling_department__region__path", "mailbox__department__region__path"),
            ),
            Column("submitted_at", "submitted_at", "TIMESTAMP"),
            Column("due_at", "due_at", "TIMESTAMP"),
            Column("replied_at", "replied_at", "TIMESTAMP"),
            Column("replied_late", "replied_late", "BOOLEAN"),
            Column("published_at", "published_at", "TIMESTAMP"),
        ),
    )


def _documents() -> Fact:
    from govhall.documents.models import Document

    return Fact(
        name="documents",
        title="公文",
        requires=("documents",),
        queryset=lambda: Document.objects.all(),
        watermarks=("updated_at",),
        columns=(
            Column("id", "id", "BIGINT"),
            Column("department_id", "department_id", "BIGINT"),
            Column("region_path", "department__region__path"),
            Column("kind", "kind"),
            Column("status", "status"),
            Column("urgency", "urgency"),
            Column("created_at", "created_at", "TIMESTAMP"),
            Column("signed_at", "signed_at", "TIMESTAMP"),
            Column("sent_at", "sent_at", "TIMESTAMP"),
        ),
    )


def _distributions() -> Fact:
    from govhall.documents.models import Distribution

    return Fact(
        name="document_distributions",
        title="公文分发签收",
        requires=("documents",),
        queryset=lambda: Distribution.objects.all(),
        watermarks=("changed_at",),
        columns=(
            Column("id", "id", "BIGINT"),
            Column("document_id", "document_id", "BIGINT"),
            Column("sender_id", "document__department_id", "BIGINT"),
            Column("department_id", "unit_id", "BIGINT"),
            Column("region_path", "unit__region__path"),
            Column("status", "status"),
            Column("delivered_at", "delivered_at", "TIMESTAMP"),
            Column("sign_due_at", "sign_due_at", "TIMESTAMP"),
            Column("signed_at", "signed_at", "TIMESTAMP"),
        ),
    )


def register_interaction_facts() -> None:
    if apps.is_installed("govhall.ratings"):
        register(_ratings())
    if apps.is_installed("govhall.mailbox"):
        register(_letters())
    if apps.is_installed("govhall.documents"):
        register(_documents())
        register(_distributions())
