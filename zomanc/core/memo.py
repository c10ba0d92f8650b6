"""Values kept per process between requests, each valid only under the exact key it was
computed from (issue 18: pages that recompute the same result on every reload).

Nothing is ever invalidated: a changed input is a different key, and a value is handed out
only when the key it was stored with equals the caller's in full (not by hash). What the key
must hold is the user's argument (docs/decisions.md, issue 18, "Repeated rows built in
Python": the recall list and the calendar); this class only keeps the entries. An entry
lives in a slot — the place the value is asked for again (a practice, a page's address) —
so a slot holds one value, its newest, and the cache holds the `max_slots` slots used last.

Per process, not in Django's cache: there a value would be pickled on the way in and out,
about as dear as computing it again."""

import threading
from collections import OrderedDict
from collections.abc import Hashable


class SlotCache[V]:
    def __init__(self, max_slots: int) -> None:
        self.max_slots = max_slots
        self._entries: OrderedDict[Hashable, tuple[Hashable, V]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, slot: Hashable, key: Hashable) -> V | None:
        """The slot's value if it was stored under an equal key, else None."""
        with self._lock:
            entry = self._entries.get(slot)
            if entry is None or entry[0] != key:
                return None
            self._entries.move_to_end(slot)
            return entry[1]

    def put(self, slot: Hashable, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[slot] = (key, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self.max_slots:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
