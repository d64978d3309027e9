"""What of each public record goes into the search index (see :mod:`govhall.disclosure.search`)."""

from __future__ import annotations

from govhall.disclosure import search
from govhall.disclosure.models import (
    NegativeListEntry,
    PenaltyDecision,
    Publication,
    Responsibility,
    SearchTerm,
    SpecialFund,
)
from govhall.disclosure.search import Field

Kind = SearchTerm.Kind


def index_publication(publication: Publication) -> int:
    if publication.status not in {Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN}:
        search.unindex(Kind.PUBLICATION, publication.pk)
        return 0
    fields = [
        Field(publication.title, search.TITLE, whole=search.WHOLE_TITLE, by_bigrams=True),
        Field(publication.document_number, search.KEYWORD, whole=search.WHOLE_CODE),
        Field(publication.index_number or "", 0, whole=search.WHOLE_CODE),
        Field(publication.issuing_body, search.ISSUER, whole=search.ISSUER),
    ]
    # A withdrawn item stays findable by its title and numbers; its content left public view.
    if publication.status == Publication.Status.PUBLISHED:
        fields += [
            Field(publication.keywords, search.KEYWORD),
            Field(publication.summary, search.SUMMARY),
            Field(publication.body, search.BODY),
        ]
    return search.reindex(Kind.PUBLICATION, publication.pk, fields)


def index_responsibility(entry: Responsibility) -> int:
    if entry.status != "published":
        search.unindex(Kind.RESPONSIBILITY, entry.pk)
        return 0
    item_names = [item.current_version.name for item in entry.related_items.all() if item.current_version]
    fields = [
        Field(entry.duty, search.TITLE, whole=search.WHOLE_TITLE, by_bigrams=True),
        Field(entry.department.name, search.ISSUER, whole=search.ISSUER),
        Field(entry.tasks, search.SUMMARY),
        Field(entry.accountability, search.BODY),
        Field(entry.cooperation, search.BODY),
        *(Field(name, search.KEYWORD, whole=search.KEYWORD) for name in item_names),
    ]
    return search.reindex(Kind.RESPONSIBILITY, entry.pk, fields)


def index_negative(entry: NegativeListEntry) -> int:
    if entry.status != "published":
        search.unindex(Kind.NEGATIVE, entry.pk)
        return 0
    fields = [
        Field(entry.name, search.TITLE, whole=search.WHOLE_TITLE, by_bigrams=True),
        Field(entry.industry, search.KEYWORD, whole=search.KEYWORD),
        Field(entry.measures, search.SUMMARY),
        Field(entry.basis, search.BODY),
    ]
    return search.reindex(Kind.NEGATIVE, entry.pk, fields)


def index_fund(fund: SpecialFund) -> int:
    if fund.status != "published":
        search.unindex(Kind.FUND, fund.pk)
        return 0
    fields = [
        Field(fund.name, search.TITLE, whole=search.WHOLE_TITLE, by_bigrams=True),
        Field(fund.department.name, search.ISSUER, whole=search.ISSUER),
        Field(fund.purpose, search.SUMMARY),
        Field(fund.recipients_summary, search.SUMMARY),
        Field(fund.allocation, search.BODY),
    ]
    return search.reindex(Kind.FUND, fund.pk, fields)


def index_penalty(decision: PenaltyDecision) -> int:
    if decision.status != PenaltyDecision.Status.PUBLISHED:
        search.unindex(Kind.PENALTY, decision.pk)
        return 0
    # Only the party as published: a natural person's real name must not find the record.
    fields = [
        Field(decision.party_public_name, search.TITLE, whole=search.WHOLE_TITLE),
        Field(decision.decision_number, 0, whole=search.WHOLE_CODE),
        Field(decision.party_code, 0, whole=search.WHOLE_CODE),
        Field(decision.violation, search.KEYWORD),
        Field(decision.penalty, search.SUMMARY),
        Field(decision.basis, search.BODY),
    ]
    return search.reindex(Kind.PENALTY, decision.pk, fields)
