"""Accounts in the admin, for superusers. Users are created through the staff settings (or
createsuperuser), never deleted (their names are on signed records); a locked sign-in can be
released here by deleting its throttle row."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zomanc.accounts.models import LoginThrottle, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "is_active", "is_superuser", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("email", "full_name")
    fields = ("email", "full_name", "is_active", "is_superuser", "last_login", "date_joined")
    readonly_fields = ("last_login", "date_joined")
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "failures", "locked_until")
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "failures", "window_started_at", "locked_until")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
