"""Suite-wide fixtures: settings, and a reachability check for each real service a test is marked with.

A test marked ``postgres``, ``redis``, ``kafka`` or ``browser`` fails at once with a clear message when
that service is not reachable (start them with ``make services-up``); it is never silently skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cache

import pytest

from cluster.ray_env import prepare_ray_environment
from core.config import Settings, get_settings

# Ray on one machine stays on loopback and uses its token (see cluster/ray_env.py); before Ray is imported
prepare_ray_environment(None)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


def _postgres_problem(s: Settings) -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(s.database_url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except sqlalchemy.exc.SQLAlchemyError as exc:
        return f"PostgreSQL is not reachable at {s.host}:{s.postgres_port}: {exc.__class__.__name__}: {exc}"
    return None


def _redis_problem(s: Settings) -> str | None:
    import redis

    try:
        redis.Redis.from_url(s.redis_url, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {s.host}:{s.redis_port}: {exc}"
    return None


def _kafka_problem(s: Settings) -> str | None:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    try:
        metadata = AdminClient({"bootstrap.servers": s.kafka_bootstrap}).list_topics(timeout=10)
    except KafkaException as exc:
        return f"Kafka is not reachable at {s.kafka_bootstrap}: {exc}"
    return None if metadata.brokers else f"Kafka at {s.kafka_bootstrap} reports no broker"


def _browser_problem(_: Settings) -> str | None:
    return None if shutil.which("chromium") else "Debian's chromium is not installed (/usr/bin/chromium)"


_CHECKS: dict[str, Callable[[Settings], str | None]] = {
    "postgres": _postgres_problem,
    "redis": _redis_problem,
    "kafka": _kafka_problem,
    "browser": _browser_problem,
}


@cache
def _problem(marker: str) -> str | None:
    return _CHECKS[marker](get_settings())


@pytest.fixture(autouse=True)
def _require_marked_services(request: pytest.FixtureRequest) -> None:
    for marker in _CHECKS:
        if request.node.get_closest_marker(marker) is not None:
            problem = _problem(marker)
            if problem:
                pytest.fail(f"{problem}\nStart the local services with `make services-up`.", pytrace=False)
