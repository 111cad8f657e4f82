"""What a shard sends the aggregator for one tick, and how partials reduce to book totals.

A shard's partial carries book-level sums over *all* its instruments (those the tick revalued and those
whose market did not move, at their last values), plus the per-instrument results that changed. So
the aggregator needs no per-instrument memory, and a restarted aggregator is right on the next tick.
Money is in USD (the reporting currency) in the sums and in the instrument's currency per instrument.

With several tick consumers (one per set of markets), the shards compute the ticks of the markets in one
order and the consumers hand the partials to the aggregator in another: a USD tick's partials computed
before an EUR tick's may reach the aggregator after them. :class:`NewestPartials` keeps, per shard, the
partial the shard computed last (its :attr:`ShardPartial.version`), so book totals never go back to a
market state the shard has already moved past.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from core.keys import ALL_BOOKS
from core.records import InstrumentRiskRecord

__all__ = ["BookSums", "InstrumentRisk", "NewestPartials", "ShardPartial", "reduce_partials"]


@dataclass(frozen=True)
class InstrumentRisk:
    """One position's latest risk: its ``risk:instr:{id}`` record (instrument currency, or why it failed)
    and its DV01 in USD (its score in the books' ``dv01_rank``; 0 for a failed position)."""

    record: InstrumentRiskRecord
    dv01_usd: float


@dataclass
class BookSums:
    """Additive totals of one book (USD unless keyed by currency)."""

    pv: float = 0.0
    dv01: float = 0.0
    gamma: float = 0.0
    n_ok: int = 0
    n_failed: int = 0
    n_pending: int = 0
    pv_change: float = 0.0  # PV brought in (or taken out) by book changes since the last tick
    pv_by_currency: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    kr01: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    by_type: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, other: BookSums) -> None:
        self.pv += other.pv
        self.dv01 += other.dv01
        self.gamma += other.gamma
        self.n_ok += other.n_ok
        self.n_failed += other.n_failed
        self.n_pending += other.n_pending
        self.pv_change += other.pv_change
        for target, source in (
            (self.pv_by_currency, other.pv_by_currency),
            (self.kr01, other.kr01),
            (self.by_type, other.by_type),
        ):
            for key, value in source.items():
                target[key] = target.get(key, 0.0) + value


@dataclass(frozen=True)
class ShardPartial:
    shard: int
    seq: int
    books: Mapping[str, BookSums]
    changed: tuple[InstrumentRisk, ...]
    removed: tuple[tuple[str, str], ...]  # (instrument id, book) no longer in the book
    n_instruments: int
    compute_ms: float
    #: (shard incarnation, ticks applied by it): the order in which the shard computed its partials;
    #: (0, 0) when not stamped (a shard book driven directly), which is taken as the newest
    version: tuple[int, int] = (0, 0)


def reduce_partials(partials: Iterable[ShardPartial]) -> dict[str, BookSums]:
    """Sum the shards' book totals; book ``ALL`` is the whole portfolio."""
    books: dict[str, BookSums] = defaultdict(BookSums)
    for partial in partials:
        for book, sums in partial.books.items():
            books[book].add(sums)
    whole = BookSums()
    for sums in books.values():
        whole.add(sums)
    books[ALL_BOOKS] = whole
    return dict(books)


class NewestPartials:
    """Per shard, the partial it computed last; a partial that arrives after a newer one of its shard
    (another consumer's tick computed later but delivered first) is superseded by it.

    :meth:`merge` returns, per shard, the newest partial, except that the book changes brought in
    (``pv_change``, netted out of P&L since the open) are those of the partials given: each partial's
    book changes count once, in the call that delivers it, whatever its age.
    """

    def __init__(self) -> None:
        self._newest: dict[int, ShardPartial] = {}

    def merge(self, partials: Iterable[ShardPartial]) -> list[ShardPartial]:
        merged: list[ShardPartial] = []
        for partial in partials:
            kept = self._newest.get(partial.shard)
            if kept is None or partial.version >= kept.version or partial.version == (0, 0):
                self._newest[partial.shard] = partial
                merged.append(partial)
                continue
            books: dict[str, BookSums] = {}
            for book in {*kept.books, *partial.books}:
                current = kept.books.get(book)
                change = partial.books[book].pv_change if book in partial.books else 0.0
                books[book] = replace(current or BookSums(), pv_change=change)
            merged.append(replace(kept, seq=partial.seq, books=books, changed=partial.changed,
                                  removed=partial.removed, compute_ms=partial.compute_ms))  # fmt: skip
        return merged
