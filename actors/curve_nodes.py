"""The bumped curves of a tick, bootstrapped once for every shard (no Ray, no network: unit-testable).

Each market keeps a :class:`pricing.PortfolioEngine` without positions: a tick sets its quotes and
re-bootstraps the base and every bumped scenario's affected curves (the full re-bootstrap per bumped quote
that kr01 is defined by), then hands out the curve nodes of every scenario. Shards value their positions
on these nodes in numpy only (:meth:`pricing.PortfolioEngine.pv_matrix` with ``nodes``), so a tick costs
one set of bootstraps, not one per shard. The nodes carry their interpolation kind
(:class:`pricing.fast.CurveNodes`), so any interpolation the fast engine replicates travels with them.

The scenarios are independent, so their bootstraps can be split over processes: :meth:`TickCurves.prepare`
moves a market to the tick (base curves only) and says how many scenarios it has, :meth:`TickCurves.nodes`
bootstraps a share of them, and :func:`join_nodes` puts the shares back in scenario order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.messages import CurveTick
from pricing import PortfolioEngine, PricingError, parse_market
from pricing.fast import CurveNodes
from pricing.scenarios import ScenarioSet

__all__ = ["TickCurves", "join_nodes", "split_scenarios"]


class TickCurves:
    """Per market, the curves of the latest good tick and their scenario nodes."""

    def __init__(self) -> None:
        self._engines: dict[str, PortfolioEngine] = {}
        self._ticks: dict[str, CurveTick] = {}  # market -> the tick its engine holds
        self._cost_cache: dict[str, tuple[ScenarioSet, list[int]]] = {}
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
            return self._costs(tick.market, engine)
        except PricingError:
            self._engines.pop(tick.market, None)
            self._ticks.pop(tick.market, None)
            raise

    def _costs(self, market: str, engine: PortfolioEngine) -> list[int]:
        """Per market, computed again only when its scenario set was rebuilt (new day or quote set)."""
        cached = self._cost_cache.get(market)
        if cached is None or cached[0] is not engine.scenarios:
            curves = engine.curves
            size = {name: len(curves.node_times(name)) for name in curves.curves}
            costs = [
                sum(size[name] for name in curves.affected_curves(s.bumps)) if s.bumps else 0
                for s in engine.scenarios.scenarios
            ]
            cached = self._cost_cache[market] = (engine.scenarios, costs)
        return cached[1]

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


def split_scenarios(costs: Sequence[float], parts: int, head_bias: float = 0.0) -> list[list[int]]:
    """Scenarios (their costs in order, as :meth:`TickCurves.prepare` gives them) in at most ``parts``
    shares of about equal cost, the first share ``head_bias`` cost units more (its caller has no Ray call
    to make). Each scenario in turn goes to the share with the least cost so far, so the shares interleave
    and each gets its part of every curve's pillars (curves differ in cost per node, which the node counts
    do not know). Empty shares are left out; every scenario is in exactly one share, in order within it."""
    parts = max(1, min(parts, len(costs)))
    load = [-head_bias] + [0.0] * (parts - 1)
    shares: list[list[int]] = [[] for _ in range(parts)]
    for index, cost in enumerate(costs):
        k = min(range(parts), key=lambda j: (load[j], j))
        shares[k].append(index)
        load[k] += cost
    return [share for share in shares if share]


def join_nodes(
    shares: Sequence[dict[str, CurveNodes]], indices: Sequence[Sequence[int]]
) -> dict[str, CurveNodes]:
    """The shares of :meth:`TickCurves.nodes` (share ``k`` holds the scenarios ``indices[k]``) as one set of
    nodes in scenario order. Raises ``ValueError`` when the shares do not hold the same curves on the same
    node times, or the indices are not every scenario once."""
    if len(shares) != len(indices):
        raise ValueError(f"{len(shares)} shares for {len(indices)} index lists")
    order = [i for share in indices for i in share]
    if sorted(order) != list(range(len(order))):
        raise ValueError("the shares must hold every scenario exactly once")
    first = shares[0]
    if any(share.keys() != first.keys() for share in shares):
        raise ValueError("scenario shares hold different curves")
    out: dict[str, CurveNodes] = {}
    for name, nodes in first.items():
        parts = [share[name] for share in shares]
        if any(
            p.interpolation != nodes.interpolation or not np.array_equal(p.times, nodes.times) for p in parts
        ):
            raise ValueError(f"scenario shares disagree on curve {name}'s nodes")
        values = np.empty((len(order), nodes.values.shape[1]))
        for part, share in zip(parts, indices, strict=True):
            values[list(share)] = part.values
        out[name] = CurveNodes(nodes.times, values, nodes.interpolation)
    return out
