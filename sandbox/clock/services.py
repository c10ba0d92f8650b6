"""Reading and setting the sandbox clock.

Business rules (assertion validity, nonces, lockouts, event deadlines) use ``now()``.
Transport freshness (WS-Security Timestamp) and TOTP use the wall clock, because the
client's clock and the user's token are not moved by the operator's offset.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sandbox.clock.models import ClockOffset
from sandbox.memo import Memo


def _load_offset() -> int:
    row = ClockOffset.objects.filter(pk=1).values_list("seconds", flat=True).first()
    return int(row or 0)


# Read by every call (and twice by a SOAP call): loaded once, cleared by clock_offset_set.
_offset = Memo(_load_offset)


def offset_seconds() -> int:
    return _offset.get()


def now() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=offset_seconds())


def clock_offset_set(*, seconds: int) -> ClockOffset:
    row, _ = ClockOffset.objects.update_or_create(pk=1, defaults={"seconds": seconds})
    _offset.clear()
    return row
