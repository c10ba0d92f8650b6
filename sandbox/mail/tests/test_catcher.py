"""The mail catcher: a real SMTP conversation (smtplib, with AUTH) with the running listener,
the message stored whole (envelope, headers, text and HTML parts, attachment) and shown on
its pages; the HTML body on its own URL under a sandboxing policy; failures on demand."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.mail.models import CaughtAttachment, CaughtMessage
from sandbox.mail.smtp import MailCatcher

PDF = b"%PDF-1.7\n% fake but binary \xe2\xe3\xcf\xd3\n%%EOF\n"


@pytest.fixture
def catcher(transactional_db: None) -> Iterator[MailCatcher]:
    listener = MailCatcher("127.0.0.1", 0)
    listener.start()
    yield listener
    listener.stop()


def _quote_mail() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Mosoly Fogászat <rendelo@mosoly.example>"
    msg["To"] = "Kovács Éva <eva@example.hu>"
    msg["Subject"] = "Árajánlat – kezelési terv"
    msg["Message-ID"] = "<proba-1@zomanc.local>"
    msg.set_content(
        "Kedves Kovács Éva!\n\nCsatoltuk az árajánlatot.\n"
        "Időpont megerősítése: http://127.0.0.1:8000/e/megerosit/abc\n"
    )
    msg.add_alternative(
        '<p>Kedves Kovács Éva!</p><p><a href="http://127.0.0.1:8000/e/megerosit/abc">'
        "Megerősítem</a></p><script>alert(1)</script>",
        subtype="html",
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="árajánlat-12.pdf")
    return msg


def test_a_real_smtp_conversation_is_stored_whole_and_shown(catcher: MailCatcher) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
        smtp.ehlo("rendelo.example")
        assert smtp.has_extn("auth")
        smtp.login("rendelo", "titkos-jelszo")
        refused = smtp.send_message(_quote_mail(), to_addrs=["eva@example.hu"])
    assert refused == {}

    message = CaughtMessage.objects.get()
    assert message.subject == "Árajánlat – kezelési terv"
    assert message.rcpt_tos == ["eva@example.hu"]
    assert message.mail_from == "rendelo@mosoly.example"
    assert message.auth_user == "rendelo"
    assert message.helo == "rendelo.example"
    assert message.message_id == "<proba-1@zomanc.local>"
    assert "Csatoltuk az árajánlatot." in message.text_body
    assert "Megerősítem" in message.html_body
    assert b"titkos-jelszo" not in bytes(message.raw)  # AUTH is not part of the message
    attachment = CaughtAttachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == ("árajánlat-12.pdf", "application/pdf")
    assert bytes(attachment.data) == PDF

    client = Client()
    listing = client.get(reverse("mail:list"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Elküldött levelek" in page and "Árajánlat – kezelési terv" in page
    assert "OKTATÓ KÖRNYEZET" in page

    detail = client.get(reverse("mail:detail", args=[message.pk])).content.decode()
    assert "Kovács Éva &lt;eva@example.hu&gt;" in detail
    assert "bejelentkezve: rendelo" in detail
    # The text body's link is clickable; the HTML body is framed from its own URL.
    assert 'href="http://127.0.0.1:8000/e/megerosit/abc"' in detail
    assert f'src="{reverse("mail:html", args=[message.pk])}"' in detail
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in detail
    assert "<script>alert(1)</script>" not in detail

    html = client.get(reverse("mail:html", args=[message.pk]))
    policy = html["Content-Security-Policy"]
    assert policy.startswith("sandbox ") and "script-src" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert b'<base target="_blank">' in html.content

    download = client.get(reverse("mail:attachment", args=[message.pk, attachment.pk]))
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%C3%A1raj%C3%A1nlat-12.pdf" in download["Content-Disposition"]

    raw = client.get(reverse("mail:raw", args=[message.pk]))
    assert raw.content == bytes(message.raw)


def test_newest_first_and_filter_by_recipient(catcher: MailCatcher) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
        for n, to in enumerate(["a@example.hu", "b@example.hu", "a@example.hu"]):
            smtp.sendmail(
                "x@example.hu", [to], f"To: {to}\r\nSubject: Level {n}\r\n\r\nszoveg\r\n".encode()
            )
    page = Client().get(reverse("mail:list")).content.decode()
    assert page.index("Level 2") < page.index("Level 1") < page.index("Level 0")
    filtered = Client().get(reverse("mail:list"), {"to": "b@"}).content.decode()
    assert "Level 1" in filtered and "Level 0" not in filtered


def test_failures_on_demand_store_nothing(catcher: MailCatcher) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("x@example.hu", ["nincs@elutasit.invalid"], b"Subject: x\r\n\r\nx\r\n")
        assert refused.value.recipients["nincs@elutasit.invalid"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused) as later:
            smtp.sendmail("x@example.hu", ["majd@kesobb.invalid"], b"Subject: x\r\n\r\nx\r\n")
        assert later.value.recipients["majd@kesobb.invalid"][0] == 451
    assert not CaughtMessage.objects.exists()


def test_clear_and_missing(catcher: MailCatcher) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
        smtp.sendmail("x@example.hu", ["a@example.hu"], b"Subject: x\r\n\r\nx\r\n")
    client = Client()
    pk = CaughtMessage.objects.get().pk
    assert client.get(reverse("mail:detail", args=[pk + 1])).status_code == 404
    assert client.get(reverse("mail:attachment", args=[pk, 999])).status_code == 404
    assert client.post(reverse("mail:clear")).status_code == 302
    assert not CaughtMessage.objects.exists()


def test_page_message_is_one_live_region_around_the_list(catcher: MailCatcher) -> None:
    """The message after an action is announced: a live region wraps the list (role=status
    on the <ul> or each <li> would take the list's role away — axe: list/listitem)."""
    page = Client().post(reverse("mail:clear"), follow=True).content.decode()
    assert '<div role="status"><ul class="messages">' in page
    assert "levél törölve" in page
    assert '<li class="msg msg-success">' in page
