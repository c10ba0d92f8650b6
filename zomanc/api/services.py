"""Creating, revoking and checking API tokens."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zomanc.api.models import ApiToken
from zomanc.practices.models import StaffMember

TOKEN_SCHEME = "zmc_"  # noqa: S105 - a visible marker so leaked tokens are recognisable
PREFIX_LENGTH = 8
# Writing last_used_at on every call would turn each API read into a write; once a minute
# is precise enough to see which keys are alive.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the full token: shown once, never stored


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, member: StaffMember, name: str) -> NewToken:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{TOKEN_SCHEME}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        practice_id=member.practice_id,
        member=member,
        name=name.strip()[:100],
        prefix=prefix,
        token_hash=_hash(raw),
    )
    return NewToken(token=token, secret=raw)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching `raw`, with its member, practice and user loaded; None for
    anything else (malformed, unknown, revoked, or its membership no longer active)."""
    if not raw.startswith(TOKEN_SCHEME) or len(raw) > 200:
        return None
    prefix = raw[len(TOKEN_SCHEME) : len(TOKEN_SCHEME) + PREFIX_LENGTH]
    token = (
        ApiToken.objects.select_related("member__practice", "member__user")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, _hash(raw)):
        return None
    if not token.member.is_active or not token.member.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
