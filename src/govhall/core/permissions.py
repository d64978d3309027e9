"""Who may see or act on what: the one place that decides.

Each model that holds anything private registers its rules here::

    permissions.register(Case, queryset=case_queryset, act=case_act)

- ``queryset(qs, user, action)`` narrows a queryset to what ``user`` may see (``action="view"``) or
  act on; selectors call :func:`restrict`, so a page or API cannot forget the filter.
- ``view(user, obj)`` decides for one object; when absent the queryset rule is asked about that row.
- ``act(user, obj, action)`` decides an action (``"edit"``, ``"manage_staff"``, …) on an object, or on
  the model class for actions without an instance yet (``"create"``).

Anything not registered is denied (fail closed). Anonymous users, inactive users and ``None`` are
denied everything a rule does not explicitly open to the public. Apps register their rules from their
``AppConfig.ready()``; the identity rules live at the bottom of this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from govhall.identity.models import ApiToken, Department, Membership, Region, Role, User

M = TypeVar("M", bound=models.Model)

ViewRule = Callable[[Any, Any], bool]
ActRule = Callable[[Any, Any, str], bool]
QuerysetRule = Callable[[QuerySet[Any], Any, str], QuerySet[Any]]


@dataclass(frozen=True)
class Rules:
    view: ViewRule | None = None
    act: ActRule | None = None
    queryset: QuerysetRule | None = None


_REGISTRY: dict[type[models.Model], Rules] = {}


def register(
    model: type[models.Model],
    *,
    view: ViewRule | None = None,
    act: ActRule | None = None,
    queryset: QuerysetRule | None = None,
) -> None:
    """Register (or replace) the rules for ``model``."""
    _REGISTRY[model._meta.concrete_model or model] = Rules(view=view, act=act, queryset=queryset)


def _model_of(obj: Any) -> type[models.Model] | None:
    model = obj if isinstance(obj, type) else type(obj)
    if not issubclass(model, models.Model):
        return None
    return model._meta.concrete_model or model


def _rules_for(obj: Any) -> Rules | None:
    model = _model_of(obj)
    return None if model is None else _REGISTRY.get(model)


# --- Who the user is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One membership, flattened for permission checks."""

    department_id: int
    role: str
    region_id: int
    region_path: str


_CACHE_ATTR = "_govhall_grants"


def is_authenticated(user: Any) -> bool:
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    )


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's roles in active departments, cached on the user object for the request."""
    if not is_authenticated(user):
        return ()
    cached: tuple[Grant, ...] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = Membership.objects.filter(user_id=user.pk, department__is_active=True).values_list(
            "department_id", "role", "department__region_id", "department__region__path"
        )
        cached = tuple(Grant(dept, role, region_id, path) for dept, role, region_id, path in rows)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    """Drop the cached roles after they changed (services call this after grant/revoke)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _department_id(department: Department | int | None) -> int | None:
    if department is None or isinstance(department, int):
        return department
    return department.pk


def is_platform_admin(user: Any) -> bool:
    if not is_authenticated(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(grant.role == Role.PLATFORM_ADMIN for grant in grants(user))


def roles_of(user: Any, department: Department | int | None = None) -> frozenset[str]:
    """Roles the user holds in ``department`` (or in any department)."""
    dept_id = _department_id(department)
    roles = {g.role for g in grants(user) if dept_id is None or g.department_id == dept_id}
    if is_authenticated(user) and getattr(user, "is_superuser", False):
        roles.add(Role.PLATFORM_ADMIN)
    return frozenset(roles)


def has_role(user: Any, role: str, department: Department | int | None = None) -> bool:
    return role in roles_of(user, department)


def department_ids_with_role(user: Any, role: str) -> frozenset[int]:
    return frozenset(g.department_id for g in grants(user) if g.role == role)


def departments_with_role(user: Any, role: str) -> QuerySet[Department]:
    return Department.objects.filter(id__in=department_ids_with_role(user, role))


def _supervised_paths(user: Any) -> tuple[str, ...]:
    paths = sorted({g.region_path for g in grants(user) if g.role == Role.SUPERVISOR})
    # Drop regions already inside another supervised region so the filters stay short.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(kept)


def supervised_regions(user: Any) -> list[Region]:
    """The regions whose departments the user supervises (each including its subregions)."""
    paths = _supervised_paths(user)
    if not paths:
        return []
    return list(Region.objects.filter(path__in=paths).order_by("code"))


def region_subtree_q(paths: Iterable[str], field: str = "region__path") -> Q:
    """``Q`` matching rows whose ``field`` (a Region path) lies in any of ``paths``; never matches if empty."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def grantable_roles(user: Any, department: Department) -> frozenset[str]:
    """Roles ``user`` may grant or revoke in ``department``."""
    if is_platform_admin(user):
        return frozenset(Role.values)
    if department.is_active and has_role(user, Role.DEPARTMENT_ADMIN, department):
        # Supervision and the platform itself are not a department's to hand out.
        return frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
    return frozenset()


# --- The three questions ------------------------------------------------------------------------


