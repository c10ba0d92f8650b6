"""core.memo.SlotCache: a value only under its own key, the slots used last only."""

from zomanc.core.memo import SlotCache


def test_a_value_is_handed_out_under_an_equal_key_only() -> None:
    cache: SlotCache[str] = SlotCache(max_slots=4)
    cache.put("week", ("rows", 1), "old")
    cache.put("week", ("rows", 2), "new")  # the slot's newest replaces it
    assert cache.get("week", ("rows", 1)) is None
    assert cache.get("week", ("rows", 2)) == "new"
    assert cache.get("other", ("rows", 2)) is None


def test_the_cache_keeps_its_last_slots_only() -> None:
    cache: SlotCache[int] = SlotCache(max_slots=2)
    for slot in range(3):
        cache.put(slot, ("key", slot), slot)
    assert cache.get(0, ("key", 0)) is None  # the least recently used went
    assert cache.get(1, ("key", 1)) == 1
    cache.put(3, ("key", 3), 3)  # 1 was read last: 2 goes
    assert cache.get(2, ("key", 2)) is None and cache.get(1, ("key", 1)) == 1
