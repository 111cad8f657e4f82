"""Two tick consumers in the engine's Kafka group: each owns one market's partition, both markets are
consumed, and the book totals after the last tick of each market are ``riskctl price``'s."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import ray
from engine_support import Engine, combined_snapshot, day_ticks, seed_engine_book
from risk_checks import assert_risk_close, notional_of

from cluster.supervisor import consumer_name
from pricing import price_portfolio
from secmaster.db import SessionFactory
from secmaster.repository.export import load_book

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]

NAMES = [consumer_name(0), consumer_name(1)]


@pytest.fixture(scope="module")
def engine_consumers() -> int:
    return 2


@pytest.fixture(scope="module")
def seeded(engine: Engine, serve_url: str, token: str, sessions: SessionFactory) -> None:
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        seed_engine_book(http, sessions)


def _assignments(timeout_s: float = 90.0) -> dict[str, list[int]]:
    """Each consumer's partitions once the group has settled on one partition each (the second consumer
    joins after the first took both: the cooperative rebalance then moves one)."""
    consumers = {name: ray.get_actor(name) for name in NAMES}
    deadline = time.monotonic() + timeout_s
    owned: dict[str, list[int]] = {}
    while time.monotonic() < deadline:
        owned = {name: ray.get(actor.assignment.remote()) for name, actor in consumers.items()}
        if sorted(len(parts) for parts in owned.values()) == [1, 1]:
            return owned
        time.sleep(0.2)
    raise AssertionError(f"the group did not settle on one partition per consumer: {owned}")


def _summed(status: dict[str, str]) -> bool:
    return all(
        int(status.get(counter, -1)) == sum(int(status.get(f"{counter}@{name}", 0)) for name in NAMES)
        for counter in ("ticks_received", "ticks_processed", "ticks_conflated")
    )


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not reached within {timeout_s:.0f} s"
        time.sleep(0.1)


@pytest.mark.usefixtures("seeded")
def test_each_consumer_owns_one_market_and_the_totals_are_the_reference(
    engine: Engine, sessions: SessionFactory
) -> None:
    owned = _assignments()
    assert sorted(p for parts in owned.values() for p in parts) == [0, 1], owned
    ticks = day_ticks(50_000, ticks_per_day=3)  # USD, EUR, USD, EUR, ...
    for tick in ticks:
        engine.send(tick)
    summary = engine.wait_seq(ticks[-1].seq)
    # the plain counters are the sums over the consumers (each adds the other's, refreshed every second)
    wait_for(lambda: _summed(engine.status()), 30, "the consumers' counters summed in engine:status")
    status = engine.status()
    # each consumer computed its own market's ticks (a market per partition): both are consumed
    for name in NAMES:
        assert int(status[f"ticks_processed@{name}"]) > 0, status
    assert int(status["ticks_processed"]) >= len(ticks) - int(status["ticks_conflated"])
    assert int(status["consumers"]) == 2
    assert _assignments() == owned  # nothing moved while ticks flowed
    latest = [max((t for t in ticks if t.market == m), key=lambda t: t.seq) for m in ("USD", "EUR")]
    with sessions() as session:
        book: dict[str, Any] = {"instruments": load_book(session, None)}
    reference = price_portfolio(book, combined_snapshot(*latest), engine="fast")["totals"]
    total = notional_of(book["instruments"])
    assert int(summary["n_ok"]) == reference["n_ok"] > 0
    for measure in ("pv", "dv01", "gamma"):
        assert_risk_close(measure, float(summary[measure]), reference[measure], total, "ALL")


@pytest.mark.usefixtures("seeded")
def test_a_consumer_restarted_by_ray_rejoins_and_counts_on(engine: Engine, sessions: SessionFactory) -> None:
    """Killed with Ray's restart: the consumer comes back under its name, the group settles on one partition
    each again, its counters go on from what it had published, and the totals are the reference."""
    _assignments()
    before = engine.status()
    victim = NAMES[1]
    counted = int(before[f"ticks_received@{victim}"])
    assert counted > 0  # the first test ran its market's ticks through it
    killed_pid = _pid(ray.get_actor(victim))
    ray.kill(ray.get_actor(victim), no_restart=False)  # asynchronous: the old instance may still answer
    wait_for(lambda: _restarted(victim, killed_pid), 90, f"{victim} restarted by Ray")
    _assignments()
    ticks = day_ticks(60_000, ticks_per_day=2)
    for tick in ticks:
        engine.send(tick)
    summary = engine.wait_seq(ticks[-1].seq)
    wait_for(lambda: _summed(engine.status()), 30, "the consumers' counters summed in engine:status")
    assert int(engine.status()[f"ticks_received@{victim}"]) >= counted
    latest = [max((t for t in ticks if t.market == m), key=lambda t: t.seq) for m in ("USD", "EUR")]
    with sessions() as session:
        book: dict[str, Any] = {"instruments": load_book(session, None)}
    reference = price_portfolio(book, combined_snapshot(*latest), engine="fast")["totals"]
    total = notional_of(book["instruments"])
    for measure in ("pv", "dv01", "gamma"):
        assert_risk_close(measure, float(summary[measure]), reference[measure], total, "ALL")


def _pid(actor: Any) -> int:
    """The process an actor runs in now."""
    return int(ray.get(actor.__ray_call__.remote(lambda _self: os.getpid()), timeout=5))


def _restarted(name: str, killed_pid: int) -> bool:
    """The actor answers again, from a new process (not the killed instance before the kill landed)."""
    try:
        actor = ray.get_actor(name)
        return _pid(actor) != killed_pid and bool(ray.get(actor.ping.remote(), timeout=5))
    except (ValueError, ray.exceptions.RayError):
        return False
