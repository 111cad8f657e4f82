"""Suite-wide fixtures: settings, and a reachability check for each real service a test is marked with.

A test marked ``postgres``, ``redis``, ``kafka`` or ``browser`` fails at once with a clear message when
that service is not reachable (start them with ``make services-up``); it is never silently skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from cluster.ray_env import prepare_ray_environment
from core.config import PROJECT_ROOT, Settings, get_settings

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


ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# the flags an offline machine needs (no background networking, no component updates)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page; a full-page screenshot named after the test is kept as an artifact."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS, f"{request.node.name}.png")), full_page=True)
    context.close()
