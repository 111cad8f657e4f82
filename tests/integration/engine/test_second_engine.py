"""One engine per deployment (issue 19, part 2): while an engine runs, a second `riskctl run` is refused
with a message naming the running one, and the running engine's results, shard assignment and lease are
left exactly as they were; stopping it releases the lease.

Real PostgreSQL, Redis, Kafka and Ray: the module's engine (tests/integration/engine/conftest.py) runs in
this process's Ray; the second `riskctl run` and `riskctl stop` are separate processes, as an operator
would start them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import ray
from engine_support import Engine, day_ticks, retick, seed_engine_book
from sqlalchemy.engine import make_url

from cluster.engine_lease import EngineAlreadyRunning, acquire_lease, read_lease, release_lease, renew_lease
from cluster.supervisor import CONSUMER, start_engine, stop_engine
from core.config import PROJECT_ROOT
from core.keys import ENGINE_LEASE, ENGINE_SHARDS, ENGINE_STATUS
from secmaster.db import SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]

RISKCTL = str(Path(sys.executable).parent / "riskctl")
FIRST_SEQ = 50_000


def _riskctl(engine: Engine, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`riskctl ARGS` against the module engine's deployment (its Redis database and PostgreSQL)."""
    env = os.environ | {
        "RISK_REDIS_DB": str(engine.settings.redis_db),
        "RISK_POSTGRES_DB": str(make_url(engine.settings.database_url).database),
    }
    return subprocess.run(
        [RISKCTL, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def computed(engine: Engine, serve_url: str, token: str, sessions: SessionFactory) -> dict[str, str]:
    """The module's book, valued on one USD and one EUR tick; the portfolio summary after them."""
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        seed_engine_book(http, sessions)
    usd, eur = day_ticks(FIRST_SEQ, ticks_per_day=1)
    engine.send(usd)
    engine.send(eur)
    return engine.wait_seq(eur.seq)


def test_a_second_riskctl_run_is_refused_and_changes_nothing(
    engine: Engine, computed: dict[str, str]
) -> None:
    lease = read_lease(engine.redis)
    assert lease is not None and lease.owner == f"pid {os.getpid()} on {os.uname().nodename}"
    assignment = engine.redis.hgetall(ENGINE_SHARDS)
    assert set(assignment.values()) == {"0", "1"}

    second = _riskctl(engine, "run", "--shards", "1")

    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert "error: an engine already runs for this deployment" in second.stderr
    assert f"pid {os.getpid()}" in second.stderr and f"lease token {lease.token}" in second.stderr
    assert "2 shard(s)" in second.stderr and "riskctl stop" in second.stderr
    assert "Traceback" not in output
    # nothing of the running engine was touched: results, shard assignment, status, lease
    assert engine.summary() == computed
    assert engine.redis.hgetall(ENGINE_SHARDS) == assignment
    assert engine.status()["state"] == "running"
    assert read_lease(engine.redis) is not None and read_lease(engine.redis).token == lease.token  # type: ignore[union-attr]


def test_start_engine_itself_refuses_while_the_lease_is_held(
    engine: Engine, computed: dict[str, str]
) -> None:
    """The path of `riskctl demo` (start_engine) is guarded the same way, before anything is written."""
    lease = read_lease(engine.redis)
    assert lease is not None
    with pytest.raises(EngineAlreadyRunning, match=f"lease token {lease.token}"):
        start_engine(engine.settings, 1, topics=engine.topics)
    assert engine.redis.hgetall(ENGINE_SHARDS) and engine.summary() == computed


def test_the_running_engine_still_values_the_whole_book(engine: Engine, computed: dict[str, str]) -> None:
    """After the refused start the first engine computes the next ticks on the whole book: the same
    market state under new seqs gives the same totals (no half book, unlike two engines sharing the
    partitions)."""
    usd, eur = day_ticks(FIRST_SEQ, ticks_per_day=1)
    engine.send(retick(usd, FIRST_SEQ + 10))
    engine.send(retick(eur, FIRST_SEQ + 11))
    after = engine.wait_seq(FIRST_SEQ + 11)
    assert after["n_ok"] == computed["n_ok"] and after["n_failed"] == computed["n_failed"]
    for measure in ("pv", "dv01", "gamma"):
        assert float(after[measure]) == pytest.approx(float(computed[measure]), rel=1e-9, abs=1e-6)


def test_the_lease_is_renewed_while_the_engine_runs(engine: Engine, computed: dict[str, str]) -> None:
    first = read_lease(engine.redis)
    assert first is not None
    deadline = time.monotonic() + 60
    renewed = first
    while renewed.renewed_at == first.renewed_at and time.monotonic() < deadline:
        time.sleep(0.5)
        current = read_lease(engine.redis)
        assert current is not None and current.token == first.token
        renewed = current
    assert float(renewed.renewed_at) > float(first.renewed_at)
    assert int(engine.redis.pttl("engine:lease")) > 0


def test_an_engine_whose_lease_another_engine_took_stops_consuming(
    engine: Engine, computed: dict[str, str]
) -> None:
    """Fencing: if this engine's lease expired unseen and another start took it, the keeper stops this
    engine's tick consumer instead of letting two engines write the same results."""
    consumer = ray.get_actor(CONSUMER)
    assert ray.get(consumer.ping.remote())
    ours = read_lease(engine.redis)
    assert ours is not None
    engine.redis.delete(ENGINE_LEASE)  # expired unseen...
    other = acquire_lease(engine.redis, engine.settings.redis_url, "127.0.0.1:1", 1)  # ...and taken
    assert other.token > ours.token
    deadline = time.monotonic() + 120
    while ray.get(consumer.ping.remote()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray.get(consumer.ping.remote()), "the superseded engine's consumer still runs"
    assert read_lease(engine.redis) == other  # the old keeper never overwrote the new holder
    # give the lease back to the (now fenced) engine, for the next test to stop it and release it
    assert release_lease(engine.redis, other.token) and renew_lease(engine.redis, ours, ttl_s=600)


def test_stopping_the_engine_releases_the_lease_and_riskctl_stop_then_has_nothing_to_stop(
    engine: Engine, computed: dict[str, str]
) -> None:
    lease = read_lease(engine.redis)
    assert lease is not None
    assert stop_engine(engine.settings)
    assert read_lease(engine.redis) is None
    assert engine.redis.hget(ENGINE_STATUS, "state") == "stopped"
    idle = _riskctl(engine, "stop")
    assert idle.returncode == 0 and "nothing to stop" in idle.stdout, idle.stdout + idle.stderr
