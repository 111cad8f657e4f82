"""``TickConsumer``: Kafka ``market.curves`` → validate → conflate → fan out to shards → aggregate.

At least once: offsets are committed only after every tick of the polled batch is in Redis (or was
rejected, or sent to the dead-letter topic with its reason). On any failure before that, the consumer
is rebuilt and resumes from the committed offsets; duplicates are harmless because Redis writes are
guarded by ``seq``. A shard that dies mid-tick is restarted by Ray and the tick is retried on it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ray
from confluent_kafka import Consumer, Message, Producer
from ray.exceptions import RayActorError

from actors.intake import Rejected, conflate, parse_record
from actors.kafka_io import EngineTopics, ensure_topics, lag
from actors.partials import ShardPartial
from core.config import Settings
from core.logging import get_logger
from core.messages import CurveTick

__all__ = ["ConsumerCounters", "TickConsumer", "TickProcessor"]

_log = get_logger(__name__)
SHARD_RETRIES = 20


@dataclass
class ConsumerCounters:
    ticks_received: int = 0
    ticks_processed: int = 0
    ticks_conflated: int = 0
    ticks_rejected: int = 0
    ticks_dlq: int = 0
    ticks_duplicate: int = 0
    shard_retries: int = 0
    consumer_restarts: int = 0
    consumer_lag: int = 0
    last_error: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_status(self) -> dict[str, int | float | str]:
        out: dict[str, int | float | str] = {
            k: v for k, v in self.__dict__.items() if k != "extra" and isinstance(v, int | float | str)
        }
        out.update(self.extra)
        return out


class TickProcessor:
    """One tick's fan-out and aggregation, with retries of shards that died (no Kafka here)."""

    def __init__(
        self, shards: Sequence[Any], aggregator: Any, watcher: Any | None, counters: ConsumerCounters
    ):
        self.shards = list(shards)
        self.aggregator = aggregator
        self.watcher = watcher
        self.counters = counters
        self.context: dict[str, CurveTick] = {}

    def process(self, tick: CurveTick) -> bool:
        """Compute and write one tick; False if its curves were rejected."""
        consumed = time.time_ns()
        if self.watcher is not None:
            ray.get(self.watcher.sync.remote())
        context_ref = ray.put(dict(self.context))
        tick_ref = ray.put(tick)
        pending = {k: shard.apply.remote(tick_ref, context_ref) for k, shard in enumerate(self.shards)}
        fanned = time.time_ns()
        results: dict[int, ShardPartial | str] = {}
        attempts = 0
        while pending:
            for k, ref in list(pending.items()):
                try:
                    results[k] = ray.get(ref)
                    del pending[k]
                except RayActorError as exc:
                    attempts += 1
                    self.counters.shard_retries += 1
                    if attempts > SHARD_RETRIES:
                        raise RuntimeError(f"shard {k} kept failing on seq {tick.seq}: {exc}") from exc
                    _log.warning("shard died, retrying the tick on it", shard=k, seq=tick.seq)
                    time.sleep(min(0.2 * attempts, 2.0))
                    pending[k] = self.shards[k].apply.remote(tick_ref, context_ref)
        shards_done = time.time_ns()
        rejections = [r for r in results.values() if isinstance(r, str)]
        if rejections:
            self.counters.ticks_rejected += 1
            self.counters.last_error = rejections[0]
            ray.get(self.aggregator.mark_stale.remote(tick.market, rejections[0], self.counters.as_status()))
            return False
        partials = [results[k] for k in sorted(results)]
        self.counters.ticks_processed += 1
        outcome = ray.get(
            self.aggregator.write.remote(
                tick, partials, consumed, fanned, shards_done, self.counters.as_status()
            )
        )
        if not outcome["written"]:
            self.counters.ticks_duplicate += 1
        self.context[tick.market] = tick
        return True


