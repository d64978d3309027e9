"""Reads for pages and the API, already narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from govhall.core import permissions
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.models import (
    AccessGrant,
    AccessLog,
    ComparisonJob,
    ComparisonResult,
    ContributedUpdate,
    DataElement,
    ImportJob,
    Resource,
)
from govhall.identity.models import Department


def officer_departments(user: Any) -> QuerySet[Department]:
    return Department.objects.filter(id__in=hub_permissions.officer_department_ids(user)).order_by("code")


def catalogue(
    user: Any, *, q: str = "", provider: int | None = None, sharing_type: str = "", dataset: str = ""
) -> QuerySet[Resource]:
    qs = permissions.restrict(Resource.objects.all(), user, "view")
    if q.strip():
        term = q.strip()
        # Element names and labels too: people look for "身份证号码", not for a resource's title.
        matching_elements = DataElement.objects.filter(Q(label__icontains=term) | Q(name__icontains=term))
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(code__icontains=term)
            | Q(summary__icontains=term)
            | Q(provider__name__icontains=term)
            | Q(pk__in=matching_elements.values("resource_id"))
        )
    if provider:
        qs = qs.filter(provider_id=provider)
    if sharing_type:
        qs = qs.filter(sharing_type=sharing_type)
    if dataset:
        qs = qs.filter(dataset=dataset)
    return (
        qs.select_related("provider")
        .prefetch_related(Prefetch("elements", queryset=DataElement.objects.order_by("position", "id")))
        .order_by("code")
    )


def resource(user: Any, code: str) -> Resource | None:
    return catalogue(user).filter(code=code.upper()).first()


def catalogue_providers(user: Any) -> QuerySet[Department]:
    visible = permissions.restrict(Resource.objects.all(), user, "view")
    return Department.objects.filter(pk__in=visible.values("provider_id")).order_by("code")


@dataclass
class GrantLists:
    outgoing: list[AccessGrant] = field(default_factory=list)  # my departments applied
    incoming: list[AccessGrant] = field(default_factory=list)  # applied for my departments' resources
    supervised: list[AccessGrant] = field(default_factory=list)


def grants(user: Any) -> GrantLists:
    departments = hub_permissions.officer_department_ids(user)
    visible = (
        permissions.restrict(AccessGrant.objects.all(), user, "view")
        .select_related("resource__provider", "consumer", "applicant", "decided_by")
        .order_by("-created_at", "-id")
    )
    lists = GrantLists()
    for grant in visible[:500]:
        if grant.consumer_id in departments:
            lists.outgoing.append(grant)
        elif grant.resource.provider_id in departments:
            lists.incoming.append(grant)
        else:
            lists.supervised.append(grant)
    return lists


def grant(user: Any, pk: int) -> AccessGrant | None:
    return (
        permissions.restrict(AccessGrant.objects.all(), user, "view")
        .select_related("resource__provider", "consumer", "applicant", "decided_by")
        .filter(pk=pk)
        .first()
    )


def access_log(user: Any, *, resource_code: str = "", consumer: int | None = None) -> QuerySet[AccessLog]:
    qs = permissions.restrict(AccessLog.objects.all(), user, "view")
    if resource_code:
        qs = qs.filter(resource__code=resource_code.upper())
    if consumer:
        qs = qs.filter(consumer_id=consumer)
    return qs.select_related("resource", "consumer", "user", "credential").order_by("-at", "-id")


def contributions(
    user: Any, *, status: str = ContributedUpdate.Status.PENDING
) -> QuerySet[ContributedUpdate]:
    qs = permissions.restrict(ContributedUpdate.objects.all(), user, "view")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("contributor_department", "source_department", "contributed_by")


@dataclass(frozen=True)
class Conflict:
    """Pending proposals for one field of one record that differ from the source's value."""

    dataset: str
    record_key: str
    record_label: str
    field: str
    current: str
    proposals: list[ContributedUpdate]

    @property
    def distinct_values(self) -> int:
        return len({p.proposed_hash for p in self.proposals})


def conflicts(user: Any, *, limit: int = 200) -> list[Conflict]:
    """Fields where another department disagrees with the source, one entry per record and field."""
    pending = contributions(user).order_by("dataset", "record_key", "field", "created_at")
    groups: dict[tuple[str, str, str], list[ContributedUpdate]] = {}
    for contribution in pending[: limit * 10]:
        groups.setdefault((contribution.dataset, contribution.record_key, contribution.field), []).append(
            contribution
        )
    found = [
        Conflict(
            dataset=dataset,
            record_key=key,
            record_label=items[0].record_label,
            field=name,
            current=items[-1].current_display,
            proposals=items,
        )
        for (dataset, key, name), items in groups.items()
    ]
    return found[:limit]


def import_jobs(user: Any) -> QuerySet[ImportJob]:
    return (
        permissions.restrict(ImportJob.objects.all(), user, "view")
        .select_related("department", "resource", "created_by")
        .order_by("-created_at", "-id")
    )


def import_job(user: Any, pk: int) -> ImportJob | None:
    return import_jobs(user).filter(pk=pk).first()


def comparison_jobs(user: Any) -> QuerySet[ComparisonJob]:
    return (
        permissions.restrict(ComparisonJob.objects.all(), user, "view")
        .select_related("department", "resource_a", "resource_b", "assigned_department")
        .order_by("-created_at", "-id")
    )


def comparison_job(user: Any, pk: int) -> ComparisonJob | None:
    return comparison_jobs(user).filter(pk=pk).first()


def comparison_results(job: ComparisonJob, *, follow_up: str = "") -> QuerySet[ComparisonResult]:
    qs = job.results.all()
    if follow_up:
        qs = qs.filter(follow_up=follow_up)
    return qs.order_by("id")


def follow_up_counts(job: ComparisonJob) -> dict[str, int]:
    rows = job.results.values("follow_up").annotate(n=Count("id"))
    return {row["follow_up"]: row["n"] for row in rows}
