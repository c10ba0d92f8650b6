"""Read-only admin views for support: what is configured, never the secrets themselves
(SealedSecret is not registered; the secret links are excluded)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zomanc.eeszt.models import EesztCertificate, EesztSession, EesztSettings


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EesztSettings)
class EesztSettingsAdmin(_ReadOnly):
    list_display = ("company", "module_enabled", "enabled_at", "refdata_checked_at")


@admin.register(EesztCertificate)
class EesztCertificateAdmin(_ReadOnly):
    list_display = ("company", "status", "serial_hex", "not_after", "last_test_ok")
    exclude = ("pkcs12_secret", "password_secret")


@admin.register(EesztSession)
class EesztSessionAdmin(_ReadOnly):
    list_display = (
        "member",
        "company",
        "eeszt_user_id",
        "login_method",
        "not_on_or_after",
        "ended_at",
    )
    exclude = ("assertion_secret",)
