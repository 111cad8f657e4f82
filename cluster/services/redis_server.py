"""Redis from Debian's packages, bound to loopback, with append-only persistence.

``appendonly yes`` with ``appendfsync everysec``: every write is logged, the log is flushed to disk once a
second, so a crash of Redis (or of the machine) loses at most the last second of writes. The engine writes
a tick's results and its day state in one transaction (``actors/redis_sink.py``), which the log keeps
whole: what survives is always a consistent state. A clean stop (SIGTERM) flushes everything. No RDB
snapshots (``save ""``): the append-only file, with its RDB preamble after each rewrite, is the one copy.
"""

from __future__ import annotations

import redis

from cluster.services.process import ManagedProcess, port_open, wait_until
from cluster.services.system import ensure_debian_packages
from core.config import Settings

__all__ = ["RedisService"]


class RedisService:
    name = "redis"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.redis_port
        self.dir = settings.state_dir / "redis"
        # redis-server rewrites its process title to "redis-server HOST:PORT": that is the marker
        self.process = ManagedProcess(
            name=self.name,
            pid_file=settings.state_dir / "run" / "redis.pid",
            log_file=settings.state_dir / "logs" / "redis.log",
            marker=f"{settings.host}:{self.port}",
        )

    def _ready(self) -> bool:
        try:
            return bool(redis.Redis(host=self.settings.host, port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def up(self) -> str:
        if self.process.running():
            if not wait_until(self._ready, 15):
                raise self.process.fail("our Redis process runs but does not answer PING")
            self._persist()  # a Redis started before persistence was configured gets it now
            return "running"
        if port_open(self.settings.host, self.port):
            raise self.process.fail(
                f"port {self.settings.host}:{self.port} is taken by a process this manager did not start; "
                "stop it or set RISK_REDIS_PORT"
            )
        ensure_debian_packages(self.name, {"redis-server": "redis-server"}, self.process.log_file)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process.start(
            [
                "redis-server", "--bind", self.settings.host, "--port", str(self.port),
                "--dir", str(self.dir), "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                "--daemonize", "no",
                "--protected-mode", "yes", "--loglevel", "notice",
            ],
            cwd=self.dir,
        )  # fmt: skip
        if not wait_until(self._ready, 30):
            raise self.process.fail("Redis did not answer PING within 30 s")
        return "started"

    def _persist(self) -> None:
        client = redis.Redis(host=self.settings.host, port=self.port, socket_timeout=5, decode_responses=True)
        if client.config_get("appendonly").get("appendonly") != "yes":
            client.config_set("appendfsync", "everysec")
            client.config_set("appendonly", "yes")  # writes the first append-only file in the background

            def persisting() -> bool:
                info = client.info("persistence")
                return bool(info.get("aof_enabled")) and not info.get("aof_rewrite_in_progress")

            # until that file is written Redis persists nothing (and refuses a clean stop)
            if not wait_until(persisting, 60):
                raise self.process.fail("Redis did not finish writing its first append-only file in 60 s")

    def down(self) -> bool:
        return self.process.stop()

    def describe(self) -> str:
        return f"redis://{self.settings.host}:{self.port}/{self.settings.redis_db}"
