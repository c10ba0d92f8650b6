# ruff: noqa: E501 -- the message's wording in three languages reads better unwrapped
"""Sending a quote by e-mail ("Árajánlat küldése e-mailben"): the quote PDF attached to a
message in the quote's language, queued in the practice's outbox (zomanc/messaging) in the
same transaction as its audit entry.

The wording is here in three languages, not in the gettext catalogue, for the reason the
PDF's is (plans/pdf.py): it is the document's language, chosen per quote, not the reader's
interface language."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.messaging.models import OutboundMessage
from zomanc.messaging.services import (
    Attachment,
    MessagingError,
    mail_settings_of,
    message_email_queue,
)
from zomanc.plans.models import PlanStatus, TreatmentPlan
from zomanc.plans.selectors import plan_quote
from zomanc.practices.models import StaffMember

QUOTE_KIND = "plans.quote"

TEXTS: dict[str, dict[str, str]] = {
    "hu": {
        "subject": "Árajánlat – {practice}",
        "body": "Kedves {patient}!\n\nMellékelten küldjük a kezelési tervéhez tartozó árajánlatot ({title}, {version}. verzió).{valid}\n\nKérdés esetén válaszoljon erre a levélre, vagy hívja rendelőnket.\n\nÜdvözlettel:\n{practice}",
        "valid": " Az ajánlat {date}-ig érvényes.",
        "date": "%Y.%m.%d.",
        "file": "arajanlat",
    },
    "en": {
        "subject": "Your quote – {practice}",
        "body": "Dear {patient},\n\nPlease find attached the quote for your treatment plan ({title}, version {version}).{valid}\n\nIf you have any questions, reply to this e-mail or call our practice.\n\nKind regards,\n{practice}",
        "valid": " The quote is valid until {date}.",
        "date": "%d %B %Y",
        "file": "quote",
    },
    "de": {
        "subject": "Ihr Kostenvoranschlag – {practice}",
        "body": "Sehr geehrte(r) {patient},\n\nim Anhang finden Sie den Kostenvoranschlag zu Ihrem Behandlungsplan ({title}, Version {version}).{valid}\n\nBei Fragen antworten Sie bitte auf diese E-Mail oder rufen Sie unsere Praxis an.\n\nMit freundlichen Grüßen\n{practice}",
        "valid": " Der Kostenvoranschlag ist gültig bis {date}.",
        "date": "%d.%m.%Y",
        "file": "kostenvoranschlag",
    },
}
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def quote_email_text(plan: TreatmentPlan) -> tuple[str, str, str]:
    """(subject, text, file name) of the quote's message in its language."""
    texts = TEXTS.get(plan.language, TEXTS["hu"])
    valid = ""
    if plan.valid_until is not None:
        pattern = texts["date"].replace("%B", EN_MONTHS[plan.valid_until.month - 1])
        valid = texts["valid"].format(date=plan.valid_until.strftime(pattern))
    practice = plan.practice.name
    subject = texts["subject"].format(practice=practice)
    body = texts["body"].format(
        patient=plan.patient.full_name,
        title=plan.title,
        version=plan.version,
        valid=valid,
        practice=practice,
    )
    return subject, body, f"{texts['file']}-{plan.pk}-v{plan.version}.pdf"


def plan_quote_send(
    *, plan: TreatmentPlan, actor: StaffMember, request: HttpRequest | None = None
) -> OutboundMessage:
    """Queues the quote to the patient's e-mail address; refused in Hungarian (ValidationError,
    nothing queued) for a draft, a patient without an e-mail address, or a practice without
    e-mail settings."""
    from zomanc.plans.pdf import quote_pdf  # WeasyPrint only when a PDF is made

    patient = plan.patient
    if plan.status == PlanStatus.DRAFT:
        raise ValidationError(_("Tervezetet nem küldünk ki: előbb adja ki az árajánlatot."))
    if not patient.email:
        raise ValidationError(
            _("A páciensnek nincs e-mail címe; adja meg az adatai között, és küldje újra.")
        )
    if mail_settings_of(plan.practice_id) is None:
        raise ValidationError(
            _(
                "A rendelőnek nincs e-mail beállítása (Beállítások / E-mail); az árajánlat nem küldhető el."
            )
        )
    subject, text, filename = quote_email_text(plan)
    html = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    # Rendered before the transaction: a PDF takes a while and holds no lock.
    pdf = quote_pdf(plan_quote(plan))
    try:
        with transaction.atomic():
            message = message_email_queue(
                practice=plan.practice,
                recipient=patient.email,
                subject=subject,
                text=text,
                html=html,
                patient=patient,
                attachments=[Attachment(filename, pdf, "application/pdf")],
                about_kind=QUOTE_KIND,
                about_id=plan.pk,
                language=plan.language,
                created_by=actor,
            )
            audit_record(
                practice=plan.practice,
                actor=actor.user,
                action=AuditAction.CREATE,
                obj=message,
                patient_id=patient.pk,
                summary=_("Árajánlat (v%(version)s) küldése e-mailben: %(to)s")
                % {"version": plan.version, "to": patient.email},
                changes={"plan": plan.pk, "message_id": message.message_id},
                request=request,
            )
    except MessagingError as error:
        raise ValidationError(error.message) from None
    return message
