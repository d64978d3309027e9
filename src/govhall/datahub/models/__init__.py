"""Data hub models: base databases, resource catalogue and exchange, import and comparison jobs."""

from govhall.datahub.models.base import (
    BASE_MODELS,
    BaseRecord,
    ContributedUpdate,
    CreditRecord,
    DataOfficer,
    Dataset,
    FieldSource,
    LegalPersonRecord,
    MacroFigure,
    PersonRecord,
    SpatialAddress,
)
from govhall.datahub.models.exchange import (
    AccessCredential,
    AccessGrant,
    AccessLog,
    DataElement,
    ElementType,
    Resource,
    ResourceRecord,
)
from govhall.datahub.models.jobs import ComparisonJob, ComparisonResult, ImportJob
from govhall.datahub.models.subscriptions import ChangeNotice, Subscription

__all__ = [
    "BASE_MODELS",
    "AccessCredential",
    "AccessGrant",
    "AccessLog",
    "BaseRecord",
    "ChangeNotice",
    "ComparisonJob",
    "ComparisonResult",
    "ContributedUpdate",
    "CreditRecord",
    "DataElement",
    "DataOfficer",
    "Dataset",
    "ElementType",
    "FieldSource",
    "ImportJob",
    "LegalPersonRecord",
    "MacroFigure",
    "PersonRecord",
    "Resource",
    "ResourceRecord",
    "SpatialAddress",
    "Subscription",
]
