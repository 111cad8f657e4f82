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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from actors.intake import fx_to_reporting
from actors.partials import BookSums, InstrumentRisk, ShardPartial
from core.config import get_settings
from core.logging import get_logger
from core.messages import CurveTick
from market_replay.fixings import market_fixing_history
from pricing import (
    MarketSnapshot,
    PortfolioEngine,
    PricingError,
    cashflow_count,
    parse_market,
    risk_arrays,
    spec_from_dict,
)
from pricing.errors import EngineError
from pricing.fast import CurveNodes
from pricing.measures import RiskArrays
from pricing.specs import InstrumentSpec, spec_type

__all__ = [
    "MARKETS",
    "PUBLISH_PER_TICK",
    "PvSource",
    "ShardBook",
    "TickRejected",
    "local_pvs",
    "position_key",
    "select_columns",
]

_log = get_logger(__name__)

MARKETS = ("USD", "EUR")
#: Per-position results sent to Redis per tick and market, round-robin (new positions always): the book
#: totals are exact on every tick, and a 10,000-position shard refreshes every position about once a
#: second at 10 ticks/s without a 10,000-row burst in one tick. None: every position on every tick.
PUBLISH_PER_TICK = 500
REPORTING = "USD"
UNBOOKED = "UNBOOKED"


class TickRejected(Exception):
    """The tick's curves could not be built; the shard keeps its last good state."""


def select_columns(nodes: Mapping[str, CurveNodes], columns: Sequence[int]) -> dict[str, CurveNodes]:
    """The nodes of some scenario columns only (a replica's share of the tick's scenarios)."""
    picked = list(columns)
    return {name: replace(n, values=n.values[picked]) for name, n in nodes.items()}


def position_key(entry: Mapping[str, Any]) -> str:
    return str(entry.get("id"))


@dataclass
class _MarketState:
    engine: PortfolioEngine | None = None
    tick: CurveTick | None = None
    fixings_day: str = ""
    fixings_source: Mapping[str, Mapping[date, float]] = field(default_factory=dict)
    fixings_parsed: Mapping[str, Mapping[date, float]] | None = None
    sums: dict[str, BookSums] = field(default_factory=dict)  # in the market's currency
    ids: tuple[str, ...] = ()
    arrays: RiskArrays | None = None
    failures: dict[str, str] = field(default_factory=dict)
    session: int = 0  # the tick-order session of the market's last tick (actors.ordering)


#: (market, its engine, the tick's curve nodes of every scenario or None) -> PV matrix [position, scenario]
PvSource = Callable[[str, PortfolioEngine, Mapping[str, CurveNodes] | None], np.ndarray]


def local_pvs(_market: str, engine: PortfolioEngine, nodes: Mapping[str, CurveNodes] | None) -> np.ndarray:
    """Every scenario valued here: on the given nodes, or on this engine's own re-bootstraps without them
    (or when they do not fit the engine, e.g. positions of a curve the consumer's market lacks)."""
    if nodes is not None:
        try:
            return engine.pv_matrix(nodes=nodes)
        except EngineError as exc:
            _log.warning(
                "tick curve nodes do not fit this shard's engine; bootstrapping here", error=str(exc)
            )
    return engine.pv_matrix()


