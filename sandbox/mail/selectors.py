"""Reading the catcher's store for its pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from sandbox.mail.models import CaughtAttachment, CaughtMessage

PAGE_SIZE = 100


def messages_list(*, to: str = "") -> QuerySet[CaughtMessage]:
    """Newest first, without the heavy columns (raw bytes, bodies)."""
    query = CaughtMessage.objects.defer("raw", "text_body", "html_body", "headers").annotate(
        attachment_count=Count("attachments")
    )
    if to:
        query = query.filter(to_header__icontains=to)
    return query.order_by("-received_at", "-pk")


def access_message(pk: int) -> CaughtMessage:
    return get_object_or_404(CaughtMessage.objects.defer("raw"), pk=pk)


def access_attachment(message_pk: int, pk: int) -> CaughtAttachment:
    return get_object_or_404(CaughtAttachment, message_id=message_pk, pk=pk)


def access_message_raw(pk: int) -> CaughtMessage:
    return get_object_or_404(CaughtMessage.objects.only("pk", "raw"), pk=pk)
