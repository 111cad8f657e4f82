"""Small confluent-kafka helpers shared by the engine's consumers."""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from core.keys import CONSUMER_GROUP, TOPIC_CURVES, TOPIC_CURVES_DLQ, TOPIC_SECMASTER_EVENTS

__all__ = ["EngineTopics", "ensure_topics", "lag", "topic_partitions"]


@dataclass(frozen=True)
class EngineTopics:
    """The Kafka names the engine uses (tests run an isolated engine on topics of their own)."""

    curves: str = TOPIC_CURVES
    dlq: str = TOPIC_CURVES_DLQ
    events: str = TOPIC_SECMASTER_EVENTS
    group: str = CONSUMER_GROUP

    @property
    def book_group(self) -> str:
        return f"{self.group}-book"


def ensure_topics(bootstrap: str, topics: dict[str, int], timeout_s: float = 30.0) -> None:
    """Create the topics (name -> partitions) that do not exist yet."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=timeout_s).topics
    wanted = [
        NewTopic(t, num_partitions=n, replication_factor=1) for t, n in topics.items() if t not in existing
    ]
    if not wanted:
        return
    for topic, future in admin.create_topics(wanted).items():
        try:
            future.result(timeout=timeout_s)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(f"cannot create Kafka topic {topic}: {exc}") from exc


def topic_partitions(consumer: Consumer, topic: str, timeout_s: float = 10.0) -> list[int]:
    metadata = consumer.list_topics(topic, timeout=timeout_s)
    partitions = metadata.topics[topic].partitions
    return sorted(partitions)


def lag(consumer: Consumer, assignment: list[TopicPartition]) -> int:
    """Messages between the consumer's positions and the partitions' ends."""
    total = 0
    for position in consumer.position(assignment):
        # the fetcher keeps the cached high watermark fresh; an uncached query would wait behind its poll
        _low, high = consumer.get_watermark_offsets(position, cached=True)
        if position.offset >= 0:
            total += max(0, high - position.offset)
    return total