def restrict(queryset: QuerySet[M], user: Any, action: str = "view") -> QuerySet[M]:
    """``queryset`` narrowed to the rows ``user`` may see (or perform ``action`` on)."""
    rules = _REGISTRY.get(queryset.model._meta.concrete_model or queryset.model)
    if rules is None or rules.queryset is None:
        return queryset.none()
    return rules.queryset(queryset, user, action)


def can_view(user: Any, obj: Any) -> bool:
    rules = _rules_for(obj)
    if rules is None or obj is None:
        return False
    if rules.view is not None:
        return bool(rules.view(user, obj))
    if rules.queryset is not None and isinstance(obj, models.Model) and obj.pk is not None:
        return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, "view").exists()
    return False


def can_act(user: Any, obj: Any, action: str) -> bool:
    rules = _rules_for(obj)
    if rules is None or obj is None:
        return False
    if rules.act is not None:
        return bool(rules.act(user, obj, action))
    if rules.queryset is not None and isinstance(obj, models.Model) and obj.pk is not None:
        return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()
    return False


# --- Identity rules -----------------------------------------------------------------------------


def _region_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs  # the division table is public
    return qs if is_platform_admin(user) else qs.none()


def _region_act(user: Any, obj: Any, action: str) -> bool:
    return is_platform_admin(user)


def _department_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if is_platform_admin(user):
        return qs
    if action == "view":
        own = {g.department_id for g in grants(user)}
        return qs.filter(Q(is_active=True) | Q(id__in=own))
    if action in {"edit", "manage_staff"}:
        return qs.filter(id__in=department_ids_with_role(user, Role.DEPARTMENT_ADMIN), is_active=True)
    return qs.none()


def _department_view(user: Any, obj: Department) -> bool:
    if obj.is_active or is_platform_admin(user):
        return True
    return any(g.department_id == obj.pk for g in grants(user))


def _department_act(user: Any, obj: Any, action: str) -> bool:
    if is_platform_admin(user):
        return action in {"create", "edit", "manage_staff", "deactivate"}
    if not isinstance(obj, Department) or not obj.is_active:
        return False
    if action in {"edit", "manage_staff"}:
        return has_role(user, Role.DEPARTMENT_ADMIN, obj)
    return False


def _staff_scope_q(user: Any) -> Q:
    """Staff that ``user`` looks after: own department's (department admin) or region's (supervisor)."""
    q = Q(pk__in=[])
    admin_depts = department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
    if admin_depts:
        q |= Q(memberships__department_id__in=admin_depts)
    q |= region_subtree_q(_supervised_paths(user), "memberships__department__region__path")
    return Q(kind=User.Kind.STAFF) & q


def _user_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not is_authenticated(user):
        return qs.none()
    if is_platform_admin(user):
        return qs
    if action == "view":
        return qs.filter(Q(pk=user.pk) | _staff_scope_q(user)).distinct()
    if action == "edit":
        admin_depts = department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
        managed = Q(kind=User.Kind.STAFF, memberships__department_id__in=admin_depts, is_superuser=False)
        # A subquery, not a join: the platform role may sit in a department the admin does not manage.
        managed &= ~Q(pk__in=Membership.objects.filter(role=Role.PLATFORM_ADMIN).values("user_id"))
        return qs.filter(Q(pk=user.pk) | managed).distinct()
    return qs.none()


def _user_act(user: Any, obj: Any, action: str) -> bool:
    if not is_authenticated(user) or not isinstance(obj, User):
        return False
    if is_platform_admin(user):
        return action in {"edit", "set_real_name_level", "deactivate"}
    if action == "edit":
        return _user_queryset(User.objects.filter(pk=obj.pk), user, "edit").exists()
    if action == "deactivate":
        return obj.pk != user.pk and _user_queryset(User.objects.filter(pk=obj.pk), user, "edit").exists()
    return False


def _membership_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not is_authenticated(user):
        return qs.none()
    if is_platform_admin(user):
        return qs
    admin_depts = department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
    if action == "view":
        q = Q(user_id=user.pk) | Q(department_id__in=admin_depts)
        q |= region_subtree_q(_supervised_paths(user), "department__region__path")
        return qs.filter(q)
    if action == "revoke":
        return qs.filter(
            department_id__in=admin_depts,
            role__in=[Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN],
        )
    return qs.none()


def _membership_act(user: Any, obj: Any, action: str) -> bool:
    if not isinstance(obj, Membership) or action != "revoke":
        return False
    return obj.role in grantable_roles(user, obj.department)


def _token_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not is_authenticated(user):
        return qs.none()
    if is_platform_admin(user):
        return qs
    if action in {"view", "revoke"}:
        return qs.filter(user_id=user.pk)
    return qs.none()


register(Region, act=_region_act, queryset=_region_queryset)
register(Department, view=_department_view, act=_department_act, queryset=_department_queryset)
register(User, act=_user_act, queryset=_user_queryset)
register(Membership, act=_membership_act, queryset=_membership_queryset)
register(ApiToken, queryset=_token_queryset)
