"""The records of who did what (audit, exports, jobs): viewable, never editable here.

Editing them would defeat their purpose, so the admin offers no add, change or delete even
to a superuser; they are written only by the services and the import/export pipeline.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from wangge.core.models import AuditEntry, CalendarDay, ExportJob, ExportLog, ImportJob


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_repr", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_repr", "object_repr", "object_id"]
    date_hierarchy = "at"


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user_repr", "kind", "rows", "filters"]
    list_filter = ["kind"]
    search_fields = ["user_repr", "kind"]
    date_hierarchy = "at"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "filename", "status", "strict", "rows_estimate"]
    list_filter = ["status", "kind", "strict"]
    search_fields = ["filename", "user__username", "kind"]
    date_hierarchy = "created_at"
    # The uploaded file itself is a blob: shown as bytes it would only bury the report.
    exclude = ["data"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).select_related("user").defer("data")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "filename", "status", "rows", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["filename", "user__username", "kind"]
    date_hierarchy = "created_at"
    # The written workbook is a blob; the export log already says what left the system.
    exclude = ["data"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        return super().get_queryset(request).select_related("user").defer("data")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The one record here the operator edits: next year's holidays before the package
    knows them, or a local day off."""

    list_display = ["day", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"
