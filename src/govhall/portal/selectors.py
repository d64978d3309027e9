"""Reads for the public pages; everything here is public information."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from govhall.identity.models import Department, Region, User


@dataclass(frozen=True)
class PlatformFigures:
    departments: int
    counties: int
    citizens: int
    enterprises: int


def platform_figures() -> PlatformFigures:
    """Live counts for the home page: active departments, county-level regions, registered users."""
    people = User.objects.filter(is_active=True).aggregate(
        citizens=Count("pk", filter=Q(kind=User.Kind.CITIZEN)),
        enterprises=Count("pk", filter=Q(kind=User.Kind.ENTERPRISE)),
    )
    return PlatformFigures(
        departments=Department.objects.filter(is_active=True).count(),
        counties=Region.objects.filter(level=Region.Level.COUNTY).count(),
        citizens=people["citizens"],
        enterprises=people["enterprises"],
    )
