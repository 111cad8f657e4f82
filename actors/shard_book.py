"""One shard's positions and their risk on the latest tick of each market (plain Python; the Ray actor
in :mod:`actors.shard` wraps it).

Each currency market (``USD``, ``EUR``) has its own :class:`pricing.PortfolioEngine` holding only that
market's positions and curves, so a USD tick re-bootstraps and revalues only USD positions (scenarios:
base, parallel ±1bp and ±1bp per USD pillar); EUR positions keep their values from the last EUR tick.
Book sums are cached per market in the market's currency and converted to USD with the latest FX.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actors.partials import BookSums, InstrumentRisk, ShardPartial
from core.messages import CurveTick
from pricing import PortfolioEngine, PricingError, cashflow_count, risk_arrays, spec_from_dict
from pricing.specs import InstrumentSpec

__all__ = ["MARKETS", "ShardBook", "TickRejected", "position_key"]

MARKETS = ("USD", "EUR")
REPORTING = "USD"
UNBOOKED = "UNBOOKED"


class TickRejected(Exception):
    """The tick's curves could not be built; the shard keeps its last good state."""


def position_key(entry: Mapping[str, Any]) -> str:
    return str(entry.get("id"))


@dataclass
class _MarketState:
    engine: PortfolioEngine | None = None
    tick: CurveTick | None = None
    sums: dict[str, BookSums] = field(default_factory=dict)  # in the market's currency
    results: dict[str, InstrumentRisk] = field(default_factory=dict)


def _type_of(spec: InstrumentSpec) -> str:
    return {"BondSpec": "bond", "SwapSpec": "swap", "OisSwapSpec": "ois"}[type(spec).__name__]


