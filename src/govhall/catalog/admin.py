"""Django admin for the catalogue: department admins maintain their own department's items.

Rows come from :mod:`govhall.core.permissions` (a department admin sees only their departments'
items, a platform admin all). Only drafts are edited here; submitting, publishing, returning,
starting a revision and withdrawing are admin actions that call the catalogue services, so each
writes its audit event. Excel export is an action; import has its own page on the item list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from govhall.catalog import excel, services
from govhall.catalog.codes import build_implementation_code
from govhall.catalog.content import GuideContent
from govhall.catalog.models import FAQ, Fee, ItemVersion, Material, ServiceItem, SpecialProcedure, Target
from govhall.catalog.permissions import can_maintain_department, maintained_department_ids
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import DomainError
from govhall.identity.models import Department


def _maintainer(request: HttpRequest) -> bool:
    return permissions.is_platform_admin(request.user) or bool(maintained_department_ids(request.user))


def _run(request: HttpRequest, queryset: QuerySet[Any], action: Any, done: str) -> None:
    count = 0
    for obj in queryset:
        try:
            action(obj)
            count += 1
        except DomainError as error:
            messages.error(request, f"{obj}: {error.message}")
    if count:
        messages.success(request, f"{done}：{count}")


class ScopedCatalogAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return permissions.restrict(super().get_queryset(request), request.user, "edit")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _maintainer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _maintainer(request) if obj is None else permissions.can_act(request.user, obj, "edit")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions are kept for the cases filed under them; withdraw instead


class NewItemForm(forms.ModelForm):
    name = forms.CharField(label="事项名称 name", max_length=200)
    target = forms.ChoiceField(label="服务对象 target", choices=Target.choices)
    item_type = forms.ChoiceField(label="办件类型 item type", choices=ItemVersion.ItemType.choices)
    legal_basis = forms.CharField(label="设定依据 legal basis", widget=forms.Textarea)
    conditions = forms.CharField(label="受理条件 conditions", widget=forms.Textarea)

    class Meta:
        model = ServiceItem
        fields = ["department", "level", "basic_code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        department, level, basic = data.get("department"), data.get("level"), data.get("basic_code")
        if department and level and basic:
            try:
                code = build_implementation_code(uscc=department.uscc, level=level, basic_code=basic)
            except (ValidationError, ValueError) as exc:
                raise ValidationError(str(exc)) from exc
            if ServiceItem.objects.filter(implementation_code=code).exists():
                raise ValidationError(f"实施编码 {code} 已存在 (implementation code exists)")
        return data


@admin.register(ServiceItem)
class ServiceItemAdmin(ScopedCatalogAdmin):
    list_display = ["implementation_code", "name", "department", "level", "kind", "star", "popularity"]
    list_filter = ["kind", "level", "department"]
    search_fields = ["implementation_code", "basic_code", "current_version__name"]
    list_select_related = ["current_version", "department"]
    readonly_fields = [
        "implementation_code",
        "basic_code",
        "kind",
        "department",
        "level",
        "parent",
        "current_version",
        "popularity",
        "created_at",
    ]
    actions = ["start_revision", "withdraw", "export_excel"]
    change_list_template = "admin/catalog/serviceitem/change_list.html"

    @admin.display(description="名称 name")
    def name(self, obj: ServiceItem) -> str:
        return obj.current_version.name if obj.current_version else "（未发布 unpublished）"

    @admin.display(description="星级 stars")
    def star(self, obj: ServiceItem) -> str:
        return obj.current_version.stars if obj.current_version else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _maintainer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # content changes go through versions

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = NewItemForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [
                "department",
                "level",
                "basic_code",
                "name",
                "target",
                "item_type",
                "legal_basis",
                "conditions",
            ]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not permissions.is_platform_admin(request.user):
            kwargs["queryset"] = Department.objects.filter(id__in=maintained_department_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        data = form.cleaned_data
        content = GuideContent(
            name=data["name"],
            target=data["target"],
            legal_basis=data["legal_basis"],
            conditions=data["conditions"],
            item_type=data["item_type"],
            promised_days=0 if data["item_type"] == "instant" else 1,
            statutory_days=0 if data["item_type"] == "instant" else 1,
        )
        version = services.create_item(
            actor=request.user,
            department=data["department"],
            level=data["level"],
            basic_code=data["basic_code"],
            content=content,
        )
        for name in ("id", "implementation_code", "kind", "department_id", "level"):
            setattr(obj, name, getattr(version.item, name))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # create_item wrote everything

    @admin.action(description="新建修订版本（草稿） start a revision")
    def start_revision(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        _run(
            request,
            queryset,
            lambda item: services.start_revision(actor=request.user, item=item),
            "已新建草稿",
        )

    @admin.action(description="撤回（下架） withdraw")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        _run(
            request,
            queryset,
            lambda item: services.withdraw(
                actor=request.user, item=item, reason="管理端撤回 withdrawn in admin"
            ),
            "已撤回",
        )

    @admin.action(description="导出Excel export to Excel")
    def export_excel(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> HttpResponse:
        items = list(
            queryset.filter(current_version__isnull=False).select_related(
                "current_version", "department", "parent"
            )
        )
        response = HttpResponse(
            excel.export_workbook(items),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="catalogue-{timezone.localdate():%Y%m%d}.xlsx"'
        )
        return response

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_serviceitem_import"),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not _maintainer(request):
            return redirect("admin:index")
        problems: list[dict[str, Any]] = []
        upload = request.FILES.get("workbook") if request.method == "POST" else None
        if upload is not None:
            try:
                report = excel.import_workbook(actor=request.user, data=upload.read())
            except DomainError as error:
                problems = error.details.get("problems", []) or [{"message_zh": error.message_zh}]
            else:
                messages.success(
                    request,
                    f"导入完成：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged} "
                    f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged})",
                )
                return redirect("admin:catalog_serviceitem_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "导入事项 Import items from Excel",
            "problems": problems,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/serviceitem/import.html", context)


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["order", "name", "required", "condition", "original", "copies", "medium", "source", "licence_type",
              "has_form", "has_sample", "form_file", "sample_file", "note"]  # fmt: skip


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class SpecialProcedureInline(admin.TabularInline):
    model = SpecialProcedure
    extra = 0


class FAQInline(admin.TabularInline):
    model = FAQ
    extra = 0


@admin.register(ItemVersion)
class ItemVersionAdmin(ScopedCatalogAdmin):
    list_display = ["name", "item", "number", "status", "stars", "published_at"]
    list_filter = ["status", "target", "star_level"]
    search_fields = ["name", "item__implementation_code"]
    list_select_related = ["item"]
    filter_horizontal = ["themes", "joint_departments"]
    inlines = [MaterialInline, FeeInline, SpecialProcedureInline, FAQInline]
    exclude = ["created_by"]
    readonly_fields = ["item", "number", "status", "star_level", "published_at", "created_at"]
    actions = ["submit", "publish", "return_to_draft"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a version is started from its item

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _maintainer(request)
        return obj.status == ItemVersion.Status.DRAFT and can_maintain_department(
            request.user, obj.item.department_id
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        version = form.instance
        version.save()  # the star level follows the saved content
        record_event(
            actor=request.user,
            action="catalog.version.updated",
            obj=version,
            after={"name": version.name, "star_level": version.star_level, "via": "admin"},
        )

    @admin.action(description="提交审核 submit for review")
    def submit(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        _run(request, queryset, lambda v: services.submit_for_review(actor=request.user, version=v), "已提交")

    @admin.action(description="发布 publish")
    def publish(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        _run(request, queryset, lambda v: services.publish(actor=request.user, version=v), "已发布")

    @admin.action(description="退回修改 return to draft")
    def return_to_draft(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        _run(
            request,
            queryset,
            lambda v: services.return_to_draft(
                actor=request.user, version=v, reason="管理端退回 returned in admin"
            ),
            "已退回",
        )
