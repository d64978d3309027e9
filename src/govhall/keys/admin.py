from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from govhall.keys.models import DepartmentKey


@admin.register(DepartmentKey)
class DepartmentKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are generated and rotated through govhall.core.signing, which audits it."""

    list_display = ["key_id", "department", "algorithm", "is_active", "created_at", "retired_at"]
    list_filter = ["is_active", "algorithm"]
    search_fields = ["key_id", "department__name"]
    readonly_fields = [
        "department",
        "generation",
        "key_id",
        "algorithm",
        "public_key",
        "is_active",
        "created_at",
        "created_by",
        "retired_at",
    ]
    exclude = ["private_key_encrypted"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
