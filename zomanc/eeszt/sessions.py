"""The member's EESZT login as the product keeps it: store a fresh assertion (sealed), find the
valid one, end it, and open its assertion for the wire."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.core.prebuilt import prebuilt
from zomanc.eeszt.models import EesztSession, LoginMethod
from zomanc.eeszt.vault import vault_decrypt, vault_destroy, vault_encrypt
from zomanc.practices.models import Company, StaffMember

# --- EESZT user sessions -----------------------------------------------------------------


@transaction.atomic
def eeszt_session_store(
    *,
    member: StaffMember,
    company: Company,
    assertion: bytes,
    assertion_id: str,
    eeszt_user_id: str,
    not_on_or_after: dt.datetime,
    login_method: str,
) -> EesztSession:
    """Keeps a fresh IDP assertion (sealed) as the member's EESZT login for this company,
    ending any earlier one. Its end is the assertion's NotOnOrAfter, capped at
    EESZT_SESSION_HOURS from now (the product's promise to users, S3)."""
    if member.practice_id != company.practice_id:
        raise ValidationError(_("A cég nem ehhez a rendelőhöz tartozik."))
    if login_method not in LoginMethod.values:
        raise ValidationError({"login_method": _("Ismeretlen bejelentkezési mód.")})
    now = timezone.now()
    cap = now + dt.timedelta(hours=settings.EESZT_SESSION_HOURS)
    until = min(not_on_or_after, cap)
    if until <= now:
        raise ValidationError(_("Az EESZT bejelentkezés már lejárt, jelentkezzen be újra."))
    for old in EesztSession.objects.select_for_update().filter(
        practice_id=member.practice_id, member=member, company=company, ended_at__isnull=True
    ):
        _end(old, reason="replaced")
    session = EesztSession(
        practice_id=member.practice_id,
        member=member,
        company=company,
        assertion_id=assertion_id,
        eeszt_user_id=eeszt_user_id,
        login_method=login_method,
        not_on_or_after=until,
    )
    session.assertion_secret = vault_encrypt(
        assertion, purpose=session.assertion_purpose, practice=member.practice
    )
    session.save()
    return session


def _end(session: EesztSession, *, reason: str) -> None:
    secret = session.assertion_secret
    session.ended_at = timezone.now()
    session.end_reason = reason
    session.assertion_secret = None
    session.save(update_fields=["ended_at", "end_reason", "assertion_secret"])
    vault_destroy(secret)


@transaction.atomic
def eeszt_session_end(*, session: EesztSession, reason: str = "logout") -> EesztSession:
    """Ends the login (logout, expiry noticed, replaced) and destroys the sealed assertion.
    Telling the IDP (Logout) is the wire adapter's job, done before calling this."""
    locked = EesztSession.objects.select_for_update().get(pk=session.pk)
    if locked.ended_at is None:
        _end(locked, reason=reason)
    return locked


def eeszt_session_assertion(session: EesztSession) -> bytes:
    """The assertion XML, exactly as the IDP signed it, for the adapter's WS-Security header."""
    if session.assertion_secret is None or session.ended_at is not None:
        raise ValueError("session ended")
    return vault_decrypt(session.assertion_secret, purpose=session.assertion_purpose)


def eeszt_sessions_valid(
    *, practice_id: int, member_id: int, now: dt.datetime
) -> QuerySet[EesztSession]:
    """The member's EESZT logins still valid at `now`: not ended, not expired."""
    return EesztSession.objects.filter(
        practice_id=practice_id, member_id=member_id, ended_at__isnull=True, not_on_or_after__gt=now
    )


# Every EESZT page calls it: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _active_session(
    practice_id: int, member_id: int, company_id: int, now: dt.datetime
) -> QuerySet[EesztSession]:
    return (
        eeszt_sessions_valid(practice_id=practice_id, member_id=member_id, now=now)
        .filter(company_id=company_id)
        .order_by("-created_at", "-pk")
        # Its sealed assertion comes with it: every caller goes on to call EESZT with it.
        .select_related("assertion_secret")[:1]
    )


def eeszt_session_active(*, member: StaffMember, company: Company) -> EesztSession | None:
    """The member's EESZT login for this company, if it is still valid."""
    found = _active_session(
        practice_id=member.practice_id,
        member_id=member.pk,
        company_id=company.pk,
        now=timezone.now(),
    )
    return found[0] if found else None
