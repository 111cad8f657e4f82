"""The encoded responses of ``GET /api/v1/instruments/{id}``, kept fresh by the change events.

A read of one instrument costs a polymorphic ORM query, two pydantic passes and JSON encoding (about
1-2 ms of one core); on 2 cores that, not the serving layer, capped the route at 50 connections. Each
Serve replica keeps the encoded body and ETag of the instruments it served, and drops an entry:

- at once, in the replica that commits a write of that instrument (read-your-writes for its clients);
- when the instrument's change event arrives on ``secmaster.events`` (writes through other replicas, the
  bulk import, ``riskctl`` commands): :class:`EventInvalidator` reads the topic from its end, with no
  consumer group, in a daemon thread of the replica;
- after :data:`MAX_AGE_S` in any case.

The invalidator asks the broker every :data:`HEARTBEAT_S`; the cache is used only within :data:`GRACE_S`
of the last answer, so while the broker is unreachable every read goes to the database, and after such a
gap the cache starts empty.

A read that started before an invalidation is not stored (a generation counter), so a slow database
read can never put back terms that a newer write replaced. The size is bounded (oldest entries first).
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, TopicPartition

from core.errors import ServiceError
from core.keys import TOPIC_SECMASTER_EVENTS
from core.logging import get_logger
from secmaster.outbox import ensure_topic

__all__ = ["GRACE_S", "HEARTBEAT_S", "MAX_AGE_S", "CachedRead", "EventInvalidator", "InstrumentReadCache"]

#: The longest an entry is served without a new database read (a last safety net; events invalidate).
MAX_AGE_S = 300.0
#: The invalidator checks the broker this often; the cache serves only within GRACE_S of the last success.
HEARTBEAT_S = 1.0
GRACE_S = 3.0
_log = get_logger(__name__)


@dataclass(frozen=True)
class CachedRead:
    """An encoded ``InstrumentRead`` (JSON bytes) and its ETag."""

    body: bytes
    etag: str
    stored_at: float


class InstrumentReadCache:
    """Thread-safe id -> :class:`CachedRead`, at most ``max_entries``, each for at most ``max_age_s``."""

    def __init__(self, max_entries: int = 100_000, max_age_s: float = MAX_AGE_S) -> None:
        self._entries: OrderedDict[str, CachedRead] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        #: entries are stored and served only before this monotonic time (the invalidator moves it on
        #: while it follows the events; without an invalidator, always)
        self.live_until = math.inf

    @property
    def generation(self) -> int:
        """Read it before the database read; pass it to :meth:`put`."""
        return self._generation

    def get(self, instrument_id: str) -> CachedRead | None:
        entry = self._entries.get(instrument_id) if time.monotonic() < self.live_until else None
        if entry is None or time.monotonic() - entry.stored_at > self.max_age_s:
            return None
        return entry

    def put(self, instrument_id: str, body: bytes, etag: str, generation: int) -> None:
        """Store unless an invalidation happened since ``generation`` was read (the body may be older)."""
        with self._lock:
            if generation != self._generation or time.monotonic() >= self.live_until:
                return
            self._entries[instrument_id] = CachedRead(body, etag, time.monotonic())
            self._entries.move_to_end(instrument_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, instrument_ids: list[str] | None = None) -> None:
        """Drop these instruments (``None``: every entry)."""
        with self._lock:
            self._generation += 1
            if instrument_ids is None:
                self._entries.clear()
            else:
                for instrument_id in instrument_ids:
                    self._entries.pop(instrument_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, instrument_id: object) -> bool:
        """Whether an entry is held (served or not)."""
        return instrument_id in self._entries


class EventInvalidator:
    """A daemon thread dropping the cache entries of the instruments named by ``secmaster.events``."""

    def __init__(
        self, cache: InstrumentReadCache, bootstrap: str, topic: str = TOPIC_SECMASTER_EVENTS
    ) -> None:
        self._cache = cache
        self._bootstrap = bootstrap
        self._topic = topic
        self._stopping = threading.Event()
        #: set once the stream is followed (every event published from then on invalidates)
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="secmaster-read-cache", daemon=True)

    def start(self) -> None:
        self._cache.live_until = 0.0  # until the stream is followed
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout_s)

    def _consumer(self) -> Consumer:
        consumer = Consumer(
            {
                "bootstrap.servers": self._bootstrap,
                "group.id": f"secmaster-read-cache-{uuid.uuid4().hex}",  # required; never committed
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 50,
            }
        )
        ensure_topic(self._bootstrap, self._topic)
        partitions = consumer.list_topics(self._topic, timeout=10).topics[self._topic].partitions
        # concrete end offsets (not OFFSET_END, resolved later): every event published after this is seen
        ends = [
            consumer.get_watermark_offsets(TopicPartition(self._topic, p), timeout=10, cached=False)[1]
            for p in partitions
        ]
        consumer.assign(
            [TopicPartition(self._topic, p, end) for p, end in zip(partitions, ends, strict=True)]
        )
        self._alive()
        self.ready.set()
        return consumer

    def _alive(self) -> None:
        """The broker answered: extend the cache's life; after a gap, forget everything first (events of
        the gap may still be on their way: the relays publish them once the broker is back)."""
        if time.monotonic() >= self._cache.live_until:
            self._cache.invalidate()
        self._cache.live_until = time.monotonic() + GRACE_S

    def _run(self) -> None:
        consumer: Consumer | None = None
        next_heartbeat = 0.0
        while not self._stopping.is_set():
            try:
                if consumer is None:
                    consumer = self._consumer()
                if time.monotonic() >= next_heartbeat:  # a broker round trip proves we still follow
                    probe = TopicPartition(self._topic, 0)
                    consumer.get_watermark_offsets(probe, timeout=HEARTBEAT_S, cached=False)
                    self._alive()
                    next_heartbeat = time.monotonic() + HEARTBEAT_S
                messages = consumer.consume(num_messages=1000, timeout=0.2)
            except (KafkaException, ServiceError) as error:
                _log.warning("read cache: event stream unavailable; retrying", error=str(error))
                self.ready.clear()
                self._cache.live_until = 0.0
                if consumer is not None:
                    consumer.close()
                consumer = None
                self._stopping.wait(2.0)
                continue
            keys = []
            for message in messages:
                if message.error() is not None:
                    continue
                try:
                    event = json.loads(message.value() or b"{}")
                except ValueError:
                    continue
                if event.get("entity") == "instrument" and isinstance(event.get("key"), str):
                    keys.append(event["key"])
            if keys:
                self._cache.invalidate(keys)
        if consumer is not None:
            consumer.close()
