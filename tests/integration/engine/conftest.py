"""An isolated real-time engine per test module: its own Kafka topics and consumer group, its own Redis
database, the security master's test database and Serve app (shared with the secmaster tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from engine_support import ENGINE_REDIS_DB, Engine
from sqlalchemy.engine import make_url

from actors.kafka_io import EngineTopics
from cluster.supervisor import connect_ray, start_engine, stop_engine
from core.config import Settings


@pytest.fixture(scope="module")
def engine_shape() -> tuple[int, int]:
    """(shard actors, scenario workers per shard) of the module's engine; a module may override it."""
    return 2, 0


@pytest.fixture(scope="module")
def engine_consumers() -> int:
    """Tick consumers of the module's engine (in its Kafka group); a module may override it."""
    return 1


@pytest.fixture(scope="module")
def engine(
    settings: Settings,
    database_url: str,
    events_topic: str,
    serve_url: str,
    engine_shape: tuple[int, int],
    engine_consumers: int,
) -> Iterator[Engine]:
    run = uuid.uuid4().hex[:8]
    topics = EngineTopics(
        curves=f"market.curves.test-{run}",
        dlq=f"market.curves.dlq.test-{run}",
        events=events_topic,
        group=f"risk-engine-test-{run}",
    )
    db_name = make_url(database_url).database
    engine_settings = settings.model_copy(update={"postgres_db": db_name, "redis_db": ENGINE_REDIS_DB})
    client = redis.Redis.from_url(engine_settings.redis_url, decode_responses=True)
    client.flushdb()
    connect_ray(engine_settings)
    shards, workers = engine_shape
    alerts = f"risk.alerts.test-{run}"
    start_engine(
        engine_settings,
        shards,
        topics=topics,
        publish_per_tick=None,
        scenario_workers=workers,
        alerts_topic=alerts,
        consumers=engine_consumers,
    )
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True})
    yield Engine(engine_settings, topics, client, producer, alerts_topic=alerts)
    stop_engine(engine_settings)
    client.flushdb()
    AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics(
        [topics.curves, topics.dlq, alerts]
    )
