from __future__ import annotations

from django.db import models


class RequestRecord(models.Model):
    """The first successful answer to a request id (idempotency store).

    Same id + same body hash -> this answer again; same id + other body ->
    DUPLICATE_REQUEST_CONFLICT. Scoped by institution: ids of other institutions never
    collide with ours.
    """

    institution_id = models.CharField(max_length=6)
    request_id = models.CharField(max_length=36)
    service = models.CharField(max_length=40)
    operation = models.CharField(max_length=60)
    body_sha256 = models.CharField(max_length=64)
    response = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution_id", "request_id"], name="request_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.request_id} {self.operation}"
