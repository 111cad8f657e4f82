"""Multi-node behaviour of the shard actors on a ``ray.cluster_utils.Cluster`` (a head and two worker nodes
in this one machine), run in a process of its own by ``test_batch_multinode.py`` (a Cluster needs its own
``ray.init``; the pytest process may already run Ray). Prints one JSON document on its last line.

Steps: two ShardActors created as the supervisor creates them (named, ``num_cpus=0``, ``SPREAD``; here
also pinned to the worker nodes by a custom resource, so that the head is never the node removed), the
book split between them through Redis as ``start_engine`` does; both value the day's ticks; the node of
shard 0 is removed; shard 0 restarts on the other node (``max_restarts=-1``), rebuilds its positions from
Redis and PostgreSQL and its curves from the tick context, and the totals are computed again.

Usage: ``python multinode_check.py DATABASE REDIS_DB YYYY-MM-DD``
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from datetime import date
from typing import Any

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # every node on loopback

import ray
import redis
from ray.cluster_utils import Cluster

from actors.book_source import load_positions, save_assignment
from actors.book_watcher import entry_weight
from actors.partials import reduce_partials
from actors.shard import ShardActor, shard_name
from actors.sharding import assign_shards
from core.config import get_settings
from core.messages import CurveTick
from market_replay import DEFAULT_TICKS_PER_DAY, HistoricalSource, market_snapshot
from market_replay.snapshot import snapshot_tick
from pricing import price_portfolio

WORKER = "batch_test_worker"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ticks(day: date, seq: int) -> dict[str, CurveTick]:
    source = HistoricalSource()
    return {
        market: snapshot_tick(
            source, market, day, None, seed=0, ticks_per_day=DEFAULT_TICKS_PER_DAY
        ).model_copy(update={"seq": seq + k})
        for k, market in enumerate(("USD", "EUR"))
    }


def _totals(shards: list[Any], ticks: dict[str, CurveTick]) -> dict[str, float]:
    partials = ray.get([shard.apply.remote(ticks["EUR"], ticks) for shard in shards], timeout=300)
    if any(isinstance(p, str) for p in partials):
        raise RuntimeError(f"a shard rejected the tick: {partials}")
    whole = reduce_partials(partials)["ALL"]
    return {"pv": whole.pv, "dv01": whole.dv01, "n_ok": whole.n_ok, "n_failed": whole.n_failed}


def _wait_restarted(shard: Any, old_node: str, timeout_s: float = 180.0) -> dict[str, Any]:
    give_up = time.monotonic() + timeout_s
    while time.monotonic() < give_up:
        try:
            info: dict[str, Any] = ray.get(shard.info.remote(), timeout=30)
            if info["node"] != old_node:
                return info
        except (
            ray.exceptions.RayActorError,
            ray.exceptions.ActorUnavailableError,
            ray.exceptions.GetTimeoutError,
        ):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"shard did not restart off node {old_node} within {timeout_s} s")


def main(database: str, redis_db: int, day: date) -> dict[str, Any]:
    settings = get_settings().model_copy(update={"postgres_db": database, "redis_db": redis_db})
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    client.flushdb()
    entries = load_positions(settings)
    groups = assign_shards({str(e["id"]): entry_weight(e) for e in entries}, 2)
    save_assignment(client, {key: k for k, group in enumerate(groups) for key in group}, replace=True)
    reference = price_portfolio({"instruments": entries}, market_snapshot(day))["totals"]

    head = {"num_cpus": 1, "include_dashboard": False, "dashboard_port": _free_port()}  # 8265 may be taken
    cluster = Cluster(initialize_head=True, head_node_args=head)
    workers = [cluster.add_node(num_cpus=1, resources={WORKER: 1}) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace="batch-multinode-test", log_to_driver=False)
    try:
        shards = [
            ShardActor.options(  # type: ignore[attr-defined]
                name=shard_name(k), num_cpus=0, resources={WORKER: 0.01}, scheduling_strategy="SPREAD"
            ).remote(k, settings, "fast", None)
            for k in range(2)
        ]
        before = ray.get([s.info.remote() for s in shards], timeout=300)
        first = _totals(shards, _ticks(day, 1))
        victim = next(w for w in workers if w.node_id == before[0]["node"])
        cluster.remove_node(victim)
        restarted = _wait_restarted(shards[0], before[0]["node"])
        after = _totals(shards, _ticks(day, 10))
        return {
            "worker_nodes": [w.node_id for w in workers],
            "removed_node": victim.unique_id,
            "before": before,
            "restarted": restarted,
            "reference": {k: reference[k] for k in ("pv", "dv01", "n_ok", "n_failed")},
            "first": first,
            "after": after,
        }
    finally:
        ray.shutdown()
        cluster.shutdown()
        client.flushdb()


if __name__ == "__main__":
    result = main(sys.argv[1], int(sys.argv[2]), date.fromisoformat(sys.argv[3]))
    print(json.dumps(result))
