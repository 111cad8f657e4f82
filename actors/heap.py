"""Keep Python's full garbage collections off the tick path of long-lived actors.

CPython's cyclic collector scans every tracked object in a full (generation 2) collection. An actor that
holds a book's QuantLib instruments, cashflow tables and specs has a few hundred thousand of them, so a
full collection stops the actor for 50-150 ms at a moment set by the allocation count: a tick that meets
one misses the latency budget. :func:`settle` collects once and then freezes what survived
(``gc.freeze``, CPython 3.7+): frozen objects are never scanned again, later collections only look at
what was made since. Call it where the long-lived state changes wholesale (after start-up, after a
market's curves and instruments are rebuilt for a new day); it unfreezes first, so the previous state's
garbage is collected then and nothing is held for good.
"""

from __future__ import annotations

import gc
import time

__all__ = ["settle"]


def settle() -> float:
    """Collect everything, then freeze the survivors out of later collections; returns the milliseconds
    it took (one full collection)."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return (time.perf_counter() - started) * 1000.0
