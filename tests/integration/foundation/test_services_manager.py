"""The services manager: idempotent `up`, a clear error when a port is taken, pid files never misread."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.services import ServiceManager
from cluster.services.process import ManagedProcess
from cluster.services.redis_server import RedisService
from core.config import Settings
from core.errors import ServiceError


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.kafka
def test_up_reuses_running_services_and_starts_no_duplicates(settings: Settings) -> None:
    manager = ServiceManager(settings)
    before = {s.name: s.pid for s in manager.status() if s.name in ("postgresql", "redis", "kafka")}
    statuses = manager.up()
    assert {s.name: s.state for s in statuses} == {
        "postgresql": "running",
        "redis": "running",
        "kafka": "running",
    }
    assert {s.name: s.pid for s in statuses} == before
    assert all(pid is not None for pid in before.values())


def test_port_taken_by_a_stranger_names_service_cause_and_log(tmp_path: Path) -> None:
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        settings = Settings(state_dir=tmp_path, redis_port=port)
        with pytest.raises(ServiceError) as excinfo:
            RedisService(settings).up()
    message = str(excinfo.value)
    assert excinfo.value.service == "redis"
    assert f"127.0.0.1:{port} is taken" in message
    assert str(tmp_path / "logs" / "redis.log") in message


def test_a_recycled_pid_is_not_ours(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        process = ManagedProcess("x", tmp_path / "x.pid", tmp_path / "x.log", marker=str(tmp_path / "unique"))
        (tmp_path / "x.pid").write_text(str(other.pid))
        assert process.pid() is None
        assert process.stop() is False  # never kills a process it did not start
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_start_and_stop_a_managed_process(tmp_path: Path) -> None:
    marker = str(tmp_path / "marker-arg")
    process = ManagedProcess(
        "sleeper", tmp_path / "run" / "s.pid", tmp_path / "logs" / "s.log", marker=marker
    )
    pid = process.start(
        [sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(60)", marker]
    )
    assert process.pid() == pid
    assert process.stop(timeout=10) is True
    assert process.pid() is None
    assert not (tmp_path / "run" / "s.pid").exists()
    assert "starting sleeper" in (tmp_path / "logs" / "s.log").read_text()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.redis
def test_redis_keeps_every_acknowledged_write_across_a_restart(tmp_path: Path) -> None:
    """Issue 15: append-only file, flushed every second (a clean stop flushes all); a Redis of ours that
    runs without it (started by an older version) is switched on by `up`."""
    import redis

    service = RedisService(Settings(state_dir=tmp_path, redis_port=_free_port()))
    try:
        assert service.up() == "started"
        client = redis.Redis(host="127.0.0.1", port=service.port, decode_responses=True)
        config = client.config_get("append*")
        assert (config["appendonly"], config["appendfsync"]) == ("yes", "everysec")
        with client.pipeline(transaction=True) as pipe:
            pipe.hset("risk:ALL:summary", mapping={"seq": "7", "pnl_open": "1.5"})
            pipe.hset("engine:day", "rev", "3")
            pipe.execute()
        assert service.down()
        assert service.up() == "started"
        assert client.hgetall("risk:ALL:summary") == {"seq": "7", "pnl_open": "1.5"}
        assert client.hget("engine:day", "rev") == "3"
        client.config_set("appendonly", "no")
        assert service.up() == "running"
        assert client.config_get("appendonly") == {"appendonly": "yes"}
    finally:
        service.down()
