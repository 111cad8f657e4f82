"""The read cache's rules: a read that started before an invalidation is not stored; bounded size;
entries expire; nothing is served while the event stream is not followed."""

from __future__ import annotations

import math

from secmaster.read_cache import InstrumentReadCache


def test_a_read_older_than_an_invalidation_is_not_stored() -> None:
    cache = InstrumentReadCache()
    before = cache.generation
    cache.invalidate(["BOND-1"])  # a write committed while the read was under way
    cache.put("BOND-1", b"old terms", '"a"', before)
    assert cache.get("BOND-1") is None
    cache.put("BOND-1", b"new terms", '"b"', cache.generation)
    hit = cache.get("BOND-1")
    assert hit is not None and (hit.body, hit.etag) == (b"new terms", '"b"')
    cache.invalidate(["BOND-1"])
    assert cache.get("BOND-1") is None


def test_oldest_entries_leave_first_and_old_entries_expire() -> None:
    cache = InstrumentReadCache(max_entries=2)
    for name in ("A", "B", "C"):
        cache.put(name, name.encode(), '"x"', cache.generation)
    assert cache.get("A") is None and cache.get("C") is not None and len(cache) == 2
    expired = InstrumentReadCache(max_age_s=0.0)
    expired.put("A", b"a", '"x"', expired.generation)
    assert expired.get("A") is None


def test_nothing_is_stored_or_served_while_the_stream_is_not_followed() -> None:
    cache = InstrumentReadCache()
    cache.put("A", b"a", '"x"', cache.generation)
    cache.live_until = 0.0
    assert cache.get("A") is None
    cache.put("B", b"b", '"x"', cache.generation)
    cache.live_until = math.inf
    assert cache.get("A") is not None and cache.get("B") is None
