"""The bumped curves of a tick, bootstrapped once for every shard (no Ray, no network: unit-testable).

Each market keeps a :class:`pricing.PortfolioEngine` without positions: a tick sets its quotes and
re-bootstraps the base and every bumped scenario's affected curves (the full re-bootstrap per bumped quote
that kr01 is defined by), then hands out the curve nodes of every scenario. Shards value their positions
on these nodes in numpy only (:meth:`pricing.PortfolioEngine.pv_matrix` with ``nodes``), so a tick costs
one set of bootstraps, not one per shard. The nodes carry their interpolation kind
(:class:`pricing.fast.CurveNodes`), so any interpolation the fast engine replicates travels with them.

The scenarios are independent, so their bootstraps can be split over processes: :meth:`TickCurves.prepare`
moves a market to the tick (base curves only) and says how many scenarios it has, :meth:`TickCurves.nodes`
bootstraps a contiguous share of them, and :func:`join_nodes` puts the shares back in scenario order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from core.messages import CurveTick
from pricing import PortfolioEngine, PricingError, parse_market
from pricing.fast import CurveNodes

__all__ = ["TickCurves", "join_nodes", "split_scenarios"]


class TickCurves:
    """Per market, the curves of the latest good tick and their scenario nodes."""

    def __init__(self) -> None:
        self._engines: dict[str, PortfolioEngine] = {}
        self._ticks: dict[str, CurveTick] = {}  # market -> the tick its engine holds
        self._cost_cache: dict[int, list[int]] = {}
        #: markets built or rebuilt (first tick, new day or quote set)
        self.rebuilds = 0

    def prepare(self, tick: CurveTick) -> list[int]:
        """Move the tick's market to the tick (base bootstrap; a new day or quote set rebuilds the market);
        returns each scenario's bootstrap cost (the node count of the curves it re-bootstraps: 0 for the
        base, every curve for a parallel shift), in scenario order. Raises ``PricingError`` (curve and
        quote named) when a curve cannot be built; the market's last good curves are then forgotten and
        rebuilt in full from the next tick."""
        try:
            snapshot = parse_market(tick.to_market_snapshot())
            engine = self._engines.get(tick.market)
            if engine is None:
                engine = PortfolioEngine([], snapshot)
                self._engines[tick.market] = engine
                self.rebuilds += 1
            elif self._ticks.get(tick.market) != tick and engine.update_market(snapshot):
                self.rebuilds += 1
            self._ticks[tick.market] = tick
            return self._costs(engine)
        except PricingError:
            self._engines.pop(tick.market, None)
            self._ticks.pop(tick.market, None)
            raise

    def _costs(self, engine: PortfolioEngine) -> list[int]:
        key = id(engine.scenarios)
        if key not in self._cost_cache:
            curves = engine.curves
            size = {name: len(curves.node_times(name)) for name in curves.curves}
            self._cost_cache = {
                key: [
                    sum(size[name] for name in curves.affected_curves(s.bumps)) if s.bumps else 0
                    for s in engine.scenarios.scenarios
                ]
            }
        return self._cost_cache[key]

    def nodes(self, tick: CurveTick, scenario_indices: Sequence[int] | None = None) -> dict[str, CurveNodes]:
        """Every curve of the tick's market in the given scenarios (default all; ``values[column, node]``,
        columns in the order of the indices, scenarios in :func:`pricing.scenarios.build_scenarios`
        order). Prepares the market first if this tick is not the one it holds. Raises ``PricingError`` as
        :meth:`prepare` does, also for a bumped curve that cannot be built; ``IndexError`` for an index
        outside the market's scenarios."""
        count = len(self.prepare(tick))
        engine = self._engines[tick.market]
        if scenario_indices is not None and any(not 0 <= i < count for i in scenario_indices):
            raise IndexError(f"{tick.market} has {count} scenarios; asked for {list(scenario_indices)}")
        try:
            return engine.scenario_nodes(scenario_indices)
        except PricingError:
            self._engines.pop(tick.market, None)
            self._ticks.pop(tick.market, None)
            raise


def split_scenarios(costs: Sequence[float], parts: int, head_bias: float = 0.0) -> list[range]:
    """Scenarios (their costs in order, as :meth:`TickCurves.prepare` gives them) in at most ``parts``
    contiguous shares of about equal cost, the first share ``head_bias`` cost units more (its caller has
    no Ray call to make). Empty shares are left out; the shares cover every scenario once, in order."""
    count = len(costs)
    parts = max(1, min(parts, count))
    cumulative = np.cumsum(np.asarray(costs, dtype=float))
    total = float(cumulative[-1]) if count else 0.0
    share = (total - head_bias) / parts
    targets = [share + head_bias + k * share for k in range(parts - 1)]
    cuts = [int(np.searchsorted(cumulative, target, side="right")) for target in targets]
    bounds = [0, *sorted(min(max(c, 1), count) for c in cuts), count]
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def join_nodes(shares: Sequence[dict[str, CurveNodes]]) -> dict[str, CurveNodes]:
    """The shares of :meth:`TickCurves.nodes` for consecutive scenario ranges, as one set of nodes.
    Raises ``ValueError`` when the shares do not hold the same curves on the same node times."""
    if len(shares) == 1:
        return dict(shares[0])
    first = shares[0]
    out: dict[str, CurveNodes] = {}
    for name, nodes in first.items():
        parts = [share.get(name) for share in shares]
        if any(
            part is None
            or part.interpolation != nodes.interpolation
            or not np.array_equal(part.times, nodes.times)
            for part in parts
        ):
            raise ValueError(f"scenario shares disagree on curve {name}'s nodes")
        out[name] = CurveNodes(
            nodes.times, np.vstack([p.values for p in parts if p is not None]), nodes.interpolation
        )
    if any(share.keys() != first.keys() for share in shares):
        raise ValueError("scenario shares hold different curves")
    return out
