"""People who log in: one account per e-mail address, whatever practices it works for."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """Logs in with e-mail + password (Argon2); the practice role lives on StaffMember."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail cím"), unique=True)
    full_name = models.CharField(_("teljes név"), max_length=200)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("felhasználó")
        verbose_name_plural = _("felhasználók")

    def __str__(self) -> str:
        return self.full_name or self.email


class ThrottleScope(models.TextChoices):
    ACCOUNT = "account", _("fiók")
    IP = "ip", _("IP-cím")


class LoginThrottle(models.Model):
    """Failed sign-in counter for one account (e-mail) or one client address.

    Kept in the database rather than the cache: every web process and host must see the same
    count, and the product runs without a cache service."""

    scope = models.CharField(_("hatókör"), max_length=10, choices=ThrottleScope.choices)
    key = models.CharField(_("kulcs"), max_length=254)
    failures = models.PositiveIntegerField(_("sikertelen kísérletek"), default=0)
    window_started_at = models.DateTimeField(_("számlálás kezdete"))
    locked_until = models.DateTimeField(_("zárolva eddig"), null=True, blank=True)

    class Meta:
        verbose_name = _("bejelentkezési korlát")
        verbose_name_plural = _("bejelentkezési korlátok")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
