"""Practices in the admin, for superusers: look and fix, never delete (companies, org units
and staff are deactivated; visits and EESZT submissions keep pointing at them)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember


class NoDeleteAdmin(admin.ModelAdmin):
    actions = None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Practice)
class PracticeAdmin(NoDeleteAdmin):
    list_display = ("name", "require_owner_2fa", "created_at")
    search_fields = ("name",)


@admin.register(Company)
class CompanyAdmin(NoDeleteAdmin):
    list_display = ("name", "institution_id", "practice", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "institution_id")
    list_select_related = ("practice",)


@admin.register(OrgUnit)
class OrgUnitAdmin(NoDeleteAdmin):
    list_display = ("code", "name", "company", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    list_select_related = ("company",)


@admin.register(StaffMember)
class StaffMemberAdmin(NoDeleteAdmin):
    list_display = ("display_name", "user", "practice", "role", "stamp_number", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("display_name", "user__email", "stamp_number")
    list_select_related = ("user", "practice")
    raw_id_fields = ("user",)
