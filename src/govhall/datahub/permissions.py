"""Who may see and act on data hub objects (registered with core.permissions from the app config).

Data officers: a department's data work is done by its data officers — the staff appointed as such
(:class:`~govhall.datahub.models.DataOfficer`) and the department's admins, who need no
appointment. Supervisors read the exchange (grants, access log) of the departments in their
regions; platform admins read everything. Base databases are read directly only by the officers of
a department that is a source of some field of that base; everyone else goes through a grant.
Citizens and enterprises see the catalogue's open resources and nothing else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.datahub.models import (
    BASE_MODELS,
    AccessGrant,
    AccessLog,
    ComparisonJob,
    ContributedUpdate,
    DataOfficer,
    Dataset,
    FieldSource,
    ImportJob,
    Resource,
)
from govhall.identity.models import Role, User

_CACHE_ATTR = "_govhall_data_officer_of"


def is_staff(user: Any) -> bool:
    return permissions.is_authenticated(user) and getattr(user, "kind", "") == User.Kind.STAFF


def officer_department_ids(user: Any) -> frozenset[int]:
    """Departments ``user`` does data work for (cached on the user object for the request)."""
    if not is_staff(user):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        admin_of = permissions.department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
        appointed = DataOfficer.objects.filter(user_id=user.pk, department__is_active=True).values_list(
            "department_id", flat=True
        )
        cached = frozenset(admin_of) | frozenset(appointed)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_officer_of(user: Any, department_id: int | None) -> bool:
    return department_id is not None and department_id in officer_department_ids(user)


def supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def source_datasets(user: Any) -> frozenset[str]:
    """Base databases ``user`` reads directly: those where one of their departments is a source."""
    if permissions.is_platform_admin(user):
        return frozenset(Dataset.values)
    departments = officer_department_ids(user)
    if not departments:
        return frozenset()
    found = set(
        FieldSource.objects.filter(department_id__in=departments).values_list("dataset", flat=True).distinct()
    )
    # Credit rows are owned row by row: every data officer reads the credit base.
    found.add(Dataset.CREDIT)
    return frozenset(found)


# --- Resources -------------------------------------------------------------------------------


def _resource_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        if is_staff(user):
            return qs.filter(Q(is_active=True) | Q(provider_id__in=officer_department_ids(user)))
        return qs.filter(is_active=True, open_type=Resource.OpenType.OPEN)
    if action == "edit":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(provider_id__in=officer_department_ids(user))
    return qs.none()


def _resource_act(user: Any, obj: Any, action: str) -> bool:
    if action == "create":
        return bool(officer_department_ids(user))
    if not isinstance(obj, Resource):
        return False
    if action == "edit":
        return permissions.is_platform_admin(user) or is_officer_of(user, obj.provider_id)
    if action == "apply":
        others = officer_department_ids(user) - {obj.provider_id}
        return bool(others) and obj.is_active and obj.sharing_type != Resource.SharingType.NOT_SHARED
    return False


# --- Grants and the access log ---------------------------------------------------------------


def _exchange_q(user: Any, provider_field: str, consumer_field: str) -> Q:
    departments = officer_department_ids(user)
    q = Q(**{f"{provider_field}__in": departments}) | Q(**{f"{consumer_field}__in": departments})
    q |= permissions.region_subtree_q(
        supervised_paths(user), f"{provider_field.removesuffix('_id')}__region__path"
    )
    return q


def _grant_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not is_staff(user) and not permissions.is_platform_admin(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(_exchange_q(user, "resource__provider_id", "consumer_id"))
    if action == "decide":
        return qs.filter(resource__provider_id__in=officer_department_ids(user))
    if action == "use":
        return qs.filter(consumer_id__in=officer_department_ids(user))
    return qs.none()


def _grant_act(user: Any, obj: Any, action: str) -> bool:
    if not isinstance(obj, AccessGrant):
        return False
    if action in {"decide", "revoke"}:
        return is_officer_of(user, obj.resource.provider_id)
    if action == "use":
        return is_officer_of(user, obj.consumer_id)
    return False


def _log_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view" or not (is_staff(user) or permissions.is_platform_admin(user)):
        return qs.none()
    if permissions.is_platform_admin(user):
        return qs
    return qs.filter(_exchange_q(user, "resource__provider_id", "consumer_id"))


# --- Base databases, contributions, jobs ------------------------------------------------------


def _base_queryset_for(dataset: str) -> Any:
    def rule(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if action == "view" and dataset in source_datasets(user):
            return qs
        return qs.none()

    return rule


def _contribution_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if permissions.is_platform_admin(user) and action == "view":
        return qs
    departments = officer_department_ids(user)
    if action == "view":
        return qs.filter(
            Q(source_department_id__in=departments) | Q(contributor_department_id__in=departments)
        )
    if action == "decide":
        return qs.filter(source_department_id__in=departments, status=ContributedUpdate.Status.PENDING)
    return qs.none()


def _contribution_act(user: Any, obj: Any, action: str) -> bool:
    return (
        isinstance(obj, ContributedUpdate)
        and action == "decide"
        and obj.status == ContributedUpdate.Status.PENDING
        and is_officer_of(user, obj.source_department_id)
    )


def _import_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view":
        return qs.none()
    if permissions.is_platform_admin(user):
        return qs
    return qs.filter(department_id__in=officer_department_ids(user))


def _comparison_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    departments = officer_department_ids(user)
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(Q(department_id__in=departments) | Q(assigned_department_id__in=departments))
    if action == "assign":
        return qs.filter(department_id__in=departments)
    if action == "follow_up":
        return qs.filter(Q(assigned_department_id__in=departments) | Q(department_id__in=departments))
    return qs.none()


def _officer_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if permissions.is_platform_admin(user):
        return qs
    admin_of = permissions.department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
    if action == "view":
        return qs.filter(Q(department_id__in=admin_of) | Q(user_id=getattr(user, "pk", None)))
    if action == "revoke":
        return qs.filter(department_id__in=admin_of)
    return qs.none()


def register() -> None:
    permissions.register(Resource, act=_resource_act, queryset=_resource_queryset)
    permissions.register(AccessGrant, act=_grant_act, queryset=_grant_queryset)
    permissions.register(AccessLog, queryset=_log_queryset)
    for dataset, model in BASE_MODELS.items():
        permissions.register(model, queryset=_base_queryset_for(dataset))
    permissions.register(ContributedUpdate, act=_contribution_act, queryset=_contribution_queryset)
    permissions.register(ImportJob, queryset=_import_queryset)
    permissions.register(ComparisonJob, queryset=_comparison_queryset)
    permissions.register(DataOfficer, queryset=_officer_queryset)
