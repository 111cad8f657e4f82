"""``ShardActor``: a Ray actor holding one shard of the book (see :class:`actors.shard_book.ShardBook`).

On (re)start it rebuilds its shard from durable sources: the assignment in Redis (``engine:shards``) and
the positions' terms in PostgreSQL. Its curves come from the ticks: the consumer sends, with every
tick, the latest good tick of every market, so a restarted shard catches up before computing.

When the cluster has more cores than shards, each shard owns ``scenario_workers`` replicas
(:class:`ScenarioWorker`) holding the same positions: on a tick every replica values a contiguous share
of the scenarios while the shard values the first share, so every core works on the tick.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import ray
import redis
from ray.exceptions import RayError

from actors.book_source import assigned_ids, load_positions
from actors.heap import settle
from actors.partials import ShardPartial
from actors.redis_sink import PositionRowWriter
from actors.shard_book import PUBLISH_PER_TICK, ShardBook, TickRejected, local_pvs, select_columns
from core.config import Settings
from core.logging import get_logger
from core.messages import CurveTick
from market_replay.fixings import market_fixing_history
from pricing import PortfolioEngine
from pricing.errors import EngineError
from pricing.fast import CurveNodes

__all__ = ["ScenarioWorker", "ShardActor", "shard_name"]

_log = get_logger(__name__)


def shard_name(index: int) -> str:
    return f"risk-shard-{index}"


def _shard_entries(settings: Settings, index: int) -> list[dict[str, Any]]:
    """The shard's positions: its ids from the assignment in Redis, their terms from PostgreSQL."""
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    mine = assigned_ids(client, index)
    return [e for e in load_positions(settings) if str(e["id"]) in mine] if mine else []


@ray.remote(max_restarts=-1, max_task_retries=-1)
class ScenarioWorker:
    """A replica of one shard that values a share of each tick's scenarios (when cores outnumber shards)."""

    def __init__(self, index: int, settings: Settings, engine: str) -> None:
        self.book = ShardBook(
            index,
            _shard_entries(settings, index),
            engine=engine,
            valuing=False,
            fixing_history=market_fixing_history,  # type: ignore[arg-type]
        )

    def scenario_pvs(
        self,
        tick: CurveTick,
        context: Mapping[str, CurveTick],
        part: int,
        parts: int,
        nodes: Mapping[str, CurveNodes] | None = None,
    ) -> tuple[tuple[str, ...], list[int], np.ndarray]:
        return self.book.scenario_pvs(tick, context, part, parts, nodes)

    def add(self, entries: list[dict[str, Any]]) -> None:
        self.book.add(entries)

    def remove(self, ids: list[str]) -> None:
        self.book.remove(ids)


class ReplicaScenarios:
    """The PV source of a shard with scenario replicas (a :data:`actors.shard_book.PvSource` strategy).

    :meth:`start` sends the tick to the replicas, each valuing a contiguous share of the tick market's
    scenarios; called by the book, the strategy values the first share here and assembles the matrix from
    the replicas' shares (a replica that died or diverged: everything is valued here, correctly).
    """

    def __init__(self, shard: int, workers: list[Any]) -> None:
        self.shard = shard
        self.workers = workers
        self._market = ""
        self._shares: list[Any] = []

    def start(
        self, tick: CurveTick, context: Mapping[str, CurveTick], nodes: Mapping[str, CurveNodes] | None
    ) -> None:
        parts = len(self.workers) + 1
        self._market = tick.market
        self._shares = [
            w.scenario_pvs.remote(tick, context, k + 1, parts, nodes) for k, w in enumerate(self.workers)
        ]

    def __call__(
        self, market: str, engine: PortfolioEngine, nodes: Mapping[str, CurveNodes] | None
    ) -> np.ndarray:
        """The tick market's PV matrix: the first share here, the others from the replicas, in parallel."""
        shares, self._shares = self._shares, []
        if market != self._market or not shares:
            return local_pvs(market, engine, nodes)
        parts = len(shares) + 1
        chunks = engine.scenarios.chunks(parts)
        matrix = np.empty((len(engine.ids), len(engine.scenarios)))
        own = select_columns(nodes, chunks[0]) if nodes is not None else None
        try:
            matrix[:, chunks[0]] = engine.pv_matrix(chunks[0], own)
        except EngineError:
            matrix[:, chunks[0]] = engine.pv_matrix(chunks[0])
        try:
            for ids, indices, values in ray.get(shares):
                if ids != engine.ids:
                    raise ValueError("a replica holds other positions")
                matrix[:, indices] = values
        except (RayError, ValueError) as exc:
            # a replica died or diverged (a book change in flight): value everything here, correctly
            _log.warning(
                "scenario replica unusable; valuing all scenarios locally", shard=self.shard, error=str(exc)
            )
            return local_pvs(market, engine, nodes)
        return matrix


