"""Transactional outbox: change events are rows written in the writer's transaction, relayed after commit.

A write and its ``outbox_events`` row commit (or roll back) together, so no event is lost and none is
sent for a rolled-back write. :func:`relay_pending` publishes unpublished rows in id order to Kafka
(idempotent producer, ``acks=all``, keyed by instrument id) and marks them published only after the
broker confirmed delivery. A PostgreSQL advisory lock lets one relay run at a time, which keeps the
per-instrument order across several Serve replicas. Delivery is at least once: if a relay dies between
the broker's confirmation and its own commit, the rows are sent again, so consumers deduplicate on
``event_id`` (also sent as a header).

Event value (JSON)::

    {"schema": "secmaster-event/1", "event_id": 42, "entity": "instrument" | "position" | "book",
     "type": "created" | "updated" | "deleted", "key": "UST-91282CJZ5", "occurred_at": "...",
     "data": {...}}

``data`` is the instrument in the book format of docs/architecture.md §5 (unscaled, without ``book``) for
instrument events, ``{"book", "instrument_id", "quantity"}`` for position events and the book for book
events; a ``deleted`` instrument event lists the positions that went with it (``removed_positions``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from sqlalchemy import Text, cast, func, select, text, update
from sqlalchemy.orm import Session

from core.errors import ServiceError
from core.keys import TOPIC_SECMASTER_EVENTS
from core.logging import get_logger
from secmaster.db import SessionFactory
from secmaster.models import OutboxEvent

__all__ = [
    "EVENT_SCHEMA",
    "OutboxRelay",
    "PendingEvent",
    "ensure_topic",
    "event_value",
    "make_producer",
    "pending_count",
    "record_event",
    "relay_pending",
]

EVENT_SCHEMA = "secmaster-event/1"
Entity = Literal["instrument", "position", "book"]
EventType = Literal["created", "updated", "deleted"]

#: Arbitrary but fixed: the advisory lock id that serialises relays on one database.
_RELAY_LOCK_ID = 0x5EC_0B0C
_log = get_logger(__name__)


def record_event(
    session: Session, entity: Entity, event_type: EventType, key: str, data: dict[str, Any]
) -> None:
    """Add the event row to the caller's transaction (nothing is sent until that transaction commits)."""
    session.add(OutboxEvent(aggregate_id=key, entity=entity, event_type=event_type, payload=data))


class PendingEvent(NamedTuple):
    """An unpublished outbox row as the relay reads it: the payload stays the JSON text PostgreSQL holds
    (decoding and re-encoding 100,000 payloads of a bulk import was half the relay's time)."""

    id: int
    aggregate_id: str
    entity: str
    event_type: str
    created_at: datetime
    payload_json: str


def event_value(row: PendingEvent) -> bytes:
    envelope = {
        "schema": EVENT_SCHEMA,
        "event_id": row.id,
        "entity": row.entity,
        "type": row.event_type,
        "key": row.aggregate_id,
        "occurred_at": row.created_at.isoformat(),
    }
    head = json.dumps(envelope, separators=(",", ":"))[:-1]
    return f'{head},"data":{row.payload_json}}}'.encode()


def make_producer(bootstrap: str) -> Producer:
    return Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "message.timeout.ms": 30000,
            "client.id": "secmaster-outbox",
        }
    )


def ensure_topic(bootstrap: str, topic: str = TOPIC_SECMASTER_EVENTS, partitions: int = 3) -> None:
    """Create ``topic`` if it does not exist (brokers may refuse to auto-create topics)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if topic in admin.list_topics(timeout=10).topics:
        return
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic]
    try:
        future.result(timeout=30)
    except Exception as exc:  # the KafkaException of a concurrent creation is fine
        error = exc.args[0] if exc.args else None
        if not (isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS):
            raise ServiceError("kafka", f"cannot create topic {topic}: {exc}") from exc


def pending_count(factory: SessionFactory) -> int:
    with factory() as session:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        return int(session.scalar(query) or 0)


def relay_pending(
    factory: SessionFactory,
    producer: Producer,
    topic: str = TOPIC_SECMASTER_EVENTS,
    batch_size: int = 5000,
    timeout_s: float = 30.0,
) -> int:
    """Publish every unpublished event, oldest first; return how many were published.

    Returns 0 at once when another relay holds the lock. Raises :class:`ServiceError` when the broker did
    not confirm some events within ``timeout_s``; the confirmed ones stay marked, the others are retried
    by the next call.
    """
    published = 0
    while True:
        with factory() as session, session.begin():
            if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _RELAY_LOCK_ID}):
                return published
            columns = (
                OutboxEvent.id,
                OutboxEvent.aggregate_id,
                OutboxEvent.entity,
                OutboxEvent.event_type,
                OutboxEvent.created_at,
                cast(OutboxEvent.payload, Text),
            )
            rows = [
                PendingEvent(*row)
                for row in session.execute(
                    select(*columns)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(batch_size)
                )
            ]
            if not rows:
                return published
            delivered, failures = _publish(producer, topic, rows, timeout_s)
            if delivered:  # one statement, not one UPDATE per row (a bulk import makes 100,000 events)
                session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(sorted(delivered)))
                    .values(published_at=func.now())
                    .execution_options(synchronize_session=False)
                )
        published += len(delivered)
        if failures:
            raise ServiceError(
                "kafka", f"{len(failures)} outbox event(s) not delivered to {topic}: {failures[0]}"
            )
        if len(rows) < batch_size:
            return published


def _publish(
    producer: Producer, topic: str, rows: Sequence[PendingEvent], timeout_s: float
) -> tuple[set[int], list[str]]:
    delivered: set[int] = set()
    failures: list[str] = []

    def on_delivery(event_id: int) -> Callable[[KafkaError | None, Message], None]:
        def callback(error: KafkaError | None, _message: Message) -> None:
            if error is None:
                delivered.add(event_id)
            else:
                failures.append(f"event {event_id}: {error}")

        return callback

    for row in rows:
        producer.produce(
            topic,
            key=row.aggregate_id.encode(),
            value=event_value(row),
            headers=[("event_id", str(row.id).encode()), ("event_type", row.event_type.encode())],
            on_delivery=on_delivery(row.id),
        )
        producer.poll(0)
    remaining = producer.flush(timeout_s)
    if remaining:
        failures.append(f"{remaining} message(s) still queued after {timeout_s}s")
    return delivered, failures


class OutboxRelay:
    """A daemon thread relaying the outbox after each local commit (``nudge``) and every ``interval_s``."""

    def __init__(
        self,
        factory: SessionFactory,
        bootstrap: str,
        topic: str = TOPIC_SECMASTER_EVENTS,
        interval_s: float = 1.0,
    ) -> None:
        self._factory = factory
        self._bootstrap = bootstrap
        self._topic = topic
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="secmaster-outbox-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        producer: Producer | None = None
        while not self._stopping.is_set():
            self._wake.wait(self._interval_s)
            self._wake.clear()
            try:
                if producer is None:
                    ensure_topic(self._bootstrap, self._topic)
                    producer = make_producer(self._bootstrap)
                count = relay_pending(self._factory, producer, self._topic)
                if count:
                    _log.info("outbox relayed", events=count, topic=self._topic)
            except Exception as exc:  # keep relaying: the rows stay pending and are retried
                _log.warning("outbox relay failed; will retry", error=str(exc), topic=self._topic)
                self._stopping.wait(5 * self._interval_s)
        if producer is not None:
            producer.flush(10)
