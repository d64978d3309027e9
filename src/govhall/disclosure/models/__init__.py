from govhall.disclosure.models.lists import (
    EntryStatus,
    NegativeListEntry,
    PenaltyDecision,
    Responsibility,
    SpecialFund,
)
from govhall.disclosure.models.publications import (
    Category,
    ConfidentialityReview,
    DisclosureGuide,
    NumberCounter,
    Publication,
    SearchTerm,
    Topic,
)
from govhall.disclosure.models.requests import InformationRequest, ReplyFile, RequestEvent

__all__ = [
    "Category",
    "ConfidentialityReview",
    "DisclosureGuide",
    "EntryStatus",
    "InformationRequest",
    "NegativeListEntry",
    "NumberCounter",
    "PenaltyDecision",
    "Publication",
    "ReplyFile",
    "RequestEvent",
    "Responsibility",
    "SearchTerm",
    "SpecialFund",
    "Topic",
]
