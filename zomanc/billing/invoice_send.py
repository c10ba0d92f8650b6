# ruff: noqa: E501 -- the message's wording in three languages reads better unwrapped
"""E-mailing an invoice ("Számla küldése e-mailben"): its PDF (Hungarian, or bilingual HU/EN,
HU/DE) attached to a message queued in the practice's outbox (zomanc/messaging) in the same
transaction as its audit entry. The wording is here, not in the gettext catalogue, for the
reason the PDF's is (billing/pdf.py): it is the document's language."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.billing.models import Invoice
from zomanc.billing.pdf import PDF_LANGUAGES, invoice_pdf
from zomanc.messaging.models import OutboundMessage
from zomanc.messaging.services import Attachment, MessagingError, message_email_queue
from zomanc.practices.models import StaffMember

INVOICE_KIND = "billing.invoice"

TEXTS: dict[str, dict[str, str]] = {
    "hu": {
        "subject": "Számla {number} – {practice}",
        "body": "Tisztelt {customer}!\n\nMellékelten küldjük a(z) {number} számú számlát ({total}).\n\nKérdés esetén válaszoljon erre a levélre, vagy hívja rendelőnket.\n\nÜdvözlettel:\n{practice}",
        "file": "szamla",
    },
    "en": {
        "subject": "Invoice {number} – {practice}",
        "body": "Dear {customer},\n\nPlease find attached invoice no. {number} ({total}).\n\nIf you have any questions, reply to this e-mail or call our practice.\n\nKind regards,\n{practice}",
        "file": "invoice",
    },
    "de": {
        "subject": "Rechnung {number} – {practice}",
        "body": "Sehr geehrte(r) {customer},\n\nim Anhang finden Sie die Rechnung Nr. {number} ({total}).\n\nBei Fragen antworten Sie bitte auf diese E-Mail oder rufen Sie unsere Praxis an.\n\nMit freundlichen Grüßen\n{practice}",
        "file": "rechnung",
    },
}


def invoice_email_send(
    *,
    invoice: Invoice,
    actor: StaffMember,
    recipient: str = "",
    language: str = "hu",
    request: HttpRequest | None = None,
) -> OutboundMessage:
    """Queues the invoice's PDF to `recipient` (default: the patient's e-mail address);
    refused in Hungarian (ValidationError, nothing queued, nothing audited) without an
    address or without the practice's e-mail settings."""
    from zomanc.billing.pdf import money

    if invoice.practice_id != actor.practice_id:
        raise ValidationError(_("A számla nem ehhez a rendelőhöz tartozik."))
    patient = invoice.patient
    recipient = recipient.strip() or (patient.email if patient is not None else "")
    if not recipient:
        raise ValidationError(
            _("Nincs címzett: a páciensnek nincs e-mail címe; adjon meg egy címet.")
        )
    language = language if language in PDF_LANGUAGES else "hu"
    texts = TEXTS[language]
    practice = invoice.practice
    total = money(
        invoice.gross_total_cur if invoice.currency != "HUF" else invoice.gross_total,
        invoice.currency,
    )
    subject = texts["subject"].format(number=invoice.number, practice=practice.name)
    text = texts["body"].format(
        customer=invoice.customer_name, number=invoice.number, total=total, practice=practice.name
    )
    html = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    # Rendered before the transaction: a PDF takes a while and holds no lock.
    pdf = invoice_pdf(invoice, language if language != "hu" else None)
    filename = f"{texts['file']}-{invoice.number}.pdf"
    try:
        with transaction.atomic():
            message = message_email_queue(
                practice=practice,
                recipient=recipient,
                subject=subject,
                text=text,
                html=html,
                patient=patient,
                attachments=[Attachment(filename, pdf, "application/pdf")],
                about_kind=INVOICE_KIND,
                about_id=invoice.pk,
                language=language,
                created_by=actor,
            )
            audit_record(
                practice=practice,
                actor=actor.user,
                action=AuditAction.CREATE,
                obj=message,
                patient_id=invoice.patient_id,
                summary=_("Számla (%(number)s) küldése e-mailben: %(to)s")
                % {"number": invoice.number, "to": recipient},
                changes={"invoice": invoice.pk, "message_id": message.message_id},
                request=request,
            )
    except MessagingError as error:
        raise ValidationError(error.message) from None
    return message
