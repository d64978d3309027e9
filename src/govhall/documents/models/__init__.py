from govhall.documents.models.documents import (
    Attachment,
    Countersign,
    Document,
    DocumentSeal,
    DocumentTemplate,
    Kind,
    NumberCounter,
    Secrecy,
    Urgency,
)
from govhall.documents.models.exchange import (
    ArchiveRecord,
    Distribution,
    ExchangeUnit,
    HandlingStep,
    UnitGroup,
)

__all__ = [
    "ArchiveRecord",
    "Attachment",
    "Countersign",
    "Distribution",
    "Document",
    "DocumentSeal",
    "DocumentTemplate",
    "ExchangeUnit",
    "HandlingStep",
    "Kind",
    "NumberCounter",
    "Secrecy",
    "UnitGroup",
    "Urgency",
]
