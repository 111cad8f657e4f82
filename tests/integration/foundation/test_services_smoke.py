"""Smoke tests: each real service answers a real client the way the engine uses it."""

from __future__ import annotations

import uuid

import pytest
import redis
import sqlalchemy
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from core.config import Settings


@pytest.mark.postgres
def test_sqlalchemy_query_on_postgres(settings: Settings) -> None:
    engine = sqlalchemy.create_engine(settings.database_url)
    with engine.connect() as conn:
        version = conn.execute(sqlalchemy.text("SHOW server_version")).scalar_one()
        user = conn.execute(sqlalchemy.text("SELECT current_user")).scalar_one()
        total = conn.execute(sqlalchemy.text("SELECT sum(x) FROM generate_series(1, 100) AS x")).scalar_one()
    engine.dispose()
    assert int(str(version).split(".")[0]) >= 13
    assert user == settings.postgres_user
    assert total == 5050


@pytest.mark.redis
def test_redis_round_trip(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    key = f"test:smoke:{uuid.uuid4()}"
    try:
        client.hset(key, mapping={"pv": "1234.5", "seq": "7"})
        assert client.hgetall(key) == {"pv": "1234.5", "seq": "7"}
    finally:
        client.delete(key)
    assert client.exists(key) == 0


@pytest.mark.kafka
def test_kafka_topic_produce_consume(settings: Settings) -> None:
    topic = f"test.smoke.{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(timeout=30)
    try:
        assert topic in admin.list_topics(timeout=10).topics
        producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True})
        delivered: list[str] = []
        producer.produce(
            topic, key=b"USD", value=b'{"hello": "kafka"}', on_delivery=lambda e, m: delivered.append(str(e))
        )
        assert producer.flush(30) == 0
        assert delivered == ["None"]
        consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "group.id": f"smoke-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe([topic])
        try:
            message = None
            for _ in range(60):
                message = consumer.poll(1.0)
                if message is not None and message.error() is None:
                    break
            assert message is not None and message.error() is None
            assert message.key() == b"USD"
            assert message.value() == b'{"hello": "kafka"}'
        finally:
            consumer.close()
    finally:
        admin.delete_topics([topic])[topic].result(timeout=30)


@pytest.mark.ray
def test_ray_remote_task_and_actor() -> None:
    import ray

    started = not ray.is_initialized()  # other tests of the session may already run a local Ray
    if started:
        ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    try:

        @ray.remote
        def square(x: int) -> int:
            return x * x

        @ray.remote
        class Counter:
            def __init__(self) -> None:
                self.total = 0

            def add(self, x: int) -> int:
                self.total += x
                return self.total

        assert ray.get([square.remote(i) for i in range(5)]) == [0, 1, 4, 9, 16]
        counter = Counter.remote()  # type: ignore[attr-defined]
        ray.get([counter.add.remote(i) for i in range(1, 4)])
        assert ray.get(counter.add.remote(0)) == 6
    finally:
        if started:
            ray.shutdown()
