"""Storing a caught message: the raw bytes kept as they came, and what a person reads —
headers, the text and HTML bodies, attachments — parsed once, here."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser

from django.db import transaction

from sandbox.clock.services import now
from sandbox.mail.models import CaughtAttachment, CaughtMessage

# A header value longer than this is cut on the page's list (the raw message keeps it all).
MAX_HEADER = 4000


@dataclass
class Envelope:
    """The SMTP conversation around one message."""

    mail_from: str
    rcpt_tos: list[str]
    peer: str = ""
    helo: str = ""
    auth_user: str = ""
    tls: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _text(part: MIMEPart | None) -> str:
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset: show what can be shown
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def message_store(*, raw: bytes, envelope: Envelope) -> CaughtMessage:
    """Parses and stores one message with its attachments (one transaction: a message is
    never shown without its attachments)."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue  # an attached message/rfc822: its text stays in the raw message
        attachments.append((part.get_filename() or "csatolmany.bin", part.get_content_type(), data))
    headers = [[str(name), str(value)[:MAX_HEADER]] for name, value in msg.items()]
    with transaction.atomic():
        message = CaughtMessage.objects.create(
            received_at=now(),
            peer=envelope.peer[:100],
            helo=envelope.helo[:255],
            auth_user=envelope.auth_user[:255],
            tls=envelope.tls,
            mail_from=envelope.mail_from[:320],
            rcpt_tos=list(envelope.rcpt_tos),
            message_id=str(msg.get("Message-ID", ""))[:998],
            subject=str(msg.get("Subject", "")),
            from_header=str(msg.get("From", "")),
            to_header=str(msg.get("To", "")),
            headers=headers,
            text_body=_text(text_part),
            html_body=_text(html_part),
            raw=raw,
            size=len(raw),
        )
        CaughtAttachment.objects.bulk_create(
            CaughtAttachment(
                message=message,
                filename=name[:255],
                content_type=ctype[:255],
                data=data,
                size=len(data),
            )
            for name, ctype, data in attachments
        )
    return message


def messages_clear() -> int:
    """Empties the catcher (the operator's "Összes törlése")."""
    deleted, _ = CaughtMessage.objects.all().delete()
    return deleted
