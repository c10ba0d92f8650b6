"""The append-only audit trail: who did what to which patient-related record, and who
looked at a patient's record. Rows are only ever inserted (services.audit_record).

Three layers keep it append-only: the model refuses save() of an existing row and delete(),
its queryset refuses update() and delete(), and on PostgreSQL a trigger refuses UPDATE and
DELETE on the table itself (migration 0002), so even raw SQL from the product cannot rewrite
history."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import Practice


class AuditAction(models.TextChoices):
    CREATE = "create", _("létrehozás")
    UPDATE = "update", _("módosítás")
    DELETE = "delete", _("törlés")
    VIEW = "view", _("megtekintés")
    BREAKGLASS = "breakglass", _("sürgősségi hozzáférés")
    LOGIN = "login", _("bejelentkezés")
    LOGIN_FAILED = "login_failed", _("sikertelen bejelentkezés")
    LOGOUT = "logout", _("kijelentkezés")


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit entry."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"The audit log is append-only: {what} is not allowed.")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        _refuse("update()")

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse("delete()")


class AuditEntry(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("időpont"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(_("felhasználó"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP-cím"), null=True)
    action = models.CharField(_("művelet"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("objektum típusa"), max_length=60)
    object_id = models.CharField(_("objektum azonosítója"), max_length=60)
    patient_id = models.BigIntegerField(_("páciens"), null=True)
    summary = models.CharField(_("összefoglaló"), max_length=500)
    changes = models.JSONField(_("változások"), default=dict)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("naplóbejegyzés")
        verbose_name_plural = _("naplóbejegyzések")
        indexes = [
            models.Index(fields=["practice", "-at"], name="audit_practice_at"),
            models.Index(fields=["practice", "patient_id", "-at"], name="audit_patient_at"),
            # The owner's "what did this colleague do" filter.
            models.Index(fields=["practice", "actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("saving an existing entry")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")
