"""The bumped curves of a tick, bootstrapped once for every shard (no Ray, no network: unit-testable).

Each market keeps a :class:`pricing.PortfolioEngine` without positions: a tick sets its quotes and
re-bootstraps the base and every bumped scenario's affected curves (the full re-bootstrap per bumped quote
that kr01 is defined by), then hands out the curve nodes of every scenario. Shards value their positions
on these nodes in numpy only (:meth:`pricing.PortfolioEngine.pv_matrix` with ``nodes``), so a tick costs
one set of bootstraps, not one per shard. The nodes carry their interpolation kind
(:class:`pricing.fast.CurveNodes`), so any interpolation the fast engine replicates travels with them.
"""

from __future__ import annotations

from core.messages import CurveTick
from pricing import PortfolioEngine, PricingError, parse_market
from pricing.fast import CurveNodes

__all__ = ["TickCurves"]


class TickCurves:
    """Per market, the curves of the latest good tick and their scenario nodes."""

    def __init__(self) -> None:
        self._engines: dict[str, PortfolioEngine] = {}

    def nodes(self, tick: CurveTick) -> dict[str, CurveNodes]:
        """Every curve of the tick's market in every scenario (``values[scenario, node]``, scenarios in
        :func:`pricing.scenarios.build_scenarios` order). Raises ``PricingError`` (with the curve and
        quote named) when a curve cannot be built; the market's last good curves are then forgotten and
        rebuilt in full from the next tick."""
        try:
            snapshot = parse_market(tick.to_market_snapshot())
            engine = self._engines.get(tick.market)
            if engine is None:
                engine = PortfolioEngine([], snapshot)
                self._engines[tick.market] = engine
            else:
                engine.update_market(snapshot)
            return engine.scenario_nodes()
        except PricingError:
            self._engines.pop(tick.market, None)
            raise
