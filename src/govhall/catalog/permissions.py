"""Catalogue rules for :mod:`govhall.core.permissions` (registered from CatalogConfig.ready).

- Everyone, signed in or not, sees items that have a published version and published versions.
- A department admin sees and maintains every item and version of their own departments.
- A platform admin sees and maintains all of them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.core import permissions
from govhall.identity.models import Department, Role

MAINTAIN_ACTIONS = frozenset({"edit", "submit", "publish", "withdraw", "create"})


def maintained_department_ids(user: Any) -> frozenset[int]:
    return permissions.department_ids_with_role(user, Role.DEPARTMENT_ADMIN)


def can_maintain_department(user: Any, department: Department | int) -> bool:
    if permissions.is_platform_admin(user):
        return True
    department_id = department if isinstance(department, int) else department.pk
    return department_id in maintained_department_ids(user)


def _item_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if permissions.is_platform_admin(user):
        return qs
    own = maintained_department_ids(user)
    if action == "view":
        return qs.filter(Q(current_version__isnull=False) | Q(department_id__in=own))
    if action in MAINTAIN_ACTIONS:
        return qs.filter(department_id__in=own)
    return qs.none()


def _item_act(user: Any, obj: Any, action: str) -> bool:
    if action not in MAINTAIN_ACTIONS:
        return False
    if isinstance(obj, type):
        return permissions.is_platform_admin(user) or bool(maintained_department_ids(user))
    return isinstance(obj, ServiceItem) and can_maintain_department(user, obj.department_id)


def _item_view(user: Any, obj: ServiceItem) -> bool:
    return obj.current_version_id is not None or can_maintain_department(user, obj.department_id)


def _version_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if permissions.is_platform_admin(user):
        return qs
    own = maintained_department_ids(user)
    if action == "view":
        return qs.filter(Q(status=ItemVersion.Status.PUBLISHED) | Q(item__department_id__in=own))
    if action in MAINTAIN_ACTIONS:
        return qs.filter(item__department_id__in=own)
    return qs.none()


def _version_view(user: Any, obj: ItemVersion) -> bool:
    if obj.status == ItemVersion.Status.PUBLISHED:
        return True
    return can_maintain_department(user, obj.item.department_id)


def _version_act(user: Any, obj: Any, action: str) -> bool:
    if action not in MAINTAIN_ACTIONS or not isinstance(obj, ItemVersion):
        return False
    return can_maintain_department(user, obj.item.department_id)


def register() -> None:
    permissions.register(ServiceItem, view=_item_view, act=_item_act, queryset=_item_queryset)
    permissions.register(ItemVersion, view=_version_view, act=_version_act, queryset=_version_queryset)
