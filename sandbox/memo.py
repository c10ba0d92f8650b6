"""Operator settings read by every SOAP call, loaded once instead of once per call.

The clock offset and the fault rules change a few times a day (operator page, admin
endpoint) but are read by every request; reading them costs a third of the framework's
queries. A ``Memo`` keeps the loaded value in the process:

- the services that write the setting call ``clear()`` at once and again when their
  transaction commits (a concurrent request that loaded the old value meanwhile cannot
  store it: the generation changed);
- a value is used for at most ``MAX_AGE_SECONDS``, so a write by another process (a shell,
  a second server on PostgreSQL) is seen within that time;
- ``Memo.clear_all()`` forgets everything (tests: their rolled-back writes never commit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from django.db import transaction

MAX_AGE_SECONDS = 1.0


class Memo[T]:
    _all: ClassVar[list[Memo[Any]]] = []

    def __init__(self, load: Callable[[], T]):
        self._load = load
        self._lock = threading.Lock()
        self._generation = 0
        self._value: tuple[T, float] | None = None  # (value, loaded at, monotonic)
        Memo._all.append(self)

    def get(self) -> T:
        cached = self._value
        if cached is not None and time.monotonic() - cached[1] < MAX_AGE_SECONDS:
            return cached[0]
        generation = self._generation
        value = self._load()
        with self._lock:
            if generation == self._generation:
                self._value = (value, time.monotonic())
        return value

    def clear(self) -> None:
        """Call from every write of the setting, inside its transaction."""
        self._forget()
        transaction.on_commit(self._forget)

    def _forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._value = None

    @classmethod
    def clear_all(cls) -> None:
        for memo in cls._all:
            memo._forget()
