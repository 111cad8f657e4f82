"""One shard's positions and their risk on the latest tick of each market (plain Python; the Ray actor
in :mod:`actors.shard` wraps it).

Positions (book entries, keyed by the entry's ``id``: the instrument's id, or ``{id}@{book}`` in a
whole-portfolio export of an instrument held in several books) are resolved once into the instruments they
hold (:func:`pricing.position_from_dict`): each instrument is built and valued once per shard however many
positions hold it, and a position's risk is its instrument's times its signed quantity
(:func:`pricing.scale_rows`), so a short is exactly minus the long.

Each currency market (``USD``, ``EUR``) has its own :class:`pricing.PortfolioEngine` holding only that
market's instruments and curves, so a USD tick re-bootstraps and revalues only USD instruments (scenarios:
base, parallel ±1bp and ±1bp per USD pillar); EUR positions keep their values from the last EUR tick.
Book sums are cached per market in the market's currency and converted to USD with the latest FX.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from actors.partials import BookSums, InstrumentRisk, ShardPartial
from core.config import get_settings
from core.logging import get_logger
from core.messages import CurveTick
from core.records import InstrumentRiskRecord
from pricing import (
    MarketSnapshot,
    PortfolioEngine,
    Position,
    PricingError,
    cashflow_count,
    parse_market,
    position_from_dict,
    risk_arrays,
    scale_rows,
)
from pricing.errors import EngineError
from pricing.fast import CurveNodes
from pricing.fx import reporting_rate
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
#: totals are exact on every tick; at 10 ticks/s a 5,000-position shard refreshes each of its rows every
#: 5-10 s (each row carries the seq and market time it was computed on). Rows cost more shard CPU than
#: the numpy valuation at 500 per tick (JSON and the Redis protocol, measured with py-spy on the 10,000
#: bench book). None: every position on every tick.
PUBLISH_PER_TICK = 100
UNBOOKED = "UNBOOKED"


def _scaled_flows(
    flows: Sequence[Mapping[str, float | str]], quantity: float
) -> tuple[dict[str, float | str], ...]:
    """A position's projected cashflows: its instrument's (one unit) with amount and PV times the quantity."""
    return tuple(
        {**flow, "amount": float(flow["amount"]) * quantity, "pv": float(flow["pv"]) * quantity}
        for flow in flows
    )


class TickRejected(Exception):
    """The tick's curves could not be built; the shard keeps its last good state."""


def select_columns(nodes: Mapping[str, CurveNodes], columns: Sequence[int]) -> dict[str, CurveNodes]:
    """The nodes of some scenario columns only (a replica's share of the tick's scenarios)."""
    picked = list(columns)
    return {name: replace(n, values=n.values[picked]) for name, n in nodes.items()}


def position_key(entry: Mapping[str, Any]) -> str:
    return str(entry.get("id"))


@dataclass(frozen=True)
class _Layout:
    """How a market's positions map onto its engine's rows: position ``k`` (key ``keys[k]``) is
    ``quantities[k]`` units of the instrument in row ``rows[k]``; ``groups``: per book its rows and per
    instrument type within it; ``failures``: key -> why its instrument could not be priced."""

    instrument_ids: tuple[str, ...]
    keys: tuple[str, ...]
    rows: np.ndarray
    quantities: np.ndarray
    identity: bool
    groups: tuple[tuple[str, np.ndarray, tuple[tuple[str, np.ndarray], ...]], ...]
    failures: dict[str, str]

    @functools.cached_property
    def row_of(self) -> dict[str, int]:
        return {key: row for row, key in enumerate(self.keys)}


