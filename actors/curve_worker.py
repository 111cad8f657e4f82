"""``CurveWorker``: a share of a tick's scenario bootstraps in a process of its own.

The ~50 bumped-curve re-bootstraps of a tick (:class:`actors.curve_nodes.TickCurves`) are independent and
QuantLib runs them serially in one process, so they are a floor under every tick's latency. The tick
consumer bootstraps the first share itself while the curve workers bootstrap the others on spare cores
(:func:`actors.curve_nodes.split_scenarios`); every share is a full re-bootstrap per bumped quote, the
same numbers as one process would give (to the ~1e-16 by which QuantLib's iterative solver depends on
its starting point).
"""

from __future__ import annotations

from collections.abc import Sequence

import ray

from actors.curve_nodes import TickCurves
from actors.heap import settle
from core.messages import CurveTick
from pricing.fast import CurveNodes

__all__ = ["CurveWorker", "curve_worker_name"]


def curve_worker_name(index: int) -> str:
    return f"risk-curve-worker-{index}"


@ray.remote(max_restarts=-1, max_task_retries=0)
class CurveWorker:
    """Holds each market's position-free curves (as the consumer does) and bootstraps shares of them."""

    def __init__(self) -> None:
        self.curves = TickCurves()

    def nodes(self, tick: CurveTick, scenario_indices: Sequence[int]) -> dict[str, CurveNodes]:
        """:meth:`actors.curve_nodes.TickCurves.nodes` of these scenarios; raises what it raises."""
        rebuilds = self.curves.rebuilds
        nodes = self.curves.nodes(tick, list(scenario_indices))
        if self.curves.rebuilds != rebuilds:  # a new day's curves: freeze them out of full collections
            settle()
        return nodes

    def ping(self) -> bool:
        return True
