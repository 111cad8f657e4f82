"""Browser tests of the dashboard: a served stack, its Redis, and headless Chromium (Debian's package).

Until the real-time engine runs, the stack is the Serve app's FastAPI application (``serve_app.create_app``:
the real HTTP API over a scratch PostgreSQL database ``risk_scratch_ui``) with the dashboard mounted by
``ui.mount_dashboard``, served by uvicorn on a free loopback port, reading a private Redis database (9,
flushed per test); the tests write ticks in the aggregator's layout (:mod:`tests.e2e.ticks`).

To run against a running stack instead, set ``RISK_E2E_BASE_URL`` (e.g. ``http://127.0.0.1:8000``, the
Serve app with the dashboard at ``/dashboard``) and ``RISK_E2E_REDIS_URL`` (the Redis it reads); nothing
is then flushed, and the tests that write ticks must be pointed at an engine-free database.
The browser and page fixtures (and their screenshots in ``tests/artifacts/``) are in tests/conftest.py.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
import uvicorn
from scratch_databases import scratch_database, scratch_url

from core.config import Settings
from secmaster.db import SessionFactory, make_engine, make_session_factory

SCRATCH_DATABASE = "risk_scratch_ui"
PRIVATE_REDIS_DB = 9


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def e2e_redis_url(settings: Settings) -> str:
    return os.environ.get("RISK_E2E_REDIS_URL") or (
        f"redis://{settings.host}:{settings.redis_port}/{PRIVATE_REDIS_DB}"
    )


@pytest.fixture(scope="session")
def base_url(settings: Settings, e2e_redis_url: str) -> Iterator[str]:
    """The stack's root URL: the given one, or the FastAPI app + dashboard served here by uvicorn."""
    given = os.environ.get("RISK_E2E_BASE_URL")
    if given:
        yield given.rstrip("/")
        return
    from serve_app import AppArgs, RiskApi, create_app
    from ui import mount_dashboard

    port = _free_port(settings.host)
    url = f"http://{settings.host}:{port}"
    with scratch_database(settings, SCRATCH_DATABASE, keep=True) as database_url:
        owner = RiskApi(AppArgs(database_url=database_url, redis_url=e2e_redis_url, relay=False))
    app = mount_dashboard(create_app(owner), redis_url=e2e_redis_url, api_url=url)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"the e2e server did not start on {url}", pytrace=False)
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=15)
    owner.close()


@pytest.fixture(scope="session")
def scratch_sessions(settings: Settings, base_url: str) -> Iterator[SessionFactory]:
    """Sessions on the scratch database of the stack served here (tests that write batch runs into it)."""
    if os.environ.get("RISK_E2E_BASE_URL"):
        pytest.skip("writes into the scratch database of the stack served here, not a given stack")
    engine = make_engine(scratch_url(settings, SCRATCH_DATABASE), pool_size=1)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def dashboard_url(base_url: str) -> str:
    return f"{base_url}/dashboard/"


@pytest.fixture
def redis_client(e2e_redis_url: str) -> Iterator[redis.Redis]:
    """The Redis the dashboard reads; the private test database is emptied before each test."""
    client = redis.Redis.from_url(e2e_redis_url, decode_responses=True)
    if not os.environ.get("RISK_E2E_REDIS_URL"):
        client.flushdb()
    yield client
    client.close()
