"""``ShardActor``: a Ray actor holding one shard of the book (see :class:`actors.shard_book.ShardBook`).

On (re)start it rebuilds its shard from durable sources: the assignment in Redis (``engine:shards``) and
the positions' terms in PostgreSQL. Its curves come from the ticks: the consumer sends, with every
tick, the latest good tick of every market, so a restarted shard catches up before computing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import ray
import redis

from actors.book_source import assigned_ids, load_positions
from actors.partials import ShardPartial
from actors.shard_book import ShardBook, TickRejected
from core.config import Settings
from core.logging import get_logger
from core.messages import CurveTick

__all__ = ["ShardActor", "shard_name"]

_log = get_logger(__name__)


def shard_name(index: int) -> str:
    return f"risk-shard-{index}"


@ray.remote(max_restarts=-1, max_task_retries=0)
class ShardActor:
    def __init__(
        self, index: int, settings: Settings, engine: str = "fast", publish_every_s: float = 1.0
    ) -> None:
        self.index = index
        self.settings = settings
        client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
        mine = assigned_ids(client, index)
        entries = [e for e in load_positions(settings) if str(e["id"]) in mine] if mine else []
        self.book = ShardBook(index, entries, engine=engine, publish_every_s=publish_every_s)
        self.restarts = int(ray.get_runtime_context().was_current_actor_reconstructed)
        _log.info(
            "shard ready", shard=index, positions=len(entries), pid=os.getpid(), restarted=self.restarts
        )

    def apply(self, tick: CurveTick, context: Mapping[str, CurveTick]) -> ShardPartial | str:
        """The shard's partial for ``tick``; a string (the reason) when the tick's curves are rejected."""
        try:
            return self.book.apply(tick, context)
        except TickRejected as exc:
            return str(exc)

    def add(self, entries: list[dict[str, Any]]) -> int:
        self.book.add(entries)
        return len(self.book.ids)

    def remove(self, ids: list[str]) -> int:
        self.book.remove(ids)
        return len(self.book.ids)

    def info(self) -> dict[str, Any]:
        return {
            "shard": self.index,
            "positions": len(self.book.ids),
            "weight": self.book.weight(),
            "pid": os.getpid(),
            "node": ray.get_runtime_context().get_node_id(),
            "reconstructed": self.restarts,
        }

    def ping(self) -> bool:
        return True
