from __future__ import annotations

from django.db import models


class FaultRule(models.Model):
    """Injection settings for one service (``service`` = its name) or all (``"*"``).

    Shares are probabilities 0..1 per request; the rule for the service and the ``*``
    rule both apply (the larger share / latency wins).
    """

    service = models.CharField(max_length=40, unique=True)
    latency_ms = models.PositiveIntegerField(default=0)
    share_http_503 = models.FloatField(default=0)
    share_unavailable_fault = models.FloatField(default=0)
    share_drop = models.FloatField(default=0)
    # processed and committed, but the answer never arrives (connection held, then closed)
    share_hang = models.FloatField(default=0)
    hang_seconds = models.PositiveIntegerField(default=30)
    maintenance_from = models.DateTimeField(null=True, blank=True)
    maintenance_until = models.DateTimeField(null=True, blank=True)
    retry_after_seconds = models.PositiveIntegerField(default=30)

    def __str__(self) -> str:
        return self.service


class Counter(models.Model):
    name = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
