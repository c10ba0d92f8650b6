from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionRightKind(models.TextChoices):
    SSL_DOWNLOAD = "SSL_LETOLTES", _("EESZT SSL tanúsítvány letöltése")


class InstitutionRight(models.Model):
    """A right on the institution itself, not on an org unit (the VMátrix grants are per org
    unit). The guide's certificate menu item appears only in the "CSAK intézmény" context;
    who may use it there: the institution's rights admins (INTJOGADIN) and the users given
    this right (e.g. the doctor-owner of a small practice)."""

    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.CASCADE)
    right = models.CharField(max_length=20, choices=InstitutionRightKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "right"], name="institution_right_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.institution_id} {self.right}"
