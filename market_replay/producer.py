"""Kafka producer of the replay: idempotent, keyed by market, paced, with delivery reports.

Every tick is sent with key ``USD`` / ``EUR`` (so one market's ticks stay in order on one partition)
and ``produced_at_ns`` stamped at send time. Delivery failures are counted and the first cause kept;
the run ends with a ``flush`` whether it finished, was stopped (Ctrl-C) or failed, and its
:class:`ReplayStats` say what was sent, delivered and lost.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from types import FrameType
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # NewTopic is public, its stub omits it
    AdminClient,
    NewTopic,
)

from core.logging import get_logger
from market_replay.errors import DeliveryError, ReplayConfigError
from market_replay.generator import ScheduledTick
from market_replay.schedule import Pace, send_offset

__all__ = ["ReplayStats", "ensure_topic", "producer_config", "replay_to_kafka", "stop_on_sigint"]

_log = get_logger(__name__)
_FLUSH_TIMEOUT_S = 30.0
_POLL_SLICE_S = 0.05


@dataclass
class ReplayStats:
    """Counters of one replay run (updated from the delivery callback)."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    first_error: str | None = None
    last_seq: int | None = None
    market_date: date | None = None
    started_at: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0
    stopped: bool = False

    @property
    def rate(self) -> float:
        """Ticks sent per second of wall time so far."""
        elapsed = self.elapsed_s or (time.monotonic() - self.started_at)
        return self.sent / elapsed if elapsed > 0 else 0.0

    def progress_line(self) -> str:
        return (
            f"ticks sent {self.sent:,} (delivered {self.delivered:,}, failed {self.failed:,}) | "
            f"{self.rate:,.0f} ticks/s | market date {self.market_date or '-'}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "failed": self.failed,
            "first_error": self.first_error,
            "last_seq": self.last_seq,
            "market_date": self.market_date.isoformat() if self.market_date else None,
            "elapsed_s": round(self.elapsed_s, 3),
            "ticks_per_s": round(self.rate, 1),
            "stopped": self.stopped,
        }


def producer_config(bootstrap: str, pace: Pace, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Idempotent, ``acks=all``; batches for a few ms at ``max`` speed, sends at once when paced."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 20 if pace.is_max else 0,
        "compression.type": "lz4",
        "queue.buffering.max.messages": 200_000,
        "client.id": "market-replay",
    }
    config.update(overrides or {})
    return config


def ensure_topic(bootstrap: str, topic: str, partitions: int = 2, timeout_s: float = 30.0) -> None:
    """Create ``topic`` if it does not exist (replication factor 1, the local single broker)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    try:
        futures[topic].result(timeout=timeout_s)
    except KafkaException as exc:
        error = exc.args[0]
        if not (isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS):
            raise


@contextmanager
def stop_on_sigint(stop: threading.Event) -> Iterator[None]:
    """While active, Ctrl-C sets ``stop`` (the replay then flushes and ends cleanly) instead of raising."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def replay_to_kafka(
    ticks: Iterable[ScheduledTick],
    *,
    topic: str,
    bootstrap: str,
    pace: Pace,
    stop: threading.Event | None = None,
    progress: Callable[[ReplayStats], None] | None = None,
    progress_every_s: float = 0.5,
    config_overrides: Mapping[str, Any] | None = None,
    max_ticks: int | None = None,
) -> ReplayStats:
    """Send ``ticks`` to ``topic`` at ``pace``; returns the stats after a final flush.

    Stops early when ``stop`` is set or after ``max_ticks``. Raises :class:`DeliveryError` if ticks
    were not delivered (the stats are in the message), never drops a failure silently.
    """
    if max_ticks is not None and max_ticks < 1:
        raise ReplayConfigError(f"max ticks must be at least 1, got {max_ticks}")
    stop = stop or threading.Event()
    stats = ReplayStats()
    producer = Producer(producer_config(bootstrap, pace, config_overrides))

    def on_delivery(error: KafkaError | None, message: Message) -> None:
        if error is None:
            stats.delivered += 1
            return
        stats.failed += 1
        if stats.first_error is None:
            stats.first_error = str(error)
        _log.error("tick not delivered", topic=topic, key=message.key(), error=str(error))

    next_progress = stats.started_at + progress_every_s
    first_offset: float | None = None
    try:
        for index, scheduled in enumerate(ticks):
            if stop.is_set() or (max_ticks is not None and index >= max_ticks):
                stats.stopped = stop.is_set()
                break
            if first_offset is None:
                first_offset = scheduled.replay_offset_s
            due = send_offset(pace, scheduled.replay_offset_s - first_offset, index)
            if due is not None:
                _wait_until(producer, stats.started_at + due, stop)
                if stop.is_set():
                    stats.stopped = True
                    break
            _produce(producer, topic, scheduled, on_delivery)
            stats.sent += 1
            stats.last_seq = scheduled.tick.seq
            stats.market_date = scheduled.tick.as_of
            if progress is not None and time.monotonic() >= next_progress:
                progress(stats)
                next_progress = time.monotonic() + progress_every_s
    finally:
        remaining = producer.flush(_FLUSH_TIMEOUT_S)
        stats.elapsed_s = time.monotonic() - stats.started_at
        if progress is not None:
            progress(stats)
        if remaining:
            stats.failed += remaining
            stats.first_error = (
                stats.first_error or f"{remaining} ticks still queued after {_FLUSH_TIMEOUT_S}s flush"
            )
    _log.info("replay finished", topic=topic, pace=pace.describe(), **stats.as_dict())
    if stats.failed:
        raise DeliveryError(
            f"{stats.failed} of {stats.sent} ticks were not delivered to {topic} at {bootstrap}: "
            f"{stats.first_error}. Check that the broker runs (riskctl services status)."
        )
    return stats


def _produce(
    producer: Producer,
    topic: str,
    scheduled: ScheduledTick,
    on_delivery: Callable[[KafkaError | None, Message], None],
) -> None:
    tick = scheduled.tick.model_copy(update={"produced_at_ns": time.time_ns()})
    payload = tick.to_json()
    while True:
        try:
            producer.produce(topic, key=tick.market.encode(), value=payload, on_delivery=on_delivery)
            break
        except BufferError:  # local queue full: let deliveries drain, then retry
            producer.poll(_POLL_SLICE_S)
    producer.poll(0)


def _wait_until(producer: Producer, deadline: float, stop: threading.Event) -> None:
    """Serve delivery reports while waiting for ``deadline`` (monotonic), waking up on ``stop``."""
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        producer.poll(min(remaining, _POLL_SLICE_S))
