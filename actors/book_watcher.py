"""``BookWatcher``: applies security-master changes (``secmaster.events``) to the shards.

The consumer calls :meth:`BookWatcherCore.sync` before it fans out each tick, so an instrument added,
changed or removed through the API is in (or out of) the right shard before the next tick is computed.
For every event the watcher reloads that instrument's positions from PostgreSQL (the source of truth;
events are at least once and may repeat) and moves them: a changed instrument stays on its shard, a new
one goes to the shard with the lightest cashflow load. The assignment is saved in Redis for restarts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ray
import redis
from confluent_kafka import Consumer, TopicPartition

from actors.book_source import load_positions, save_assignment
from actors.kafka_io import EngineTopics, ensure_topics, topic_partitions
from actors.sharding import least_loaded
from core.config import Settings
from core.keys import ENGINE_SHARDS
from core.logging import get_logger
from pricing import PricingError, cashflow_count, spec_from_dict
from pricing.positions import entry_instrument

__all__ = ["BookWatcher", "BookWatcherCore", "affected_instruments", "entry_weight"]

_log = get_logger(__name__)


def affected_instruments(event: Mapping[str, Any]) -> list[str]:
    """The instruments whose positions an event changes (none for events that change no position)."""
    entity, data = event.get("entity"), event.get("data") or {}
    if not isinstance(data, Mapping):
        return []
    if entity == "instrument":
        return [str(event.get("key"))]
    if entity == "position" and data.get("instrument_id"):
        return [str(data["instrument_id"])]
    if entity == "book":  # a forced book delete takes its positions with it
        removed = data.get("removed_positions") or []
        return [str(p["instrument_id"]) for p in removed if isinstance(p, Mapping) and p.get("instrument_id")]
    return []


def entry_weight(entry: Mapping[str, Any]) -> int:
    try:
        return cashflow_count(spec_from_dict(entry))
    except PricingError:
        return 1


def _instrument_of(position_key: str) -> str:
    return position_key.split("@", 1)[0]


class BookWatcherCore:
    def __init__(
        self,
        settings: Settings,
        add: Callable[[int, list[dict[str, Any]]], None],
        remove: Callable[[int, list[str]], None],
        loads: Mapping[int, int],
        start_at_end: bool,
        topics: EngineTopics = EngineTopics(),
    ) -> None:
        self.settings = settings
        self._add, self._remove = add, remove
        self.redis = redis.Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)
        stored: dict[str, str] = self.redis.hgetall(ENGINE_SHARDS)  # type: ignore[assignment]
        self.assignment = {key: int(shard) for key, shard in stored.items()}
        self.loads = dict(loads)  # cashflow weight per shard
        self.applied_events = 0
        topic = topics.events
        ensure_topics(settings.kafka_bootstrap, {topic: 3})
        self.consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "group.id": topics.book_group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                # watermark queries queue behind the fetcher's long poll on the same connection:
                # keep that poll short so "caught up?" answers in milliseconds, not half a second
                "fetch.wait.max.ms": 10,
            }
        )
        partitions = [TopicPartition(topic, p) for p in topic_partitions(self.consumer, topic)]
        committed = [] if start_at_end else self.consumer.committed(partitions, timeout=10)
        # concrete offsets, so that "caught up" is a plain comparison with the high watermark: the end
        # of the topic on a fresh start (the book was just loaded from PostgreSQL), else the committed
        # offset (a restarted watcher replays what it missed; applying an event twice is harmless)
        self.assigned = []
        for k, partition in enumerate(partitions):
            low, high = self.consumer.get_watermark_offsets(partition, timeout=10, cached=False)
            offset = (
                committed[k].offset
                if committed and committed[k].offset >= 0
                else (high if start_at_end else low)
            )
            self.assigned.append(TopicPartition(topic, partition.partition, offset))
        self.consumer.assign(self.assigned)

    def _caught_up(self) -> bool:
        for assigned, position in zip(self.assigned, self.consumer.position(self.assigned), strict=True):
            offset = position.offset if position.offset >= 0 else assigned.offset  # nothing fetched yet
            # the fetcher refreshes the cached high watermark every poll (<= fetch.wait.max.ms)
            _low, high = self.consumer.get_watermark_offsets(position, cached=True)
            if high < 0:
                _low, high = self.consumer.get_watermark_offsets(position, timeout=5.0, cached=False)
            if offset < high:
                return False
        return True

    def sync(self, max_wait_s: float = 5.0) -> int:
        """Apply every event published so far; returns how many instruments changed."""
        if self.assignment and not self.redis.exists(ENGINE_SHARDS):
            # Redis restarted without persistence: a shard rebuilt now would find no positions
            save_assignment(self.redis, self.assignment)
            _log.warning("shard assignment restored to Redis", positions=len(self.assignment))
        deadline = time.monotonic() + max_wait_s
        instruments: set[str] = set()
        while True:
            if self._caught_up():
                break
            messages = self.consumer.consume(num_messages=500, timeout=0.05)
            for message in messages:
                if message.error() is not None:
                    continue
                try:
                    event = json.loads(message.value() or b"{}")
                except ValueError:
                    _log.warning("unreadable secmaster event skipped", offset=message.offset())
                    continue
                instruments.update(affected_instruments(event))
            if not messages and time.monotonic() > deadline:
                break
        if instruments:
            self.apply(sorted(instruments))
            self.consumer.commit(asynchronous=False)
        return len(instruments)

    def apply(self, instrument_ids: Sequence[str]) -> None:
        wanted = set(instrument_ids)
        entries = load_positions(self.settings, wanted)
        old = {key: shard for key, shard in self.assignment.items() if _instrument_of(key) in wanted}
        removals: dict[int, list[str]] = {}
        for key, shard in old.items():
            removals.setdefault(shard, []).append(key)
            self.loads[shard] -= 1
            del self.assignment[key]
        for shard, keys in removals.items():
            self._remove(shard, keys)
        additions: dict[int, list[dict[str, Any]]] = {}
        for entry in entries:
            key = str(entry["id"])
            # every position of an instrument on one shard: the shard values the instrument once
            previous = [s for k, s in old.items() if _instrument_of(k) == entry_instrument(entry)]
            shard = previous[0] if previous else least_loaded(self.loads)
            additions.setdefault(shard, []).append(entry)
            self.assignment[key] = shard
            self.loads[shard] += entry_weight(entry)
        for shard, batch in additions.items():
            self._add(shard, batch)
        if old:
            self.redis.hdel(ENGINE_SHARDS, *old)
        save_assignment(self.redis, {str(e["id"]): self.assignment[str(e["id"])] for e in entries})
        self.applied_events += len(wanted)
        _log.info("book change applied", instruments=len(wanted), positions=len(entries))

    def close(self) -> None:
        self.consumer.close()


@ray.remote(max_restarts=-1, max_task_retries=-1)
class BookWatcher:
    def __init__(
        self,
        settings: Settings,
        n_shards: int,
        start_at_end: bool = True,
        topics: EngineTopics = EngineTopics(),
    ) -> None:
        from actors.shard import shard_name

        restarted = ray.get_runtime_context().was_current_actor_reconstructed

        def add(shard: int, entries: list[dict[str, Any]]) -> None:
            ray.get(ray.get_actor(shard_name(shard)).add.remote(entries))

        def remove(shard: int, ids: list[str]) -> None:
            ray.get(ray.get_actor(shard_name(shard)).remove.remote(ids))

        infos: list[dict[str, Any]] = ray.get(
            [ray.get_actor(shard_name(k)).info.remote() for k in range(n_shards)]
        )
        loads = {int(info["shard"]): int(info["weight"]) for info in infos}
        self.core = BookWatcherCore(settings, add, remove, loads, start_at_end and not restarted, topics)

    def sync(self) -> int:
        return self.core.sync()

    def applied(self) -> int:
        return self.core.applied_events

    def ping(self) -> bool:
        return True
