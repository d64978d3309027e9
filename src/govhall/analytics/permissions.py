"""Who sees which figures (registered with core.permissions from the app config).

- platform admins see the whole platform;
- leaders of a region see the departments of their region and its subregions: supervisors
  (监察人员) hold their region through their supervision department's region, exactly as the
  supervision board finds it;
- department heads (部门管理员) see their own department;
- window clerks, reviewers, approvers, citizens and enterprises see no dashboard.

Every dashboard query filters the warehouse rows with :class:`Scope` (department id or region path),
so a figure cannot leak what its reader may not see. Macro-economic figures of the data hub are
statistics for every leader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from govhall.analytics.models import WarehouseRun
from govhall.core import permissions
from govhall.identity.models import Department, Region, Role


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    department_ids: tuple[int, ...] = ()
    label: str = ""

    def where(self, department: str = "department_id", path: str = "region_path") -> tuple[str, list[Any]]:
        """A SQL condition (DuckDB) and its parameters for rows this scope covers."""
        if self.everything:
            return "TRUE", []
        parts: list[str] = []
        params: list[Any] = []
        for prefix in self.region_paths:
            parts.append(f"starts_with({path}, ?)")
            params.append(prefix)
        if self.department_ids:
            parts.append(f"{department} IN ({', '.join('?' for _ in self.department_ids)})")
            params.extend(self.department_ids)
        return ("(" + " OR ".join(parts) + ")" if parts else "FALSE"), params

    def covers_region(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.region_paths)


def scope_for(user: Any) -> Scope | None:
    """What ``user`` may see on the dashboards; ``None`` when nothing."""
    if not permissions.is_authenticated(user):
        return None
    if permissions.is_platform_admin(user):
        return Scope(everything=True, label="全市（平台）")
    paths = tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    heads = tuple(sorted(permissions.department_ids_with_role(user, Role.DEPARTMENT_ADMIN)))
    if not kept and not heads:
        return None
    names = [r.name for r in Region.objects.filter(path__in=kept).order_by("code")]
    names += [d.short_name for d in Department.objects.filter(id__in=heads).order_by("id")]
    return Scope(region_paths=tuple(kept), department_ids=heads, label="、".join(names))


def may_view(user: Any) -> bool:
    return scope_for(user) is not None


def _run_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view" and may_view(user):
        return qs
    if action == "refresh" and permissions.is_platform_admin(user):
        return qs
    return qs.none()


def _run_act(user: Any, obj: Any, action: str) -> bool:
    if action in {"view_dashboard", "export"}:
        return may_view(user)
    if action == "refresh":
        return permissions.is_platform_admin(user)
    return False


def register() -> None:
    permissions.register(WarehouseRun, act=_run_act, queryset=_run_queryset)