class ShardBook:
    def __init__(
        self,
        shard: int,
        entries: Iterable[Mapping[str, Any]],
        engine: str = "fast",
        publish_per_tick: int | None = PUBLISH_PER_TICK,
        valuing: bool = True,
        pv_source: PvSource | None = None,
    ) -> None:
        self.shard = shard
        self.valuing = valuing  # False for a replica that only computes shares of the scenarios
        self.engine_kind = engine
        self.publish_per_tick = publish_per_tick
        self._publish_cursor: dict[str, int] = {}
        #: PV matrix of a market's engine, all scenarios, on the tick's curve nodes when given (bootstrapped
        #: once per tick by the consumer); a shard with scenario workers assembles it from their shares
        self.pv_source: PvSource = pv_source or local_pvs
        self.specs: dict[str, InstrumentSpec] = {}
        self.invalid: dict[str, tuple[str, str]] = {}  # id -> (book, reason): never priceable
        self.markets: dict[str, _MarketState] = {m: _MarketState() for m in MARKETS}
        self.fx: dict[str, float] = {}
        #: the newest tick-order session seen: markets whose last tick is from an earlier one are pending
        self.session = 0
        self._pending_changes: dict[str, InstrumentRisk] = {}
        self._pending_removed: list[tuple[str, str]] = []
        self._published_ids: set[str] = set()
        # positions added or replaced after start-up, not valued yet; and, per book, the USD PV that book
        # changes brought in since the last partial (netted out of P&L since the open by the aggregator)
        self._fresh: set[str] = set()
        self._book_change: dict[str, float] = defaultdict(float)
        self.add(entries)
        self._started = True

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
            if getattr(self, "_started", False):
                self._fresh.add(ident)
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
            self._published_ids.discard(ident)
            if spec is not None:
                state = self.markets[spec.currency]
                if ident in self._fresh:
                    self._fresh.discard(ident)
                elif state.arrays is not None and ident in state.ids:
                    last_pv = float(state.arrays.pv[state.ids.index(ident)])
                    self._book_change[spec.book or UNBOOKED] -= last_pv * self._fx_to_usd(spec.currency)
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
    def apply(
        self,
        tick: CurveTick,
        context: Mapping[str, CurveTick] | None = None,
        nodes: Mapping[str, CurveNodes] | None = None,
        session: int = 0,
    ) -> ShardPartial:
        """Bring every market up to ``context`` (catch-up after a restart), then apply ``tick``; ``nodes``:
        the tick market's curve nodes in every scenario, bootstrapped once for all shards (optional);
        ``session``: the tick's session (a market that has not ticked in it yet is pending)."""
        started = time.perf_counter()
        self.session = max(self.session, session)
        for other in (context or {}).values():
            current = self.markets[other.market].tick
            if other.market != tick.market and (current is None or current.seq < other.seq):
                self._apply_market(other)
        self._apply_market(tick, nodes)
        return self._partial(tick.seq, (time.perf_counter() - started) * 1000.0)

    def scenario_pvs(
        self,
        tick: CurveTick,
        context: Mapping[str, CurveTick],
        part: int,
        parts: int,
        nodes: Mapping[str, CurveNodes] | None = None,
    ) -> tuple[tuple[str, ...], list[int], np.ndarray]:
        """For a replica of this shard: apply the tick without valuing, then the PVs of one contiguous
        share of the tick market's scenarios: (position ids, scenario indices, PV matrix)."""
        for other in [*(t for t in context.values() if t.market != tick.market), tick]:
            current = self.markets[other.market].tick
            if current is None or current.seq != other.seq:
                self._apply_market(other)
        engine = self.markets[tick.market].engine
        assert engine is not None
        chunks = engine.scenarios.chunks(parts)
        indices = chunks[part] if part < len(chunks) else []
        if not indices or not engine.ids:
            return engine.ids, indices, np.empty((len(engine.ids), 0))
        if nodes is not None:
            try:
                return engine.ids, indices, engine.pv_matrix(indices, select_columns(nodes, indices))
            except EngineError as exc:
                _log.warning("tick curve nodes do not fit this replica; bootstrapping here", error=str(exc))
        return engine.ids, indices, engine.pv_matrix(indices)

    def _apply_market(self, tick: CurveTick, nodes: Mapping[str, CurveNodes] | None = None) -> None:
        state = self.markets[tick.market]
        try:
            snapshot = self._snapshot(state, tick)
            if state.engine is None:
                specs = [s for s in self.specs.values() if s.currency == tick.market]
                state.engine = PortfolioEngine(
                    specs, snapshot, engine=self.engine_kind, interpolation=get_settings().interpolation
                )
            elif state.engine.update_market(snapshot):
                # rebuilt for a new day: cashflows moved on, publish every position afresh
                self._published_ids -= set(state.engine.specs)
        except PricingError as exc:
            raise TickRejected(f"{tick.market} tick seq {tick.seq}: {exc}") from exc
        self.fx.update(tick.fx)
        state.tick = tick
        state.session = self.session
        self._revalue(tick.market, nodes)

    def _snapshot(self, state: _MarketState, tick: CurveTick) -> MarketSnapshot:
        """The tick's market with the whole fixing history; ticks carry recent fixings only, and the
        (large) history is merged and parsed once per day and fixing set, not on every tick."""
        raw = tick.to_market_snapshot()
        day = tick.as_of.isoformat()
        if state.fixings_day != day or state.fixings_source != tick.fixings or state.fixings_parsed is None:
            history = market_fixing_history(tick.market, tick.as_of)  # type: ignore[arg-type]
            merged = {index: dict(series) for index, series in history.items()}
            for index, series in raw["fixings"].items():
                merged.setdefault(index, {}).update(series)
            state.fixings_day, state.fixings_source = day, tick.fixings
            state.fixings_parsed = parse_market({**raw, "fixings": merged}).fixings
        return replace(parse_market({**raw, "fixings": {}}), fixings=state.fixings_parsed)

    def _revalue(self, market: str, nodes: Mapping[str, CurveNodes] | None = None) -> None:
        """Value the market's positions in every scenario; book sums in numpy, per-instrument rows only
        round-robin, :data:`PUBLISH_PER_TICK` at a time (and new ones at once)."""
        state = self.markets[market]
        engine, tick = state.engine, state.tick
        if engine is None or tick is None or not self.valuing:
            return
        ids = engine.ids
        arrays = risk_arrays(self.pv_source(market, engine, nodes), engine.scenarios) if ids else None
        sums: dict[str, BookSums] = defaultdict(BookSums)
        if arrays is not None:
            books = np.asarray([self.specs[i].book or UNBOOKED for i in ids])
            kinds = np.asarray([spec_type(self.specs[i]) for i in ids])
            for book in np.unique(books):
                rows = books == book
                target = sums[str(book)]
                target.pv, target.dv01, target.gamma = (
                    float(arrays.pv[rows].sum()),
                    float(arrays.dv01[rows].sum()),
                    float(arrays.gamma[rows].sum()),
                )
                target.n_ok = int(rows.sum())
                column_sums = arrays.kr01[rows].sum(axis=0)
                target.kr01.update(
                    {p: float(v) for p, v in zip(arrays.pillars, column_sums, strict=True) if v != 0.0}
                )
                for kind in np.unique(kinds[rows]):
                    both = rows & (kinds == kind)
                    target.by_type[f"{kind}:pv"] = float(arrays.pv[both].sum())
                    target.by_type[f"{kind}:dv01"] = float(arrays.dv01[both].sum())
                    target.by_type[f"{kind}:gamma"] = float(arrays.gamma[both].sum())
        for ident in engine.failures:
            sums[self.specs[ident].book or UNBOOKED].n_failed += 1
        if arrays is not None and self._fresh:
            fx = self._fx_to_usd(market)
            for row, ident in enumerate(ids):
                if ident in self._fresh:
                    self._book_change[self.specs[ident].book or UNBOOKED] += float(arrays.pv[row]) * fx
                    self._fresh.discard(ident)
        state.ids, state.arrays, state.failures, state.sums = ids, arrays, dict(engine.failures), dict(sums)
        self._queue_publication(market)

    def _queue_publication(self, market: str) -> None:
        state = self.markets[market]
        tick, arrays = state.tick, state.arrays
        if tick is None:
            return
        assert state.engine is not None
        seq, when = tick.seq, tick.market_time.isoformat()
        fx = self._fx_to_usd(market)
        count = len(state.ids)
        budget = count if self.publish_per_tick is None else min(count, self.publish_per_tick)
        start = self._publish_cursor.get(market, 0) % max(count, 1)
        due = {(start + k) % count for k in range(budget)}
        self._publish_cursor[market] = start + budget
        for row, ident in enumerate(state.ids):
            new = ident not in self._published_ids
            if not new and row not in due:
                continue
            assert arrays is not None
            spec = self.specs[ident]
            kr01 = {p: float(v) for p, v in zip(arrays.pillars, arrays.kr01[row], strict=True) if v != 0.0}
            dv01 = float(arrays.dv01[row])
            flows = tuple(state.engine.projected_cashflows(ident)) if new else None
            self._pending_changes[ident] = InstrumentRisk(
                ident, spec.book or UNBOOKED, spec_type(spec), spec.currency, True, "", float(arrays.pv[row]),
                dv01, float(arrays.gamma[row]), kr01, seq, when, dv01 * fx, flows,
            )  # fmt: skip
            self._published_ids.add(ident)
        for ident, reason in state.failures.items():
            if ident not in self._published_ids or self.publish_per_tick is None:
                spec = self.specs[ident]
                self._pending_changes[ident] = self._failed(
                    ident, spec.book or UNBOOKED, spec_type(spec), spec.currency, reason, seq, when
                )
                self._published_ids.add(ident)

    def _failed(
        self, ident: str, book: str, kind: str, currency: str, reason: str, seq: int = -1, when: str = ""
    ) -> InstrumentRisk:
        return InstrumentRisk(ident, book, kind, currency, False, reason, 0.0, 0.0, 0.0, {}, seq, when, 0.0)

    def _fx_to_usd(self, currency: str) -> float:
        """USD per unit of ``currency``; the consumer refuses a tick without it (actors.intake), so a
        market that has ticked always has one. Raises ``KeyError`` otherwise, never a NaN total."""
        rate = fx_to_reporting(self.fx, currency)
        if rate is None:
            raise KeyError(f"no FX rate from {currency} to {REPORTING}")
        return rate

    def _partial(self, seq: int, compute_ms: float) -> ShardPartial:
        books: dict[str, BookSums] = defaultdict(BookSums)
        for market, state in self.markets.items():
            if state.tick is None or state.session < self.session:
                for spec in self.specs.values():
                    if spec.currency == market:
                        books[spec.book or UNBOOKED].n_pending += 1
                continue
            fx = self._fx_to_usd(market)
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
        for book, change in self._book_change.items():
            books[book].pv_change += change
        self._book_change.clear()
        changed = tuple(self._pending_changes.values())
        removed = tuple(self._pending_removed)
        self._pending_changes = {}
        self._pending_removed = []
        return ShardPartial(self.shard, seq, dict(books), changed, removed, len(self.ids), compute_ms)
