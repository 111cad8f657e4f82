"""Fixtures shared by the integration tests of the security master and the real-time engine.

The schema is built by the Alembic migrations in a dedicated database (``risk_test_secmaster_<pid>``,
one per test session, so concurrent runs never drop each other's) so that tests never touch the demo's
data; change events go to a topic of their own. The Serve app starts once per session (Ray on 2 CPUs,
no dashboard) on a free port.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from scratch_databases import scratch_database

from core.config import PROJECT_ROOT, Settings
from secmaster.db import SessionFactory, make_engine, make_session_factory
from secmaster.outbox import ensure_topic, pending_count

TEST_DATABASE = f"risk_test_secmaster_{os.getpid()}"


@pytest.fixture(scope="session")
def database_url(settings: Settings) -> Iterator[str]:
    """A fresh database migrated to head (needs CREATEDB for the ``risk`` role)."""
    with scratch_database(settings, TEST_DATABASE) as url:
        yield url


@pytest.fixture(scope="session")
def sessions(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url, pool_size=2)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def events_topic(settings: Settings) -> Iterator[str]:
    """A topic of this test session (the demo's consumers never see test events)."""
    topic = f"secmaster.events.test-{uuid.uuid4().hex[:8]}"
    ensure_topic(settings.kafka_bootstrap, topic, partitions=1)
    yield topic
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    for deletion in admin.delete_topics([topic]).values():
        deletion.result(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def serve_url(settings: Settings, database_url: str, events_topic: str) -> Iterator[str]:
    """The Serve app on a free loopback port, relaying its outbox to ``events_topic``."""
    import ray
    from ray import serve
    from ray.serve.context import _get_global_client

    from serve_app import build_app

    # Another package's session fixture may already run Ray and Serve in this process: share them, under
    # a route prefix of our own, and leave them running.
    started_ray = not ray.is_initialized()
    if started_ray:
        env = {"PYTHONPATH": str(PROJECT_ROOT), "RISK_API_TOKEN": settings.api_token.get_secret_value()}
        ray.init(address="local", num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    serve.start(http_options={"host": "127.0.0.1", "port": _free_port()})
    port = _get_global_client().http_config.port  # the existing proxy's port when Serve was already up
    args = {
        "database_url": database_url,
        "events_topic": events_topic,
        "kafka_bootstrap": settings.kafka_bootstrap,
    }
    serve.run(build_app(args), name="secmaster-test", route_prefix="/secmaster-test")
    yield f"http://127.0.0.1:{port}/secmaster-test"
    serve.delete("secmaster-test")
    if started_ray:
        serve.shutdown()
        ray.shutdown()


@pytest.fixture(scope="session")
def token(settings: Settings) -> str:
    return settings.api_token.get_secret_value()


@pytest.fixture
def client(serve_url: str, token: str) -> Iterator[httpx.Client]:
    """An HTTP client that sends the API token."""
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        yield http


@pytest.fixture
def anonymous(serve_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=serve_url, timeout=60) as http:
        yield http


class EventTap:
    """Reads what was published to the test topic since the tap was opened."""

    def __init__(self, settings: Settings, topic: str, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._topic = topic
        self._consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "group.id": f"test-{uuid.uuid4().hex}",
                "enable.auto.commit": False,
            }
        )
        self._start = self._consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]

    def events(self, deadline_s: float = 60.0) -> list[dict[str, Any]]:
        """Every event published since the tap opened, after the relay has emptied the outbox."""
        give_up = time.monotonic() + deadline_s
        while pending_count(self._sessions) and time.monotonic() < give_up:
            time.sleep(0.1)
        end = self._consumer.get_watermark_offsets(TopicPartition(self._topic, 0), timeout=10)[1]
        self._consumer.assign([TopicPartition(self._topic, 0, self._start)])
        values = []
        while self._start + len(values) < end and time.monotonic() < give_up:
            message = self._consumer.poll(1.0)
            if message is not None and message.error() is None:
                values.append(json.loads(message.value()))
        return values

    def close(self) -> None:
        self._consumer.close()


@pytest.fixture
def event_tap(settings: Settings, events_topic: str, sessions: SessionFactory) -> Iterator[EventTap]:
    tap = EventTap(settings, events_topic, sessions)
    yield tap
    tap.close()


_counter = iter(range(1, 10**6))


def _unique_isin() -> str:
    from pricing.identifiers import cusip_check_digit, isin_from_cusip

    body = f"T{next(_counter):07d}"
    return isin_from_cusip(body + cusip_check_digit(body))


def bond_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "bond", "isin": _unique_isin(), "currency": "USD", "face": 1_000_000, "coupon_pct": 4.0,
        "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
        "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
    }  # fmt: skip
    return payload | overrides


def swap_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "swap", "currency": "EUR", "notional": 10_000_000, "side": "pay_fixed", "fixed_rate_pct": 3.1,
        "start_date": "2023-06-20", "maturity_date": "2033-06-20", "fixed_frequency": "annual",
        "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "float_spread_bp": 0,
        "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M",
    }  # fmt: skip
    return payload | overrides


def ois_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "ois", "currency": "USD", "notional": 5_000_000, "side": "receive_fixed",
        "fixed_rate_pct": 3.8, "start_date": "2026-03-02", "maturity_date": "2031-03-02",
        "fixed_frequency": "annual", "fixed_day_count": "ACT/360", "float_index": "SOFR",
        "discount_curve": "USD-SOFR",
    }  # fmt: skip
    return payload | overrides


@pytest.fixture
def payloads() -> dict[str, Any]:
    """Factories of valid create payloads (bond ISINs are unique per call)."""
    return {"bond": bond_payload, "swap": swap_payload, "ois": ois_payload}


@pytest.fixture
def book(client: httpx.Client) -> str:
    """A new, empty book."""
    name = f"B{uuid.uuid4().hex[:10].upper()}"
    assert client.post("/api/v1/books", json={"name": name, "description": "test"}).status_code == 201
    return name
