"""Django admin for regions, departments, users and roles.

Who sees and changes what is decided by :mod:`govhall.core.permissions`, not by Django's per-model
permissions: a department admin sees and edits only the staff of their own department and grants
only the roles a department may grant; platform admins see everything. Every change made here is
written to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.crypto import lookup_hash
from govhall.identity import services
from govhall.identity.models import Department, Membership, Region, Role, User


def _admin_site_user(request: HttpRequest) -> bool:
    user = request.user
    return permissions.is_platform_admin(user) or bool(
        permissions.department_ids_with_role(user, Role.DEPARTMENT_ADMIN)
    )


def _plain(message: Any) -> Any:
    """Admin change messages may hold lazy translation strings; the audit log wants plain JSON."""
    if isinstance(message, str):
        try:
            return json.loads(message) if message.startswith("[") else message
        except ValueError:
            return message
    return json.loads(json.dumps(message, default=str, ensure_ascii=False))


class ScopedAdmin(admin.ModelAdmin):
    """Rows and rights come from the permission module; each logged admin change is also audited."""

    scope_action = "view"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if permissions.is_platform_admin(request.user):
            return qs
        return permissions.restrict(qs, request.user, self.scope_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _admin_site_user(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _admin_site_user(request)
        return permissions.can_view(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _admin_site_user(request)
        return permissions.can_act(request.user, obj, "edit")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_platform_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Identity rows are referenced by cases and the audit log; deactivate instead of deleting.
        return False

    def _audit(self, request: HttpRequest, obj: Model, verb: str, message: Any) -> None:
        with transaction.atomic():
            record_event(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}_{verb}",
                obj=obj,
                after={"change": _plain(message)},
            )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "name", "level", "parent", "path"]
    list_select_related = ["parent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # loaded from GB/T 2260 by `manage.py load_regions`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "short_name", "code", "uscc", "region", "parent", "kind", "is_active"]

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{2,12}", code):
            raise ValidationError("部门代码应为2至12位大写字母或数字 (2 to 12 capital letters or digits)")
        return code


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    form = DepartmentForm
    scope_action = "edit"
    list_display = ["name", "short_name", "code", "uscc", "region", "kind", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "short_name", "code", "uscc"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if permissions.is_platform_admin(request.user):
            return []
        return ["code", "uscc", "region", "parent", "kind", "is_active"]


class MembershipInlineForm(forms.ModelForm):
    actor: Any = None

    class Meta:
        model = Membership
        fields = ["department", "role"]

    def _may(self, department: Department | None, role: str | None) -> bool:
        return department is not None and role in permissions.grantable_roles(self.actor, department)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk and self.has_changed():
            old = Membership.objects.select_related("department").get(pk=self.instance.pk)
            if not self._may(old.department, old.role):
                raise ValidationError("无权撤销该岗位角色 (not allowed to revoke this role)")
        if cleaned.get("DELETE") or not self.has_changed():
            return cleaned
        if self.instance.user.kind != User.Kind.STAFF:
            raise ValidationError("只有工作人员可以授予岗位角色 (only staff members can hold roles)")
        if not self._may(cleaned.get("department"), cleaned.get("role")):
            raise ValidationError("无权在该部门授予该角色 (not allowed to grant this role here)")
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    extra = 0
    fields = ["department", "role"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = type("ActorMembershipForm", (MembershipInlineForm,), {"actor": request.user})
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department":
            kwargs["queryset"] = permissions.restrict(Department.objects.all(), request.user, "manage_staff")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return permissions.restrict(super().get_queryset(request), request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_site_user(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_site_user(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_site_user(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_site_user(request)


class GovhallUserChangeForm(UserChangeForm):
    new_id_number = forms.CharField(
        label="设置身份证号码", required=False, help_text="留空则不修改；加密保存，页面只显示脱敏号码。"
    )
    new_phone = forms.CharField(label="设置手机号码", required=False, help_text="留空则不修改。")

    def clean_new_id_number(self) -> str:
        value = str(self.cleaned_data.get("new_id_number") or "").strip()
        if not value:
            return ""
        value = validate_id_number(value)
        if User.objects.filter(id_number_hash=lookup_hash(value)).exclude(pk=self.instance.pk).exists():
            raise ValidationError("该身份证号码已被其他账号使用 (the ID number belongs to another account)")
        return value

    def clean_new_phone(self) -> str:
        value = re.sub(r"[\s-]", "", str(self.cleaned_data.get("new_phone") or ""))
        if value and not re.fullmatch(r"1[3-9]\d{9}", value):
            raise ValidationError("手机号码应为11位数字 (a mobile number has 11 digits)")
        return value

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        if self.cleaned_data.get("new_id_number"):
            user.set_id_number(self.cleaned_data["new_id_number"])
        if self.cleaned_data.get("new_phone"):
            user.set_phone(self.cleaned_data["new_phone"])
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    form = GovhallUserChangeForm
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "kind", "id_number_masked", "real_name_level", "is_active"]
    list_filter = ["kind", "real_name_level", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "uscc", "email"]
    ordering = ["username"]
    add_fieldsets = (
        (None, {"fields": ("username", "kind", "display_name", "usable_password", "password1", "password2")}),
    )
    _identity_fields = (
        "kind",
        "display_name",
        "email",
        "real_name_level",
        "id_number_masked",
        "new_id_number",
        "phone_masked",
        "new_phone",
        "uscc",
        "legal_representative",
        "region",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        if permissions.is_platform_admin(request.user):
            return (
                (None, {"fields": ("username", "password")}),
                ("身份信息 identity", {"fields": self._identity_fields}),
                (
                    "权限 permissions",
                    {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
                ),
                ("时间 dates", {"fields": ("last_login", "date_joined")}),
            )
        return (
            (None, {"fields": ("username", "password")}),
            ("身份信息 identity", {"fields": ("display_name", "email", "id_number_masked", "phone_masked")}),
            ("状态 status", {"fields": ("is_active", "last_login")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ["id_number_masked", "phone_masked", "last_login", "date_joined"]
        if obj is None or permissions.is_platform_admin(request.user):
            return fixed
        return [*fixed, "username"]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # The new password and its audit event commit together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Roles change through the services, so grants here are checked and audited like anywhere else.
        user = form.instance
        new: list[Membership] = []
        deleted: list[Membership] = []
        for inline in formset.forms:
            if not inline.has_changed() and inline not in formset.deleted_forms:
                continue
            instance = inline.instance
            if instance.pk:
                old = Membership.objects.select_related("department").get(pk=instance.pk)
                services.revoke_role(actor=request.user, user=user, department=old.department, role=old.role)
                deleted.append(old)
            if inline in formset.deleted_forms:
                continue
            data = inline.cleaned_data
            new.append(
                services.grant_role(
                    actor=request.user, user=user, department=data["department"], role=data["role"]
                )
            )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, [], deleted


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "department", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "department__name"]
    list_select_related = ["user", "department"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # roles are granted and revoked on the user's page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