@dataclass
class _MarketState:
    engine: PortfolioEngine | None = None
    tick: CurveTick | None = None
    fixings_day: str = ""
    fixings_source: Mapping[str, Mapping[date, float]] = field(default_factory=dict)
    fixings_parsed: Mapping[str, Mapping[date, float]] | None = None
    sums: dict[str, BookSums] = field(default_factory=dict)  # in the market's currency
    layout: _Layout | None = None  # the layout of ``arrays`` (the last valuation)
    stale: bool = True  # the book or the engine changed since: rebuild the layout on the next valuation
    ids: tuple[str, ...] = ()  # keys of the market's priced positions, the rows of ``arrays``
    arrays: RiskArrays | None = None  # the positions' measures (instrument measures x quantity)
    failures: dict[str, str] = field(default_factory=dict)  # position key -> why its instrument failed
    session: int = 0  # the tick-order session of the market's last tick (actors.ordering)


#: (market, its engine, the tick's curve nodes of every scenario or None) -> PV matrix [instrument, scenario]
#: (one unit of each of the engine's instruments; positions scale it afterwards)
PvSource = Callable[[str, PortfolioEngine, Mapping[str, CurveNodes] | None], np.ndarray]
#: A market's fixing history before a day, ``{index: {"YYYY-MM-DD": rate_pct}}``, merged under the few recent
#: fixings a tick carries (the engine's actors inject :func:`market_replay.fixings.market_fixing_history`).
FixingHistory = Callable[[str, date], Mapping[str, Mapping[str, float]]]


