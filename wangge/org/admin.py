from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from wangge.org import models


@admin.register(models.User)
class WanggeUserAdmin(UserAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = models.GridMembership
    extra = 0


@admin.register(models.Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "role", "department", "phone"]
    list_filter = ["role", "department"]
    search_fields = ["name", "employee_no", "phone"]
    inlines = [MembershipInline]


@admin.register(models.Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "service_point", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]


class TeamMemberInline(admin.TabularInline):
    model = models.TeamMembership
    extra = 0


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "grid", "leader"]
    list_filter = ["kind"]
    inlines = [TeamMemberInline]


admin.site.register(models.Region)
admin.site.register(models.Department)
admin.site.register(models.ServicePoint)
admin.site.register(models.ApiToken)