class ShardBook:
    def __init__(self, shard: int, entries: Iterable[Mapping[str, Any]], engine: str = "fast") -> None:
        self.shard = shard
        self.engine_kind = engine
        self.specs: dict[str, InstrumentSpec] = {}
        self.invalid: dict[str, tuple[str, str]] = {}  # id -> (book, reason): never priceable
        self.markets: dict[str, _MarketState] = {m: _MarketState() for m in MARKETS}
        self.fx: dict[str, float] = {}
        self._pending_changes: dict[str, InstrumentRisk] = {}
        self._pending_removed: list[tuple[str, str]] = []
        self.add(entries)

    # -- book changes ------------------------------------------------------------------------------------
    def add(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace positions; invalid ones become failed results with their reason."""
        by_market: dict[str, list[InstrumentSpec]] = defaultdict(list)
        for entry in entries:
            ident = position_key(entry)
            self.remove([ident], announce=False)
            try:
                spec = spec_from_dict(entry)
            except PricingError as exc:
                book = str(entry.get("book") or UNBOOKED)
                self.invalid[ident] = (book, str(exc))
                self._pending_changes[ident] = self._failed(ident, book, str(entry.get("type")), "", str(exc))
                continue
            if spec.currency not in self.markets:
                reason = f"instrument {ident}: no market feed for currency {spec.currency}"
                self.invalid[ident] = (spec.book or UNBOOKED, reason)
                continue
            self.specs[ident] = spec
            by_market[spec.currency].append(spec)
        for market, specs in by_market.items():
            state = self.markets[market]
            if state.engine is not None:
                state.engine.add_instruments(specs)
                self._revalue(market)

    def remove(self, ids: Iterable[str], announce: bool = True) -> None:
        touched: set[str] = set()
        for ident in ids:
            spec = self.specs.pop(ident, None)
            invalid = self.invalid.pop(ident, None)
            if spec is not None:
                state = self.markets[spec.currency]
                state.results.pop(ident, None)
                if state.engine is not None:
                    state.engine.remove_instruments([ident])
                    touched.add(spec.currency)
            if announce and (spec is not None or invalid is not None):
                book = spec.book if spec is not None and spec.book else (invalid[0] if invalid else UNBOOKED)
                self._pending_removed.append((ident, book))
                self._pending_changes.pop(ident, None)
        for market in touched:
            self._revalue(market)

    @property
    def ids(self) -> list[str]:
        return sorted([*self.specs, *self.invalid])

    def weight(self) -> int:
        return sum(cashflow_count(spec) for spec in self.specs.values()) + len(self.invalid)

    # -- ticks ---------------------------------------------------------------------------------------------
    def apply(self, tick: CurveTick, context: Mapping[str, CurveTick] | None = None) -> ShardPartial:
        """Bring every market up to ``context`` (catch-up after a restart), then apply ``tick``."""
        started = time.perf_counter()
        for other in (context or {}).values():
            current = self.markets[other.market].tick
            if other.market != tick.market and (current is None or current.seq < other.seq):
                self._apply_market(other)
        self._apply_market(tick)
        return self._partial(tick.seq, (time.perf_counter() - started) * 1000.0)

    def _apply_market(self, tick: CurveTick) -> None:
        state = self.markets[tick.market]
        snapshot = tick.to_market_snapshot()
        self.fx.update(tick.fx)
        try:
            if state.engine is None:
                specs = [s for s in self.specs.values() if s.currency == tick.market]
                state.engine = PortfolioEngine(specs, snapshot, engine=self.engine_kind)
            else:
                state.engine.update_market(snapshot)
        except PricingError as exc:
            raise TickRejected(f"{tick.market} tick seq {tick.seq}: {exc}") from exc
        state.tick = tick
        self._revalue(tick.market)

    def _revalue(self, market: str) -> None:
        state = self.markets[market]
        engine, tick = state.engine, state.tick
        if engine is None or tick is None:
            return
        seq, when = tick.seq, tick.market_time.isoformat()
        ids = engine.ids
        arrays = risk_arrays(engine.pv_matrix(), engine.scenarios) if ids else None
        results: dict[str, InstrumentRisk] = {}
        sums: dict[str, BookSums] = defaultdict(BookSums)
        fx = self._fx_to_usd(market)
        for row, ident in enumerate(ids):
            assert arrays is not None
            spec = self.specs[ident]
            book = spec.book or UNBOOKED
            kr01 = {p: float(v) for p, v in zip(arrays.pillars, arrays.kr01[row], strict=True) if v != 0.0}
            pv, dv01, gamma = float(arrays.pv[row]), float(arrays.dv01[row]), float(arrays.gamma[row])
            results[ident] = InstrumentRisk(
                ident,
                book,
                _type_of(spec),
                spec.currency,
                True,
                "",
                pv,
                dv01,
                gamma,
                kr01,
                seq,
                when,
                dv01 * fx,
            )
            target = sums[book]
            target.pv += pv
            target.dv01 += dv01
            target.gamma += gamma
            target.n_ok += 1
            kind = _type_of(spec)
            for measure, value in (("pv", pv), ("dv01", dv01), ("gamma", gamma)):
                target.by_type[f"{kind}:{measure}"] = target.by_type.get(f"{kind}:{measure}", 0.0) + value
        if arrays is not None and ids:
            books = [self.specs[i].book or UNBOOKED for i in ids]
            for book in set(books):
                rows = np.fromiter((b == book for b in books), dtype=bool, count=len(books))
                column_sums = arrays.kr01[rows].sum(axis=0)
                sums[book].kr01.update(
                    {p: float(v) for p, v in zip(arrays.pillars, column_sums, strict=True) if v != 0.0}
                )
        for ident, reason in engine.failures.items():
            spec = self.specs[ident]
            book = spec.book or UNBOOKED
            results[ident] = self._failed(ident, book, _type_of(spec), spec.currency, reason, seq, when)
            sums[book].n_failed += 1
        state.results = results
        state.sums = dict(sums)
        self._pending_changes.update(results)

    def _failed(
        self, ident: str, book: str, kind: str, currency: str, reason: str, seq: int = -1, when: str = ""
    ) -> InstrumentRisk:
        return InstrumentRisk(ident, book, kind, currency, False, reason, 0.0, 0.0, 0.0, {}, seq, when, 0.0)

    def _fx_to_usd(self, currency: str) -> float:
        if currency == REPORTING:
            return 1.0
        direct = self.fx.get(f"{currency}{REPORTING}")
        if direct:
            return direct
        inverse = self.fx.get(f"{REPORTING}{currency}")
        return 1.0 / inverse if inverse else float("nan")

    def _partial(self, seq: int, compute_ms: float) -> ShardPartial:
        books: dict[str, BookSums] = defaultdict(BookSums)
        for market, state in self.markets.items():
            fx = self._fx_to_usd(market)
            if state.tick is None:
                for spec in self.specs.values():
                    if spec.currency == market:
                        books[spec.book or UNBOOKED].n_pending += 1
                continue
            for book, native in state.sums.items():
                target = books[book]
                target.pv += native.pv * fx
                target.dv01 += native.dv01 * fx
                target.gamma += native.gamma * fx
                target.n_ok += native.n_ok
                target.n_failed += native.n_failed
                target.pv_by_currency[market] = target.pv_by_currency.get(market, 0.0) + native.pv
                for key, value in native.kr01.items():
                    target.kr01[key] = target.kr01.get(key, 0.0) + value * fx
                for key, value in native.by_type.items():
                    target.by_type[key] = target.by_type.get(key, 0.0) + value * fx
        for book, _reason in self.invalid.values():
            books[book].n_failed += 1
        changed = tuple(self._pending_changes.values())
        removed = tuple(self._pending_removed)
        self._pending_changes = {}
        self._pending_removed = []
        return ShardPartial(self.shard, seq, dict(books), changed, removed, len(self.ids), compute_ms)