def no_fixing_history(_market: str, _before: date) -> dict[str, dict[str, float]]:
    """No history: the tick's own fixings are all there is."""
    return {}


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
    """A shard's positions (entry key -> :class:`pricing.Position`) and the instruments they hold, each
    resolved and valued once however many of the shard's positions hold it (see the module docstring)."""

    def __init__(
        self,
        shard: int,
        entries: Iterable[Mapping[str, Any]],
        engine: str = "fast",
        publish_per_tick: int | None = PUBLISH_PER_TICK,
        valuing: bool = True,
        pv_source: PvSource | None = None,
        fixing_history: FixingHistory = no_fixing_history,
    ) -> None:
        self.shard = shard
        self.valuing = valuing  # False for a replica that only computes shares of the scenarios
        self.engine_kind = engine
        self.publish_per_tick = publish_per_tick
        self._publish_cursor: dict[str, int] = {}
        #: PV matrix of a market's engine, all scenarios, on the tick's curve nodes when given (bootstrapped
        #: once per tick by the consumer); a shard with scenario workers assembles it from their shares
        self.pv_source: PvSource = pv_source or local_pvs
        self.fixing_history = fixing_history
        self.positions: dict[str, Position] = {}  # entry key (position_key) -> position
        self.specs: dict[str, InstrumentSpec] = {}  # instrument id -> terms, once per shard
        self._holders: dict[str, set[str]] = {}  # instrument id -> keys of the positions holding it
        self.invalid: dict[str, tuple[str, str]] = {}  # key -> (book, reason): never priceable
        self.markets: dict[str, _MarketState] = {m: _MarketState() for m in MARKETS}
        self.fx: dict[str, float] = {}
        #: the newest tick-order session seen: markets whose last tick is from an earlier one are pending
        self.session = 0
        self._pending_changes: dict[str, InstrumentRisk] = {}
        self._pending_removed: list[tuple[str, str]] = []
        self._published_ids: set[str] = set()
        #: per market, keys of positions to publish at once (new, re-termed, rebuilt for a new day): the
        #: publication takes them from here instead of scanning every position on every tick
        self._unpublished: dict[str, set[str]] = {m: set() for m in MARKETS}
        # positions added or replaced after start-up, not valued yet; and, per book, the USD PV that book
        # changes brought in since the last partial (netted out of P&L since the open by the aggregator)
        self._fresh: set[str] = set()
        self._book_change: dict[str, float] = defaultdict(float)
        #: markets' engines built or rebuilt (first tick, new day): the long-lived state changed wholesale
        self.rebuilds = 0
        self._started = False
        self.add(entries)
        self._started = True

    # -- book changes ------------------------------------------------------------------------------------
    def add(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace positions (book entries); invalid ones become failed results with their reason.
        An entry with new terms for an instrument other positions here hold moves them to the new terms."""
        touched: set[str] = set()
        changed: dict[str, dict[str, InstrumentSpec]] = defaultdict(dict)  # market -> instruments to build
        for entry in entries:
            key = position_key(entry)
            market = self._detach(key, announce=False)
            if market is not None:
                touched.add(market)
            try:
                spec, position = position_from_dict(entry)
            except PricingError as exc:
                book = str(entry.get("book") or UNBOOKED)
                self.invalid[key] = (book, str(exc))
                self._pending_changes[key] = self._failed(key, book, str(entry.get("type")), "", str(exc))
                continue
            if spec.currency not in self.markets:
                reason = f"instrument {key}: no market feed for currency {spec.currency}"
                self.invalid[key] = (position.book or UNBOOKED, reason)
                continue
            held = self.specs.get(spec.id)
            if held != spec:
                if held is not None:
                    for other in self._holders.get(spec.id, ()):
                        self._retire(other)  # valued anew on the new terms, as a new position
                        self._fresh.add(other)
                        self._unpublish(other, spec.currency)
                    if held.currency != spec.currency:
                        self._drop_instrument(held)
                        touched.add(held.currency)
                self.specs[spec.id] = spec
                changed[spec.currency][spec.id] = spec
            self.positions[key] = position
            self._unpublish(key, spec.currency)
            self._holders.setdefault(spec.id, set()).add(key)
            touched.add(spec.currency)
            if self._started:
                self._fresh.add(key)
        for market, specs in changed.items():
            engine = self.markets[market].engine
            if engine is not None:
                engine.add_instruments(specs.values())
        for market in touched:
            self.markets[market].stale = True
            self._revalue(market)

    def remove(self, ids: Iterable[str], announce: bool = True) -> None:
        """Remove positions by key; an instrument no position here holds any more leaves the engine."""
        touched = {market for key in ids if (market := self._detach(key, announce)) is not None}
        for market in touched:
            self.markets[market].stale = True
            self._revalue(market)

    def _detach(self, key: str, announce: bool) -> str | None:
        """Take one position out (nothing revalued); returns the market whose sums it was in, if any."""
        position = self.positions.get(key)
        invalid = self.invalid.pop(key, None)
        market = None
        if position is not None:
            self._retire(key)
            del self.positions[key]
            spec = self.specs[position.instrument_id]
            market = spec.currency
            holders = self._holders[spec.id]
            holders.discard(key)
            if not holders:
                del self._holders[spec.id]
                del self.specs[spec.id]
                self._drop_instrument(spec)
        self._published_ids.discard(key)
        if announce and (position is not None or invalid is not None):
            book = (position.book or UNBOOKED) if position is not None else invalid[0]  # type: ignore[index]
            self._pending_removed.append((key, book))
            self._pending_changes.pop(key, None)
        return market

    def _drop_instrument(self, spec: InstrumentSpec) -> None:
        engine = self.markets[spec.currency].engine
        if engine is not None:
            engine.remove_instruments([spec.id])

    def _retire(self, key: str) -> None:
        """The position's last value leaves its book's P&L base (a book change, not market P&L)."""
        if key in self._fresh:
            self._fresh.discard(key)
            return
        position = self.positions[key]
        state = self.markets[self.specs[position.instrument_id].currency]
        row = state.layout.row_of.get(key) if state.layout is not None else None
        if state.arrays is not None and row is not None:
            last_pv = float(state.arrays.pv[row])
            self._book_change[position.book or UNBOOKED] -= last_pv * self._fx_to_usd(
                self.specs[position.instrument_id].currency
            )

    @property
    def ids(self) -> list[str]:
        return sorted([*self.specs, *self.invalid])

    def weight(self) -> int:
        """Cashflows of the instruments valued here (each once) plus one per invalid position."""
        return sum(cashflow_count(spec) for spec in self.specs.values()) + len(self.invalid)

    def _unpublish(self, key: str, market: str) -> None:
        """The position's row (with its cashflows) goes out with the market's next valuation."""
        self._published_ids.discard(key)
        self._unpublished[market].add(key)

    def _market_keys(self, market: str) -> list[str]:
        return [k for k, p in self.positions.items() if self.specs[p.instrument_id].currency == market]

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
            reporting_rate(tick.market, {**self.fx, **tick.fx})  # MissingFxRate: rejected, never a NaN
            snapshot = self._snapshot(state, tick)
            if state.engine is None:
                specs = [s for s in self.specs.values() if s.currency == tick.market]
                state.engine = PortfolioEngine(
                    specs, snapshot, engine=self.engine_kind, interpolation=get_settings().interpolation
                )
                self.rebuilds += 1
            elif state.engine.update_market(snapshot, bootstrap=nodes is None):
                self.rebuilds += 1
                # rebuilt for a new day: cashflows moved on, publish every position afresh
                for key in self._market_keys(tick.market):
                    self._unpublish(key, tick.market)
                state.stale = True
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
            history = self.fixing_history(tick.market, tick.as_of)
            merged = {index: dict(series) for index, series in history.items()}
            for index, series in raw["fixings"].items():
                merged.setdefault(index, {}).update(series)
            state.fixings_day, state.fixings_source = day, tick.fixings
            state.fixings_parsed = parse_market({**raw, "fixings": merged}).fixings
        return replace(parse_market({**raw, "fixings": {}}), fixings=state.fixings_parsed)

    def _layout(self, market: str, engine: PortfolioEngine) -> _Layout:
        """The market's positions on its engine's instrument rows, rebuilt only after a book change or an
        engine rebuild (a tick that only moves quotes reuses it)."""
        state = self.markets[market]
        ids = engine.ids
        if state.layout is not None and not state.stale and state.layout.instrument_ids == ids:
            return state.layout
        instrument_row = {ident: row for row, ident in enumerate(ids)}
        keys: list[str] = []
        failures: dict[str, str] = {}
        for key in self._market_keys(market):
            instrument = self.positions[key].instrument_id
            if instrument in instrument_row:
                keys.append(key)
            else:
                failures[key] = engine.failures.get(instrument, f"instrument {instrument}: not valued")
        held = [self.positions[key] for key in keys]
        rows = np.asarray([instrument_row[p.instrument_id] for p in held], dtype=np.int64)
        quantities = np.asarray([p.quantity for p in held], dtype=float)
        identity = len(rows) == len(ids) and bool(
            np.all(rows == np.arange(len(ids))) and np.all(quantities == 1.0)
        )
        books = np.asarray([p.book or UNBOOKED for p in held])
        kinds = np.asarray([spec_type(self.specs[p.instrument_id]) for p in held])
        groups = []
        for book in np.unique(books):
            in_book = books == book
            by_kind = tuple((str(kind), in_book & (kinds == kind)) for kind in np.unique(kinds[in_book]))
            groups.append((str(book), in_book, by_kind))
        state.stale = False
        return _Layout(ids, tuple(keys), rows, quantities, identity, tuple(groups), failures)

    def _revalue(self, market: str, nodes: Mapping[str, CurveNodes] | None = None) -> None:
        """Value the market's instruments in every scenario (each once), scale them to the positions
        holding them; book sums in numpy, per-position rows only round-robin, :data:`PUBLISH_PER_TICK` at
        a time (and new ones at once)."""
        state = self.markets[market]
        engine, tick = state.engine, state.tick
        if engine is None or tick is None or not self.valuing:
            return
        layout = self._layout(market, engine)
        arrays = None
        if layout.instrument_ids:
            unit = risk_arrays(self.pv_source(market, engine, nodes), engine.scenarios)
            # one unit position per instrument (the usual book): the instrument's numbers as they are
            arrays = unit if layout.identity else scale_rows(unit, layout.rows, layout.quantities)
        sums: dict[str, BookSums] = defaultdict(BookSums)
        if arrays is not None:
            for book, rows, by_kind in layout.groups:
                target = sums[book]
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
                for kind, both in by_kind:
                    target.by_type[f"{kind}:pv"] = float(arrays.pv[both].sum())
                    target.by_type[f"{kind}:dv01"] = float(arrays.dv01[both].sum())
                    target.by_type[f"{kind}:gamma"] = float(arrays.gamma[both].sum())
        for key in layout.failures:
            sums[self.positions[key].book or UNBOOKED].n_failed += 1
        if arrays is not None and self._fresh:
            fx = self._fx_to_usd(market)
            for row, key in enumerate(layout.keys):
                if key in self._fresh:
                    self._book_change[self.positions[key].book or UNBOOKED] += float(arrays.pv[row]) * fx
                    self._fresh.discard(key)
        state.layout, state.ids, state.arrays = layout, layout.keys, arrays
        state.failures, state.sums = layout.failures, dict(sums)
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
        # the unpublished among this valuation's rows; the rest left the market or failed (a failure is
        # published below, from the failures)
        waiting = self._unpublished[market]
        if waiting and state.layout is not None:
            row_of = state.layout.row_of
            due.update(row for key in waiting if (row := row_of.get(key)) is not None)
        waiting.clear()
        if due:
            assert arrays is not None
            self._queue_rows(state, arrays, sorted(due), seq, when, fx)
        for key, reason in state.failures.items():
            if key not in self._published_ids or self.publish_per_tick is None:
                position = self.positions[key]
                spec = self.specs[position.instrument_id]
                self._pending_changes[key] = self._failed(
                    key, position.book or UNBOOKED, spec_type(spec), spec.currency, reason, seq, when
                )
                self._published_ids.add(key)

    def _queue_rows(
        self, state: _MarketState, arrays: RiskArrays, rows: list[int], seq: int, when: str, fx: float
    ) -> None:
        """Rows of the market's positions at these engine rows, with their cashflows when new."""
        assert state.engine is not None
        # python floats of just these rows, one numpy call per measure
        pvs, dv01s, gammas = arrays.pv[rows].tolist(), arrays.dv01[rows].tolist(), arrays.gamma[rows].tolist()
        kr01s, pillars = arrays.kr01[rows].tolist(), arrays.pillars
        unit_flows: dict[str, list[dict[str, float | str]]] = {}  # per instrument, once per call
        for k, row in enumerate(rows):
            key = state.ids[row]
            position = self.positions[key]
            spec = self.specs[position.instrument_id]
            flows = None
            if key not in self._published_ids:
                if spec.id not in unit_flows:
                    unit_flows[spec.id] = state.engine.projected_cashflows(spec.id)
                flows = _scaled_flows(unit_flows[spec.id], position.quantity)
            kr01 = {p: v for p, v in zip(pillars, kr01s[k], strict=True) if v != 0.0}
            record = InstrumentRiskRecord(
                key, position.book or UNBOOKED, spec_type(spec), spec.currency, True, "",
                pvs[k], dv01s[k], gammas[k], kr01, seq, when, flows,
            )  # fmt: skip
            self._pending_changes[key] = InstrumentRisk(record, dv01s[k] * fx)
            self._published_ids.add(key)

    def _failed(
        self, ident: str, book: str, kind: str, currency: str, reason: str, seq: int = -1, when: str = ""
    ) -> InstrumentRisk:
        record = InstrumentRiskRecord(
            ident, book, kind, currency, False, reason, 0.0, 0.0, 0.0, {}, seq, when
        )
        return InstrumentRisk(record, 0.0)

    def _fx_to_usd(self, currency: str) -> float:
        """USD per unit of ``currency`` (:mod:`pricing.fx`); a tick without it is rejected (by the
        consumer, and by :meth:`_apply_market`), so a market that has ticked always has one."""
        return reporting_rate(currency, self.fx)

    def _partial(self, seq: int, compute_ms: float) -> ShardPartial:
        books: dict[str, BookSums] = defaultdict(BookSums)
        for market, state in self.markets.items():
            if state.tick is None or state.session < self.session:
                for key in self._market_keys(market):
                    books[self.positions[key].book or UNBOOKED].n_pending += 1
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
        positions = len(self.specs) + len(self.invalid)  # len(self.ids) without sorting them every tick
        return ShardPartial(self.shard, seq, dict(books), changed, removed, positions, compute_ms)
