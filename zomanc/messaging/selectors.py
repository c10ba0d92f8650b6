"""Reading messages: a patient's message log (the card on the patient page), by practice."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from zomanc.core.prebuilt import prebuilt
from zomanc.messaging.models import OutboundMessage
from zomanc.practices.models import StaffMember

PATIENT_LOG_SIZE = 10


# On every patient page: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _latest_messages(practice_id: int, patient_id: int) -> QuerySet[OutboundMessage]:
    return (
        OutboundMessage.objects.filter(practice_id=practice_id, patient_id=patient_id)
        .only(
            "created_at",
            "sent_at",
            "subject",
            "channel",
            "status",
            "recipient",
            "last_error",
            "delivered_at",
            "next_attempt_at",
        )
        .order_by("-created_at", "-pk")[:PATIENT_LOG_SIZE]
    )


def patient_messages(*, practice_id: int, patient_id: int) -> list[OutboundMessage]:
    """The patient's latest messages, newest first: one query, the card's columns only."""
    return _latest_messages(practice_id=practice_id, patient_id=patient_id)


def messages_about(
    *, practice_id: int, kind: str, about_id: str | int
) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(
        practice_id=practice_id, about_kind=kind, about_id=str(about_id)
    ).order_by("-created_at", "-pk")


def access_message(member: StaffMember, message_id: int) -> OutboundMessage:
    message = OutboundMessage.objects.filter(practice_id=member.practice_id, pk=message_id).first()
    if message is None:
        raise Http404
    return message