@ray.remote(max_restarts=-1, max_task_retries=0)
class ShardActor:
    def __init__(
        self,
        index: int,
        settings: Settings,
        engine: str = "fast",
        publish_per_tick: int | None = PUBLISH_PER_TICK,
        scenario_workers: int = 0,
    ) -> None:
        self.index = index
        self.settings = settings
        entries = _shard_entries(settings, index)
        # replicas owned by this actor: they die with it and are made anew when Ray restarts it
        self.workers = [
            ScenarioWorker.options(num_cpus=0).remote(index, settings, engine)  # type: ignore[attr-defined]
            for _ in range(scenario_workers)
        ]
        self.replicas = ReplicaScenarios(index, self.workers) if self.workers else None
        self.book = ShardBook(
            index,
            entries,
            engine=engine,
            publish_per_tick=publish_per_tick,
            pv_source=self.replicas or local_pvs,
            fixing_history=market_fixing_history,  # type: ignore[arg-type]
        )
        self.rows = PositionRowWriter(settings.redis_url, index)
        self.restarts = int(ray.get_runtime_context().was_current_actor_reconstructed)
        # partials are stamped (incarnation, count): a restart (seconds later) starts a later incarnation
        self._incarnation = time.time_ns()
        self._applied = 0
        settle()
        _log.info(
            "shard ready", shard=index, positions=len(entries), pid=os.getpid(), restarted=self.restarts
        )

    def apply(
        self,
        tick: CurveTick,
        context: Mapping[str, CurveTick],
        nodes: Mapping[str, CurveNodes] | None = None,
        session: int = 0,
    ) -> ShardPartial | str:
        """The shard's partial for ``tick`` (book sums only: the per-position rows go to Redis from here,
        off the critical path), stamped with the order the shard computed it in
        (:class:`actors.partials.NewestPartials`); a string (the reason) when the tick's curves are
        rejected. ``nodes``: the tick market's curve nodes in every scenario, bootstrapped once by the
        consumer for all shards;
        ``session``: the tick's tick-order session (:mod:`actors.ordering`)."""
        if self.replicas is not None:
            self.replicas.start(tick, context, nodes)
        rebuilds = self.book.rebuilds
        try:
            result = self.book.apply(tick, context, nodes, session)
        except TickRejected as exc:
            return str(exc)
        finally:
            if self.book.rebuilds != rebuilds:  # new engines: freeze them out of later full collections
                settle()
        self.rows.submit(tick.seq, result.changed, result.removed)
        self._applied += 1
        return replace(result, changed=(), removed=(), version=(self._incarnation, self._applied))

    def flush_rows(self, timeout_s: float = 30.0) -> bool:
        """Wait until this shard's per-position rows of every computed tick are in Redis."""
        return self.rows.flush(timeout_s)

    def add(self, entries: list[dict[str, Any]]) -> int:
        self.book.add(entries)
        ray.get([w.add.remote(entries) for w in self.workers])
        return len(self.book.ids)

    def remove(self, ids: list[str]) -> int:
        self.book.remove(ids)
        ray.get([w.remove.remote(ids) for w in self.workers])
        return len(self.book.ids)

    def info(self) -> dict[str, Any]:
        return {
            "shard": self.index,
            "positions": len(self.book.ids),
            "weight": self.book.weight(),
            "pid": os.getpid(),
            "node": ray.get_runtime_context().get_node_id(),
            "reconstructed": self.restarts,
            "scenario_workers": len(self.workers),
        }

    def ping(self) -> bool:
        return True
