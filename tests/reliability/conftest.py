"""A private stack for the reliability suite: its own PostgreSQL, Redis and Kafka (free loopback ports, a
state folder under pytest's tmp dir), so that stopping and restarting them never disturbs the shared
services, other tests or other people. On it: the security master (migrated, seeded with the real
Treasury book of ``AS_OF`` plus generated swaps), the Serve app and one real-time engine.

Kafka's jars are not downloaded again: the private state folder links to the ones already resolved in
the project's state folder (``make services-up`` resolves them).
"""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from confluent_kafka import Producer

from actors.kafka_io import EngineTopics
from cluster.services import ServiceManager
from cluster.supervisor import connect_ray, start_engine, stop_engine
from core.config import PROJECT_ROOT, Settings
from secmaster import migrate
from secmaster.db import make_engine, make_session_factory
from secmaster.outbox import ensure_topic
from secmaster.seed import seed

# the engine tests' helpers (Engine handle, real ticks, reference snapshots) are shared, not copied
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "engine"))
from engine_support import AS_OF, Engine
from reliability_support import Stack

SEED_SWAPS = 20
N_SHARDS = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def stack(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("reliability-state")
    private = settings.model_copy(
        update={
            "state_dir": state,
            "postgres_port": _free_port(),
            "redis_port": _free_port(),
            "kafka_port": _free_port(),
            "kafka_controller_port": _free_port(),
            "postgres_db": "risk",
            "redis_db": 0,
        }
    )
    jars = settings.state_dir / "kafka" / f"libs-{settings.kafka_version}"
    if jars.is_dir():
        (state / "kafka").mkdir()
        (state / "kafka" / jars.name).symlink_to(jars, target_is_directory=True)
    services = ServiceManager(private)
    try:
        services.up(["postgresql", "redis", "kafka"])
        migrate.upgrade(private.database_url)
        database = make_engine(private.database_url, pool_size=2)
        sessions = make_session_factory(database)
        seed(sessions, as_of=AS_OF, size=SEED_SWAPS)
        events_topic = f"secmaster.events.reliability-{uuid.uuid4().hex[:8]}"
        ensure_topic(private.kafka_bootstrap, events_topic, partitions=1)
        yield Stack(private, services, sessions, events_topic)
        database.dispose()
    finally:
        services.down(["kafka", "redis", "postgresql"])


@pytest.fixture(scope="session")
def serve_url(stack: Stack) -> Iterator[str]:
    """The Serve app on the private database, Redis and Kafka (Ray shared with other suites if running)."""
    import ray
    from ray import serve
    from ray.serve.context import _get_global_client

    from serve_app import build_app

    started_ray = not ray.is_initialized()
    if started_ray:
        env = {"PYTHONPATH": str(PROJECT_ROOT), "RISK_API_TOKEN": stack.settings.api_token.get_secret_value()}
        ray.init(address="local", num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    serve.start(http_options={"host": "127.0.0.1", "port": _free_port()})
    port = _get_global_client().http_config.port
    args = {
        "database_url": stack.settings.database_url,
        "redis_url": stack.settings.redis_url,
        "events_topic": stack.events_topic,
        "kafka_bootstrap": stack.settings.kafka_bootstrap,
    }
    serve.run(build_app(args), name="reliability", route_prefix="/reliability")
    yield f"http://127.0.0.1:{port}/reliability"
    serve.delete("reliability")
    if started_ray:
        serve.shutdown()
        ray.shutdown()


@pytest.fixture(scope="session")
def engine(stack: Stack, serve_url: str) -> Iterator[Engine]:
    """One engine for the whole suite (2 shards) on the private services, topics of its own."""
    run = uuid.uuid4().hex[:8]
    topics = EngineTopics(
        curves=f"market.curves.rel-{run}",
        dlq=f"market.curves.dlq.rel-{run}",
        events=stack.events_topic,
        group=f"risk-engine-rel-{run}",
    )
    client = redis.Redis.from_url(stack.settings.redis_url, decode_responses=True)
    client.flushdb()
    connect_ray(stack.settings)
    start_engine(stack.settings, n_shards=N_SHARDS, topics=topics, publish_per_tick=None)
    producer = Producer(
        {
            "bootstrap.servers": stack.settings.kafka_bootstrap,
            "enable.idempotence": True,
            "message.timeout.ms": 120_000,  # rides out a broker restart
        }
    )
    yield Engine(stack.settings, topics, client, producer)
    stop_engine(stack.settings)