class TickConsumerCore:
    def __init__(
        self,
        settings: Settings,
        processor: TickProcessor,
        topics: EngineTopics = EngineTopics(),
        batch: int = 500,
    ) -> None:
        self.settings = settings
        self.processor = processor
        self.counters = processor.counters
        self.topic, self.dlq_topic, self.group, self.batch = topics.curves, topics.dlq, topics.group, batch
        self.stopped = threading.Event()
        ensure_topics(settings.kafka_bootstrap, {topics.curves: 2, topics.dlq: 1})
        self.dlq = Producer(
            {"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True, "acks": "all"}
        )
        self.consumer = self._new_consumer()

    def _new_consumer(self) -> Consumer:
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.kafka_bootstrap,
                "group.id": self.group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": 10000,
                "max.poll.interval.ms": 600000,
            }
        )
        consumer.subscribe([self.topic])
        return consumer

    def _to_dlq(self, message: Message, reason: str) -> None:
        headers: list[tuple[str, str | bytes | None]] = [
            ("reason", reason[:2000].encode()),
            ("source_topic", str(message.topic()).encode()),
            ("source_partition", str(message.partition()).encode()),
            ("source_offset", str(message.offset()).encode()),
        ]
        self.dlq.produce(self.dlq_topic, key=message.key(), value=message.value(), headers=headers)
        self.counters.ticks_dlq += 1

    def poll_once(self, timeout_s: float = 0.2) -> int:
        """Consume, compute and commit one batch; returns the number of records handled."""
        messages = [
            m for m in self.consumer.consume(num_messages=self.batch, timeout=timeout_s) if m.error() is None
        ]
        if not messages:
            return 0
        valid: list[CurveTick] = []
        for message in messages:
            self.counters.ticks_received += 1
            parsed = parse_record(message.key(), message.value())
            if isinstance(parsed, Rejected):
                self._to_dlq(message, parsed.reason)
            else:
                valid.append(parsed)
        if self.dlq.flush(30) != 0:
            raise RuntimeError("dead-letter records not confirmed by the broker; not committing")
        conflated = conflate(valid)
        self.counters.ticks_conflated += len(conflated.skipped)
        for tick in conflated.latest:
            if not self.processor.process(tick):
                self._to_dlq_rejected(tick)
        self.dlq.flush(30)
        self.consumer.commit(asynchronous=False)
        return len(messages)

    def _to_dlq_rejected(self, tick: CurveTick) -> None:
        self.dlq.produce(
            self.dlq_topic,
            key=tick.market.encode(),
            value=tick.to_json(),
            headers=[
                ("reason", self.counters.last_error[:2000].encode()),
                ("source_topic", self.topic.encode()),
            ],
        )
        self.counters.ticks_dlq += 1

    def run(self) -> None:
        backoff = 0.5
        last_status = 0.0
        while not self.stopped.is_set():
            try:
                self.poll_once()
                backoff = 0.5
                if time.monotonic() - last_status > 1.0:
                    self.counters.consumer_lag = lag(self.consumer, self.consumer.assignment())
                    ray.get(self.processor.aggregator.status.remote(self.counters.as_status()))
                    last_status = time.monotonic()
            except Exception as exc:  # any failure: resume from committed offsets
                self.counters.last_error = f"{type(exc).__name__}: {exc}"
                self.counters.consumer_restarts += 1
                _log.error("tick processing failed; resuming from committed offsets", error=str(exc))
                with contextlib.suppress(Exception):  # a broken consumer may fail to close
                    self.consumer.close()
                self.stopped.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                self.consumer = self._new_consumer()
        self.consumer.close()
        self.dlq.flush(30)


@ray.remote(max_restarts=-1, max_concurrency=4)  # type: ignore[call-overload]
class TickConsumer:
    """The Ray actor around :class:`TickConsumerCore`; ``run`` loops until ``stop``."""

    def __init__(
        self,
        settings: Settings,
        shard_names: list[str],
        aggregator_name: str,
        watcher_name: str | None,
        topics: EngineTopics = EngineTopics(),
    ) -> None:
        shards = [ray.get_actor(name) for name in shard_names]
        aggregator = ray.get_actor(aggregator_name)
        watcher = ray.get_actor(watcher_name) if watcher_name else None
        counters = ConsumerCounters()
        self.core = TickConsumerCore(settings, TickProcessor(shards, aggregator, watcher, counters), topics)
        self._thread = threading.Thread(target=self.core.run, name="tick-consumer", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int | float | str]:
        self.core.stopped.set()
        self._thread.join(timeout=30)
        return self.core.counters.as_status()

    def counters(self) -> dict[str, int | float | str]:
        return self.core.counters.as_status()

    def ping(self) -> bool:
        return self._thread.is_alive()
