"""The practice system's clock, moved for a scenario: `django.utils.timezone.now` runs
`ZOMANC_SCENARIO_CLOCK_SECONDS` seconds ahead (or behind) in every process that imports this
module — the scenario itself, and its workers (in `Run.preload`, imported before
`ox_worker` starts).

Why: the reminders' worker refuses to send between 20:00 and 08:00 Budapest time, so a
scenario run at night would wait for the morning; with the clock moved, every process lives
in the same daytime hour whatever the wall clock says. Why `timezone.now` and not
time-machine: everything that decides about a row (the reminders' and messages' due
times, leases, backoff; django-ox's run_after) reads `timezone.now()`, while time-machine
would also move `time.time()` — which ox compares with heartbeat files' real mtimes — and
the leases django-ox stamps with the database's own clock compare only with that clock.
Nothing here touches the database's or the sandbox's clock."""

from __future__ import annotations

import datetime as dt
import os

from django.utils import timezone

ENV = "ZOMANC_SCENARIO_CLOCK_SECONDS"
_real_now = timezone.now


def clock_set(seconds: float) -> None:
    """From now on `timezone.now()` is the real time plus `seconds` (0: the real clock)."""
    if not seconds:
        timezone.now = _real_now
        return
    shift = dt.timedelta(seconds=seconds)

    def now() -> dt.datetime:
        return _real_now() + shift

    timezone.now = now


def clock_reset() -> None:
    timezone.now = _real_now


clock_set(float(os.environ.get(ENV) or 0))
