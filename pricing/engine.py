"""The stateful valuation object used by long-lived workers (Ray shard actors) and by ``price_portfolio``.

Life cycle (everything QuantLib lives inside the process; only specs and snapshots cross boundaries)::

    engine = PortfolioEngine(specs, snapshot, engine="fast")   # curves, scenarios, instruments/tables
    pv = engine.pv_matrix()                 # numpy [len(engine.ids), len(engine.scenarios)]
    pv_part = engine.pv_matrix([0, 1, 2])   # a subset of scenario indices (split work across tasks)
    risk = measures_from_pv_matrix(pv, engine.scenarios)        # pure: pv, dv01, gamma, kr01
    engine.update_market(next_snapshot)     # same quote set: setValue + re-bootstrap only -> False
                                            # new date / quote set: full rebuild           -> True
    engine.add_instruments(specs); engine.remove_instruments(ids)
    engine.failures                         # id -> reason for instruments that cannot be priced
    engine.curves.failures                  # curve -> reason; only instruments on these curves fail

Rows are instruments (contract terms, one unit of face or notional as stored), each valued once however
many positions hold it; a position's risk is its instrument's times its quantity (:mod:`pricing.positions`,
:func:`pricing.measures.scale_rows`).

Engines: ``fast`` (cashflow rows valued in numpy on the nodes of re-bootstrapped curves; the bumped
curves are never observed by instruments) and ``quantlib`` (QuantLib instruments and discounting engines
on the live curves; per scenario only instruments depending on a bumped curve are repriced). Both give
the same numbers to 1e-6 per 1,000,000 notional. The object sets ``ql.Settings.instance().evaluationDate``
and QuantLib's fixing history of the snapshot's indices (process-wide QuantLib state) whenever it works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import QuantLib as ql

from pricing.analytics import BondAnalytics, analytics_on_curve
from pricing.cashflows import CashflowRows, extract_rows
from pricing.curves import CurveSet
from pricing.dates import to_ql_date
from pricing.errors import EngineError, PricingError
from pricing.fast import CurveNodes, FastBook
from pricing.indices import load_fixings
from pricing.instruments import build_instrument, last_payment_date
from pricing.market import MarketSnapshot, parse_market
from pricing.scenarios import BASE, ScenarioSet, build_scenarios
from pricing.specs import BondSpec, InstrumentSpec, check_spec

__all__ = ["ENGINES", "PortfolioEngine"]

ENGINES = ("fast", "quantlib")


def _fixings_dict(snapshot: MarketSnapshot) -> dict[str, dict[date, float]]:
    return {name: dict(series) for name, series in snapshot.fixings.items()}


class PortfolioEngine:
    """Instruments valued in every scenario of one market snapshot (see the module docstring)."""

    def __init__(
        self,
        specs: Iterable[InstrumentSpec],
        market: Mapping[str, Any] | MarketSnapshot,
        *,
        engine: str = "fast",
        interpolation: str = "linear_zero",
        shift_bp: float = 1.0,
    ) -> None:
        if engine not in ENGINES:
            raise EngineError(f"engine {engine!r} unknown (use one of {', '.join(ENGINES)})")
        self.engine = engine
        self.interpolation = interpolation
        self.shift_bp = shift_bp
        self._specs: dict[str, InstrumentSpec] = {}
        self.failures: dict[str, str] = {}
        self._rows: dict[str, CashflowRows] = {}
        self._instruments: dict[str, ql.Instrument] = {}
        self._ids: tuple[str, ...] | None = None
        self._install_market(parse_market(market))
        self.add_instruments(specs)

    # -- market ----------------------------------------------------------------------------------------------
    def _install_market(self, snapshot: MarketSnapshot) -> None:
        self.snapshot = snapshot
        load_fixings(snapshot.fixings)  # before the curves: a deposit fixed in the past is bootstrapped on it
        self.curves = CurveSet(snapshot, self.interpolation)
        self.scenarios: ScenarioSet = build_scenarios(self.curves.pillars, self.shift_bp)
        self._book: FastBook | None = None
        self._invalidate()

    def _invalidate(self) -> None:
        """Forget what depends on quote values (not the cashflow tables: they depend on dates and fixings)."""
        self._base_nodes: dict[str, np.ndarray] | None = None
        self._base_pv: np.ndarray | None = None

    def _activate(self) -> None:
        """Make the process-wide QuantLib evaluation date this engine's valuation date."""
        today = to_ql_date(self.snapshot.as_of)
        if ql.Settings.instance().evaluationDate != today:
            ql.Settings.instance().evaluationDate = today
            load_fixings(self.snapshot.fixings)

    def update_market(self, market: Mapping[str, Any] | MarketSnapshot, bootstrap: bool = True) -> bool:
        """Move to a new snapshot; returns True when curves and instruments had to be rebuilt (new date or
        quote set, or a curve that had failed now builds). A tick that breaks a healthy curve raises
        ``MarketDataError`` and leaves the previous rates in place. ``bootstrap=False`` for new quotes of
        the same quote set whose curves were already built elsewhere (the real-time shards get every
        scenario's nodes with the tick): the quotes are set and QuantLib re-bootstraps lazily, when a
        curve is next read here."""
        snapshot = parse_market(market)
        self._activate()
        if (
            snapshot.as_of != self.snapshot.as_of
            or snapshot.quote_set != self.snapshot.quote_set
            or self.curves.recovers(snapshot)
        ):
            specs = list(self._specs.values())
            self._install_market(snapshot)
            self._specs.clear()
            self.failures.clear()
            self._rows.clear()
            self._instruments.clear()
            self.add_instruments(specs)
            return True
        previous = self.curves.base_rates
        try:
            self.curves.set_rates(snapshot.rates)
            if bootstrap:
                self.curves.rebootstrap()
        except PricingError:
            self.curves.set_rates(previous)
            raise
        fixings_changed = _fixings_dict(snapshot) != _fixings_dict(self.snapshot)
        self.snapshot = snapshot
        self._invalidate()
        if fixings_changed:
            load_fixings(snapshot.fixings)
            specs = list(self._specs.values())
            self.remove_instruments(list(self._specs) + list(self.failures))
            self.add_instruments(specs)
        return False

    # -- instruments -----------------------------------------------------------------------------------------
    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of the priced instruments, in the row order of :meth:`pv_matrix`."""
        if self._ids is None:  # cached until the instruments change (a shard asks on every tick)
            self._ids = tuple(ident for ident in self._specs if ident not in self.failures)
        return self._ids

    @property
    def specs(self) -> Mapping[str, InstrumentSpec]:
        return dict(self._specs)

    def add_instruments(self, specs: Iterable[InstrumentSpec]) -> None:
        """Add (or replace, by id) instruments; those that cannot be priced land in :attr:`failures`."""
        self._activate()
        for spec in specs:
            self.remove_instruments([spec.id])
            self._specs[spec.id] = spec
            try:
                self._build(spec)
            except PricingError as exc:
                self.failures[spec.id] = str(exc)
            except RuntimeError as exc:  # QuantLib's own checks (schedules, dates)
                self.failures[spec.id] = f"instrument {spec.id}: QuantLib rejected it: {exc}"
        self._book = None
        self._ids = None
        self._base_pv = None

    def _build(self, spec: InstrumentSpec) -> None:
        check_spec(spec)  # the rule set of pricing.rules, also for specs built in code (secmaster, batch)
        failed = [name for name in spec.curves if name in self.curves.failures]
        if failed:
            raise PricingError(
                f"instrument {spec.id}: depends on a curve that could not be built: "
                + "; ".join(self.curves.failures[name] for name in failed)
            )
        absent = [name for name in spec.curves if name not in self.curves.curves]
        if absent:
            raise PricingError(
                f"instrument {spec.id}: curve {', '.join(absent)} is not in the market snapshot"
            )
        as_of = self.snapshot.as_of
        handles = self.curves.handles if self.engine == "quantlib" else None
        instrument = build_instrument(spec, handles)
        # alive until its last cash flow is paid (payment calendar and lag), not until its maturity date
        last_payment = last_payment_date(spec, instrument)
        if last_payment <= as_of:
            raise PricingError(
                f"instrument {spec.id}: matured on {spec.maturity_date}, last cash flow paid on "
                f"{last_payment} (valuation date {as_of}); nothing left to value"
            )
        rows = extract_rows(spec, instrument, as_of, self.snapshot.fixings)  # also checks past fixings
        if self.engine == "fast":
            self._rows[spec.id] = rows
        self._instruments[spec.id] = instrument

    def remove_instruments(self, ids: Iterable[str]) -> None:
        for ident in ids:
            for store in (self._specs, self.failures, self._rows, self._instruments):
                store.pop(ident, None)  # type: ignore[attr-defined]
        self._book = None
        self._ids = None
        self._base_pv = None

    # -- valuation -------------------------------------------------------------------------------------------
    def pv_matrix(
        self,
        scenario_indices: Sequence[int] | None = None,
        nodes: Mapping[str, CurveNodes] | None = None,
    ) -> np.ndarray:
        """PV of one unit of every priced instrument (rows: :attr:`ids`) in the given scenarios (default:
        all).

        ``nodes``: the curve nodes of exactly these scenarios (columns in the order of the indices), as
        :meth:`scenario_nodes` of an engine on the same market gives them; the fast engine then values
        on them instead of re-bootstrapping the bumped curves itself (the real-time engine bootstraps
        once per tick for every shard). Ignored by the ``quantlib`` engine.
        """
        self._activate()
        indices = list(range(len(self.scenarios))) if scenario_indices is None else list(scenario_indices)
        if any(not 0 <= i < len(self.scenarios) for i in indices):
            raise EngineError(f"scenario indices must be in [0, {len(self.scenarios)})")
        if self.engine == "fast":
            return self._fast(indices, nodes)
        return self._quantlib(indices)

    def scenario_nodes(self, scenario_indices: Sequence[int] | None = None) -> dict[str, CurveNodes]:
        """Every curve's nodes in the given scenarios (default: all): one re-bootstrap per bumped
        scenario and affected curve; ``values[column, node]`` follows the order of the indices."""
        self._activate()
        indices = list(range(len(self.scenarios))) if scenario_indices is None else list(scenario_indices)
        return self._nodes(indices)

    def _nodes(self, indices: Sequence[int]) -> dict[str, CurveNodes]:
        if self._base_nodes is None:
            self._base_nodes = {name: self.curves.node_values(name) for name in self.curves.curves}
        values = {name: np.tile(base, (len(indices), 1)) for name, base in self._base_nodes.items()}
        for column, index in enumerate(indices):
            bumps = self.scenarios.scenarios[index].bumps
            if not bumps:
                continue
            self.curves.apply_bumps(bumps)
            try:
                for name in self.curves.affected_curves(bumps):
                    values[name][column] = self.curves.node_values(name)
            finally:
                self.curves.reset(bumps)
        return {
            name: CurveNodes(self.curves.node_times(name), matrix, self.curves.interpolation)
            for name, matrix in values.items()
        }

    def _moved(self, index: int) -> frozenset[str] | None:
        """Curves a scenario moves; ``None`` when it may move all of them (base, parallel)."""
        bumps = self.scenarios.scenarios[index].bumps
        return None if not bumps or len(bumps) > 1 else self.curves.affected_curves(bumps)

    def _fast(self, indices: Sequence[int], nodes: Mapping[str, CurveNodes] | None) -> np.ndarray:
        if self._book is None:
            self._book = FastBook([self._rows[ident] for ident in self.ids])
        if nodes is not None:
            missing = self._book.curves - set(nodes)
            shapes = {name: n.values.shape[0] for name, n in nodes.items()}
            if missing or any(rows != len(indices) for rows in shapes.values()):
                raise EngineError(
                    f"curve nodes given for {shapes} scenario columns of curves {sorted(nodes)}; need "
                    f"{len(indices)} columns of {sorted(self._book.curves)}"
                )
        if self._base_pv is None:
            if nodes is not None and BASE in indices:  # the base column of the given nodes
                column = indices.index(BASE)
                base = {
                    name: CurveNodes(n.times, n.values[column : column + 1], n.interpolation)
                    for name, n in nodes.items()
                }
            else:
                base = self._nodes([BASE])
            self._base_pv = self._book.value(base, 1)[:, 0]
        moved = [self._moved(index) for index in indices]
        values = self._nodes(indices) if nodes is None else nodes
        return self._book.value(values, len(indices), moved, self._base_pv)

    def _quantlib(self, indices: Sequence[int]) -> np.ndarray:
        ids = self.ids
        instruments = [self._instruments[ident] for ident in ids]
        curves_of = [frozenset(self._specs[ident].curves) for ident in ids]
        base = np.asarray([instrument.NPV() for instrument in instruments])
        out = np.empty((len(ids), len(indices)))
        for column, index in enumerate(indices):
            bumps = self.scenarios.scenarios[index].bumps
            out[:, column] = base
            if not bumps:
                continue
            affected = self.curves.affected_curves(bumps)
            self.curves.apply_bumps(bumps)
            try:
                for row, instrument in enumerate(instruments):
                    if curves_of[row] & affected:
                        out[row, column] = instrument.NPV()
            finally:
                self.curves.reset(bumps)
        return out

    def bond_analytics(self, ids: Iterable[str] | None = None) -> dict[str, BondAnalytics]:
        """Clean price, accrued, yield, durations and convexity of the priced bonds, on the base curves.

        A bond whose last payment falls on or before its settlement date (valued Friday, paid Monday) is
        priced but has no analytics: it cannot be traded any more, so it has no clean price nor yield."""
        self._activate()
        result: dict[str, BondAnalytics] = {}
        for ident in self.ids if ids is None else ids:
            spec = self._specs.get(ident)
            if isinstance(spec, BondSpec) and ident not in self.failures:
                bond = self._instruments[ident]
                if bond.notional(bond.settlementDate()) == 0.0:
                    continue  # redeemed by its settlement date: still owed cash (PV) but no price or yield
                curve = self.curves.curves[spec.discount_curve]
                result[ident] = analytics_on_curve(self._instruments[ident], spec, curve)
        return result

    def projected_cashflows(self, ident: str) -> list[dict[str, float | str]]:
        """A priced instrument's future cashflows (one unit) on the base curves: pay date, leg (``fixed``
        amounts and fixed floating coupons, ``floating`` projected ones), amount, discount factor and PV;
        the PVs sum to the instrument's PV."""
        self._activate()
        if ident not in self._specs or ident in self.failures:
            raise EngineError(f"instrument {ident!r} is not priced by this engine")
        rows = self._rows.get(ident) or extract_rows(
            self._specs[ident], self._instruments[ident], self.snapshot.as_of, self.snapshot.fixings
        )
        discount = self.curves.curves[rows.discount_curve]
        forecast = self.curves.curves[rows.forecast_curve] if rows.forecast_curve else None
        flows: list[dict[str, float | str]] = []
        for pay, fixed, floating, start, end in zip(
            rows.pay_days, rows.fixed, rows.floating, rows.start_days, rows.end_days, strict=True
        ):
            amount = fixed
            if floating and forecast is not None:  # curve time is days / 365 (ACT/365F), as in the tables
                amount += floating * forecast.discount(start / 365.0) / forecast.discount(end / 365.0)
            factor = discount.discount(pay / 365.0)
            flows.append(
                {
                    "pay_date": (self.snapshot.as_of + timedelta(days=pay)).isoformat(),
                    "leg": "floating" if floating else "fixed",
                    "amount": amount,
                    "df": factor,
                    "pv": amount * factor,
                }
            )
        return flows

    def cashflow_counts(self) -> dict[str, int]:
        """Rows per priced instrument in the fast engine's tables (a load-balancing weight)."""
        if self.engine != "fast":
            raise EngineError("cashflow_counts needs the fast engine; use pricing.specs.cashflow_count(spec)")
        return {ident: len(self._rows[ident]) for ident in self.ids}
