"""Reads of the licence library, already narrowed to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.licences import identifiers
from govhall.licences.models import Licence, LicenceType, LicenceVersion
from govhall.licences.permissions import holder_q
from govhall.licences.services import today

USABLE = (Licence.Status.VALID,)


def _base() -> QuerySet[Licence]:
    return Licence.objects.select_related("licence_type", "issuer", "current_version")


def visible_licences(user: Any) -> QuerySet[Licence]:
    return permissions.restrict(_base(), user, "view")


def my_licences(user: Any) -> QuerySet[Licence]:
    """The licences ``user`` holds (issued to the account or to its ID number / credit code)."""
    if not permissions.is_authenticated(user):
        return Licence.objects.none()
    return _base().filter(holder_q(user)).order_by("-created_at", "-id")


def types_satisfying(licence_type_name: str) -> list[LicenceType]:
    name = (licence_type_name or "").strip().strip("《》")
    if not name:
        return []
    # material_names is a short JSON list; read the small type table rather than rely on JSON lookups
    # that SQLite lacks.
    return [t for t in LicenceType.objects.filter(is_active=True) if name in t.satisfied_names]


def is_usable(licence: Licence) -> bool:
    return licence.status in USABLE and (licence.valid_until is None or licence.valid_until >= today())


def usable_licences_for(user: Any, licence_type_name: str) -> list[Licence]:
    """``user``'s valid licences that can stand in for a material naming ``licence_type_name``."""
    types = types_satisfying(licence_type_name)
    if not types:
        return []
    rows = my_licences(user).filter(licence_type__in=types, status__in=USABLE)
    rows = rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today()))
    return list(rows)


def version_by_identifier(identifier: str) -> LicenceVersion | None:
    """The version with this identifier (any version, not only the current one); raises 422 on a
    malformed identifier."""
    parsed = identifiers.parse(identifier)
    return (
        LicenceVersion.objects.select_related(
            "licence", "licence__licence_type", "licence__issuer", "licence__current_version"
        )
        .filter(identifier=str(parsed))
        .first()
    )


def get_licence(user: Any, identifier: str) -> Licence:
    """The licence one of whose versions has ``identifier``, if ``user`` may see it; 404 otherwise."""
    version = version_by_identifier(identifier)
    if version is None or not permissions.can_view(user, version.licence):
        raise NotFound("licence_not_found", "证照不存在", "no such licence", status=404)
    return version.licence


def events(licence: Licence) -> QuerySet[Any]:
    return licence.events.select_related("version").order_by("occurred_at", "id")
