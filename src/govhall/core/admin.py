from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

# --- Working-day calendar (工作日历调整) ------------------------------------------------------
# Importing calendar also connects the signals that drop the built index when a row changes.
from govhall.core import calendar as working_calendar
from govhall.core.audit import record_event
from govhall.core.models import CalendarDay


class CalendarYearFilter(admin.SimpleListFilter):
    title = "年份 year"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


def _calendar_day_snapshot(day: CalendarDay) -> dict[str, Any]:
    return {"date": day.date, "kind": day.kind, "name": day.name, "note": day.note}


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "note", "updated_at"]
    list_filter = ["kind", CalendarYearFilter]
    search_fields = ["name", "note", "date"]
    date_hierarchy = "date"
    ordering = ["-date"]
    readonly_fields = ["updated_at"]
    fields = ["date", "kind", "name", "note", "updated_at"]

    @admin.display(description="星期 weekday")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change:
                previous = CalendarDay.objects.filter(pk=obj.pk).first()
                before = _calendar_day_snapshot(previous) if previous else None
            super().save_model(request, obj, form, change)
            record_event(
                actor=request.user,
                action="calendar_day.update" if change else "calendar_day.create",
                obj=obj,
                before=before,
                after=_calendar_day_snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        with transaction.atomic():
            record_event(
                actor=request.user, action="calendar_day.delete", obj=obj, before=_calendar_day_snapshot(obj)
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        with transaction.atomic():
            for day in queryset:
                record_event(
                    actor=request.user,
                    action="calendar_day.delete",
                    obj=day,
                    before=_calendar_day_snapshot(day),
                )
            super().delete_queryset(request, queryset)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        first, last = working_calendar.package_years()
        extra_context = {
            **(extra_context or {}),
            "subtitle": f"chinesecalendar 已含 {first}–{last} 年；其他年份请按国务院办公厅通知录入",
        }
        return super().changelist_view(request, extra_context)


# --- end of working-day calendar -------------------------------------------------------------


# --- Audit log (审计日志) ----------------------------------------------------------------------
# Kept self-contained below the calendar section; the import sits here on purpose.
from govhall.core.models import AuditEvent  # noqa: E402


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is only ever appended by services."""

    list_display = [
        "sequence",
        "occurred_at",
        "action",
        "object_type",
        "object_id",
        "actor_label",
        "request_id",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "actor_label"]
    ordering = ["-sequence"]
    list_select_related = False
    show_full_result_count = False
    actions = None
    readonly_fields = [
        "sequence",
        "occurred_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "request_id",
        "previous_hash",
        "hash",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


# --- end of audit log ---------------------------------------------------------------------------
