"""Reads of regions, departments, users and roles, already narrowed to what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.core.crypto import lookup_hash
from govhall.core.permissions import restrict
from govhall.identity.models import Department, Membership, Region, User


def visible_users(viewer: Any) -> QuerySet[User]:
    return restrict(User.objects.all(), viewer).order_by("username")


def visible_departments(viewer: Any) -> QuerySet[Department]:
    return restrict(Department.objects.select_related("region"), viewer)


def visible_memberships(viewer: Any) -> QuerySet[Membership]:
    return restrict(Membership.objects.select_related("user", "department"), viewer)


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The user's own roles (for the account page)."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return visible_memberships(user).filter(user_id=user.pk).order_by("department__code", "role")


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def departments_in_region(
    region: Region, *, viewer: Any = None, include_subregions: bool = True
) -> QuerySet[Department]:
    """Departments of ``region`` (and by default its subregions) that ``viewer`` may see."""
    qs = visible_departments(viewer)
    if include_subregions:
        return qs.filter(region__path__startswith=region.path)
    return qs.filter(region=region)


def staff_of_department(viewer: Any, department: Department) -> QuerySet[User]:
    return visible_users(viewer).filter(memberships__department=department).distinct()


def find_user_by_id_number(viewer: Any, id_number: str) -> User | None:
    """Look a person up by ID number through its keyed hash; ``None`` when absent or not visible."""
    return visible_users(viewer).filter(id_number_hash=lookup_hash(id_number)).first()
