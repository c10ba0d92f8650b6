"""People who log in: one account per e-mail address, whatever practices it works for."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


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
    # The high-contrast look (docs/design.md): a preference of the person, not of the
    # browser — the chairside tablet is shared, and each user finds their own setting on it
    # and on every other machine they log in on.
    high_contrast = models.BooleanField(_("nagy kontraszt"), default=False)

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


SEALED_KEY_PREFIX = "vault:"


def totp_purpose(user_id: int) -> str:
    """The vault purpose of a user's TOTP seed: binds the sealed seed to its owner."""
    return f"accounts.totp/user:{user_id}"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device whose seed is sealed in the vault (zomanc/eeszt/vault.py)
    instead of stored as plain hex: a stolen database dump holds no usable second factor.

    The `key` column keeps only `vault:<uid>` of the SealedSecret; the seed is opened when a
    code is checked or the enrolment QR code is drawn. A proxy keeps django-otp's table,
    throttling and drift handling; every lookup in the product goes through this class, and
    a `vault:` key fed to the plain class fails loudly (not hex) instead of working."""

    class Meta:
        proxy = True
        verbose_name = _("TOTP eszköz (titkosított kulccsal)")

    @property
    def _stored_key(self) -> str:
        # django-otp is untyped: its CharField reads as Any.
        return str(self.__dict__["key"])

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_key.startswith(SEALED_KEY_PREFIX):
            super().save(*args, **kwargs)
            return
        from zomanc.eeszt.vault import vault_encrypt

        with transaction.atomic():
            seed = bytes.fromhex(self._stored_key)
            secret = vault_encrypt(seed, purpose=totp_purpose(self.user_id))
            self.key = SEALED_KEY_PREFIX + str(secret.uid)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "key"}
            super().save(*args, **kwargs)

    @property
    def bin_key(self) -> bytes:
        from zomanc.eeszt.models import SealedSecret
        from zomanc.eeszt.vault import vault_decrypt

        stored = self._stored_key
        if not stored.startswith(SEALED_KEY_PREFIX):
            return bytes.fromhex(stored)  # not saved yet
        uid = stored.removeprefix(SEALED_KEY_PREFIX)
        cached: tuple[str, bytes] | None = getattr(self, "_seed", None)
        if cached is None or cached[0] != uid:
            secret = SealedSecret.objects.get(uid=uid)
            cached = (uid, vault_decrypt(secret, purpose=totp_purpose(self.user_id)))
            self._seed = cached
        return cached[1]


def _shred_seed(sender: type, instance: TOTPDevice, **kwargs: Any) -> None:
    """A removed device takes its sealed seed with it (crypto-shred, like ended sessions)."""
    if instance.key.startswith(SEALED_KEY_PREFIX):
        from zomanc.eeszt.models import SealedSecret

        SealedSecret.objects.filter(uid=instance.key.removeprefix(SEALED_KEY_PREFIX)).delete()


post_delete.connect(_shred_seed, sender=SealedTOTPDevice, dispatch_uid="totp_shred_proxy")
post_delete.connect(_shred_seed, sender=TOTPDevice, dispatch_uid="totp_shred_base")
