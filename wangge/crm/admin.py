"""The superuser's back office for the information base. Day-to-day edits go through the
crm pages, whose services audit every write; customers here are read only for that reason."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.crm import models


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_active"]


@admin.register(models.TariffPlan)
class TariffPlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "product", "monthly_price", "term_months", "is_active"]
    list_filter = ["product", "is_active"]


@admin.register(models.Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "is_active"]


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "relationship", "tier", "site", "owner", "verified_at"]
    list_filter = ["kind", "relationship", "tier"]
    search_fields = ["name"]
    list_select_related = ["site", "owner"]
    raw_id_fields = ["site", "owner", "verified_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
