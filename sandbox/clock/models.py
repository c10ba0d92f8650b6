from __future__ import annotations

from django.db import models


class ClockOffset(models.Model):
    """Singleton row (pk=1): seconds added to the real clock for business rules.

    Lets an operator (or a test in another process) move the national side into the
    future — assertions expire, deadlines pass — without touching the machine clock.
    """

    seconds = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.seconds} s"
