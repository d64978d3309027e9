"""Admin: platform administrators maintain licence types (audited); licences are read-only here,
since every change to one goes through the services that sign and audit it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.licences.identifiers import TYPE_CODE
from govhall.licences.models import Licence, LicenceType


class PlatformAdminOnly(admin.ModelAdmin):
    # Platform administrators hold a role, not Django model permissions.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_platform_admin(request.user)


class LicenceTypeForm(ModelForm):
    class Meta:
        model = LicenceType
        fields = [
            "name",
            "code",
            "holder_kind",
            "issuing_departments",
            "fields",
            "validity_years",
            "material_names",
            "layout",
            "is_reference",
            "is_active",
        ]

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code", "")).strip().upper()
        if not TYPE_CODE.match(code):
            raise ValidationError("证照类型代码应为3至24位数字或大写字母 (3 to 24 digits or capital letters)")
        return code


@admin.register(LicenceType)
class LicenceTypeAdmin(PlatformAdminOnly):
    form = LicenceTypeForm
    list_display = ["name", "code", "holder_kind", "validity_years", "layout", "is_reference", "is_active"]
    list_filter = ["holder_kind", "layout", "is_reference", "is_active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["issuing_departments"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LicenceType, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_event(
                actor=request.user,
                action="licences.type_changed" if change else "licences.type_created",
                obj=obj,
                after={
                    "name": obj.name,
                    "code": obj.code,
                    "fields": obj.fields,
                    "validity_years": obj.validity_years,
                },
            )


@admin.register(Licence)
class LicenceAdmin(PlatformAdminOnly):
    list_display = ["licence_type", "holder_name", "issuer", "status", "valid_until", "created_at"]
    list_filter = ["status", "licence_type"]
    search_fields = ["holder_name", "serial"]
    exclude = ["holder_id_encrypted"]
    readonly_fields = [
        "licence_type",
        "issuer",
        "serial",
        "holder",
        "holder_kind",
        "holder_name",
        "holder_id_hash",
        "holder_id_masked",
        "status",
        "current_version",
        "valid_until",
        "case",
        "status_reason",
        "status_changed_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
