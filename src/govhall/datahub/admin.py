"""Read-only admin views of the data hub for platform administrators.

Every change goes through the services (and their audit events) on the data hub pages, the API or
``manage.py datahub_sources``; the admin only lets an administrator look things up.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from govhall.core import permissions
from govhall.datahub.models import (
    AccessGrant,
    AccessLog,
    ComparisonJob,
    ContributedUpdate,
    DataOfficer,
    FieldSource,
    ImportJob,
    Resource,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    # Platform administrators hold a role, not Django model permissions.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FieldSource)
class FieldSourceAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "field", "department", "note", "updated_at")
    list_filter = ("dataset",)


@admin.register(DataOfficer)
class DataOfficerAdmin(ReadOnlyAdmin):
    list_display = ("user", "department", "appointed_by", "created_at")


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "provider", "sharing_type", "open_type", "update_cycle", "is_active")
    list_filter = ("sharing_type", "open_type", "dataset")
    search_fields = ("code", "name", "summary")


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ("resource", "consumer", "status", "expires_on", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "resource", "consumer", "record_count", "request_id")
    date_hierarchy = "at"


@admin.register(ContributedUpdate)
class ContributedUpdateAdmin(ReadOnlyAdmin):
    list_display = (
        "dataset",
        "record_label",
        "field",
        "proposed_display",
        "contributor_department",
        "status",
    )
    list_filter = ("dataset", "status")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "department", "dataset", "resource", "status", "created_at")
    list_filter = ("status",)
    exclude = ("errors",)


@admin.register(ComparisonJob)
class ComparisonJobAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "department",
        "kind",
        "status",
        "result_count",
        "assigned_department",
        "created_at",
    )
    list_filter = ("status", "kind")
