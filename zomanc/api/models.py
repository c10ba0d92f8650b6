"""Per-user API tokens. A token acts for one staff membership (one practice, one role), so
the API sees exactly what that person sees in the browser.

Only a SHA-256 hash of the token is stored; the token itself is shown once, at creation. The
first characters after the scheme are kept in clear as `prefix` so a request finds its row
with one indexed lookup and the hash is compared in constant time."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import Practice, StaffMember


class ApiToken(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("megnevezés"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("létrehozva"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("utoljára használva"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("visszavonva"), null=True, blank=True)

    class Meta:
        verbose_name = _("API kulcs")
        verbose_name_plural = _("API kulcsok")
        indexes = [models.Index(fields=["practice", "member"], name="apitoken_member")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
