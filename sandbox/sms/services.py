"""The gateway's rules: submitting a message (idempotent on the client's reference), its
delivery report (settled when read: delivered, or failed for the reserved numbers), the
operator's failures on demand, and the demo accounts."""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from sandbox.clock.services import now
from sandbox.sms import gsm
from sandbox.sms.models import SmsAccount, SmsFaults, SmsMessage, SmsStatus

# Numbers in +36 20 000 0xxx never receive anything: their messages end "failed".
FAILING_PREFIX = "+36200000"
MAX_TEXT = 1600  # ten long GSM-7 parts; real gateways cap long messages similarly
# The demo practices' accounts, with fixed keys the practice system's demo knows too.
DEMO_ACCOUNTS = (
    ("Mosoly Fogászat", "sms-demo-mosoly-2026"),
    ("Gyöngy Fogászat", "sms-demo-gyongy-2026"),
)


class SubmitError(Exception):
    """A request the gateway refuses (400); the message is Hungarian."""


def account_create(*, name: str, api_key: str = "") -> SmsAccount:
    return SmsAccount.objects.create(
        name=name.strip()[:200] or "Rendelő",
        api_key=api_key or f"sms-{secrets.token_urlsafe(24)}",
        created_at=now(),
    )


def sms_seed_demo() -> None:
    for name, key in DEMO_ACCOUNTS:
        if not SmsAccount.objects.filter(api_key=key).exists():
            account_create(name=name, api_key=key)


def account_by_key(key: str) -> SmsAccount | None:
    if not key:
        return None
    return SmsAccount.objects.filter(api_key=key).first()


def phone_normalize(raw: str) -> str:
    """+36 20 123 4567, 06-20-123-4567, 0036201234567 → +36201234567; "" if not a number."""
    digits = re.sub(r"[\s\-/().]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("06"):
        digits = "+36" + digits[2:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return ""
    return digits


@dataclass(frozen=True)
class Submitted:
    message: SmsMessage
    created: bool


def message_submit(*, account: SmsAccount, to: str, text: str, client_ref: str) -> Submitted:
    """Accepts one message; the same client reference again returns the first one and
    sends nothing (the retry of a client whose answer was lost)."""
    client_ref = (client_ref or "").strip()
    if not client_ref or len(client_ref) > 100:
        raise SubmitError("A client_ref kötelező (legfeljebb 100 karakter).")
    existing = SmsMessage.objects.filter(account=account, client_ref=client_ref).first()
    if existing is not None:
        SmsMessage.objects.filter(pk=existing.pk).update(submissions=F("submissions") + 1)
        return Submitted(existing, False)
    number = phone_normalize(to)
    if not number:
        raise SubmitError("A címzett (to) nem telefonszám; nemzetközi alakban várjuk: +36…")
    if not text:
        raise SubmitError("Az üzenet szövege (text) üres.")
    if len(text) > MAX_TEXT:
        raise SubmitError(f"Az üzenet legfeljebb {MAX_TEXT} karakter lehet.")
    count = gsm.segments(text)
    at = now()
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                account=account,
                public_id=f"sms_{secrets.token_hex(10)}",
                client_ref=client_ref,
                to=number,
                text=text,
                encoding=count.encoding,
                segments=count.count,
                status=SmsStatus.ACCEPTED,
                accepted_at=at,
                settles_at=at + dt.timedelta(seconds=settings.SANDBOX_SMS_DELIVERY_SECONDS),
            )
    except IntegrityError:  # the same reference at the same moment: the other one won
        return Submitted(SmsMessage.objects.get(account=account, client_ref=client_ref), False)
    return Submitted(message, True)


def messages_settle() -> int:
    """Gives every accepted message whose time has come its delivery report."""
    at = now()
    due = SmsMessage.objects.filter(status=SmsStatus.ACCEPTED, settles_at__lte=at)
    failed = due.filter(to__startswith=FAILING_PREFIX).update(
        status=SmsStatus.FAILED,
        final_at=F("settles_at"),
        error="A készülék nem érhető el (sandbox: fenntartott hibás szám).",
    )
    delivered = due.update(status=SmsStatus.DELIVERED, final_at=F("settles_at"))
    return failed + delivered


def faults_get() -> SmsFaults:
    row, _ = SmsFaults.objects.get_or_create(pk=1)
    return row


def faults_set(*, fail_next: int, fail_share: float, lose_answer_next: int) -> SmsFaults:
    row = faults_get()
    row.fail_next, row.fail_share, row.lose_answer_next = fail_next, fail_share, lose_answer_next
    row.save()
    return row


def _take(field: str) -> bool:
    # One conditional UPDATE: two requests at once never take the same failure twice.
    return bool(
        SmsFaults.objects.filter(pk=1, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
    )


def fault_for_request(rng: random.Random | None = None) -> str:
    """ "fail" (503 before anything is done), "lose" (accept, then 504), or ""."""
    if _take("fail_next"):
        return "fail"
    row = SmsFaults.objects.filter(pk=1).first()
    if row is not None and row.fail_share > 0 and (rng or random).random() < row.fail_share:
        return "fail"
    if _take("lose_answer_next"):
        return "lose"
    return ""


def messages_clear() -> int:
    deleted, _ = SmsMessage.objects.all().delete()
    return deleted
