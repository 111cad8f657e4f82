"""One real-time engine per deployment: a Redis lease with a fencing token.

A deployment is one Redis (the engine's results live there), so the lease lives there too, in
``engine:lease`` (HASH token, owner, ray, shards, started_at; a TTL of :data:`LEASE_TTL_S`). Starting an
engine acquires it atomically; while it is held, a second start is refused with
:class:`EngineAlreadyRunning`, which names the running engine and says how to stop it. The lease is kept
alive by :class:`EngineLeaseKeeper`, a small Ray actor started with the engine (detached with a detached
engine, so the demo's engine keeps its lease after ``riskctl demo`` exits); when the engine's Ray cluster
dies, renewals stop and the lease expires after its TTL. :func:`cluster.supervisor.stop_engine` releases it.

Every acquisition takes a new fencing token from the counter ``engine:lease:tokens`` (strictly increasing,
never reused): the keeper renews only while its token holds the lease, and a foreground ``riskctl run``
compares its token with the lease's at every status line and ends when it no longer holds it.

Errors: :class:`EngineAlreadyRunning` (a :class:`core.errors.RiskEngineError`) from :func:`acquire_lease`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import ray
import redis
from ray.exceptions import RayError

from core.errors import RiskEngineError
from core.keys import ENGINE_LEASE, ENGINE_LEASE_TOKENS
from core.logging import get_logger

__all__ = [
    "LEASE_TTL_S",
    "EngineAlreadyRunning",
    "EngineLease",
    "EngineLeaseKeeper",
    "acquire_lease",
    "read_lease",
    "release_lease",
    "renew_lease",
]

#: Seconds a lease lives without renewal; the keeper renews it every third of that.
LEASE_TTL_S = 15.0
_log = get_logger(__name__)

# KEYS[1] lease, KEYS[2] token counter; ARGV: ttl ms, then field/value pairs. Returns the new token, or
# 0 when the lease is held (then the caller reads the holder).
_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'token', token, unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return token
"""
# KEYS[1] lease; ARGV: token, ttl ms, renewed_at, then the lease's field/value pairs. 1 if renewed; 0 if
# another token holds the lease. A lease that expired while nobody took it (Redis was away longer than
# the TTL) is taken back under the same token, so a running engine never stays without its lease.
_RENEW = """
local current = redis.call('HGET', KEYS[1], 'token')
if current and current ~= ARGV[1] then return 0 end
if not current then redis.call('HSET', KEYS[1], 'token', ARGV[1], unpack(ARGV, 4)) end
redis.call('HSET', KEYS[1], 'renewed_at', ARGV[3])
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
# KEYS[1] lease; ARGV[1] token. 1 if released, 0 if the lease was not ours.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True)
class EngineLease:
    """The holder of ``engine:lease``: its fencing token and what identifies the running engine."""

    token: int
    owner: str
    ray: str
    shards: str
    started_at: str
    renewed_at: str = ""

    def describe(self) -> str:
        renewed = ""
        if self.renewed_at:
            age = max(0.0, time.time() - float(self.renewed_at))
            renewed = f", lease renewed {age:.0f} s ago"
        return (
            f"{self.owner}, Ray cluster {self.ray}, {self.shards} shard(s), started {self.started_at}, "
            f"lease token {self.token}{renewed}"
        )


class EngineAlreadyRunning(RiskEngineError):
    """Another engine holds this deployment's lease."""

    def __init__(self, holder: EngineLease, redis_url: str) -> None:
        self.holder = holder
        super().__init__(
            f"an engine already runs for this deployment (Redis {redis_url}): {holder.describe()}. "
            "One engine per deployment: stop it first (`riskctl stop`, or Ctrl-C where it runs), then "
            "start again."
        )


def read_lease(client: redis.Redis) -> EngineLease | None:
    """The current holder, or None when no engine holds the lease."""
    fields: Any = client.hgetall(ENGINE_LEASE)
    if not fields or "token" not in fields:
        return None
    decoded = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in fields.items()
    }
    return EngineLease(
        token=int(decoded["token"]),
        owner=decoded.get("owner", "?"),
        ray=decoded.get("ray", "?"),
        shards=decoded.get("shards", "?"),
        started_at=decoded.get("started_at", "?"),
        renewed_at=decoded.get("renewed_at", ""),
    )


def acquire_lease(client: redis.Redis, redis_url: str, ray_cluster: str, shards: int) -> EngineLease:
    """Take the lease for a new engine; raises :class:`EngineAlreadyRunning` naming the holder."""
    now = time.time()
    lease = EngineLease(
        token=0,
        owner=f"pid {os.getpid()} on {socket.gethostname()}",
        ray=ray_cluster,
        shards=str(shards),
        started_at=datetime.fromtimestamp(now, tz=UTC).isoformat(timespec="seconds"),
        renewed_at=repr(now),
    )
    fields = {
        "owner": lease.owner,
        "ray": lease.ray,
        "shards": lease.shards,
        "started_at": lease.started_at,
        "renewed_at": lease.renewed_at,
    }
    argv: list[str] = [str(int(LEASE_TTL_S * 1000))]
    for name, value in fields.items():
        argv += [name, value]
    token = int(client.eval(_ACQUIRE, 2, ENGINE_LEASE, ENGINE_LEASE_TOKENS, *argv))  # type: ignore[arg-type]
    if token == 0:
        holder = read_lease(client)
        if holder is None:  # released between the two calls: try once more
            return acquire_lease(client, redis_url, ray_cluster, shards)
        raise EngineAlreadyRunning(holder, redis_url)
    return EngineLease(token, lease.owner, lease.ray, lease.shards, lease.started_at, lease.renewed_at)


def renew_lease(client: redis.Redis, lease: EngineLease, ttl_s: float = LEASE_TTL_S) -> bool:
    """Extend ``lease`` (taking it back if it expired and nobody took it); False when another engine's
    token holds it."""
    fields = {"owner": lease.owner, "ray": lease.ray, "shards": lease.shards, "started_at": lease.started_at}
    argv = [str(lease.token), str(int(ttl_s * 1000)), repr(time.time())]
    for name, value in fields.items():
        argv += [name, value]
    return bool(client.eval(_RENEW, 1, ENGINE_LEASE, *argv))  # type: ignore[arg-type]


def release_lease(client: redis.Redis, token: int) -> bool:
    """Delete the lease if ``token`` holds it (never another engine's); True if released."""
    return bool(client.eval(_RELEASE, 1, ENGINE_LEASE, str(token)))  # type: ignore[arg-type]


@ray.remote(num_cpus=0, max_restarts=-1)
class EngineLeaseKeeper:
    """Renews the engine's lease every ``ttl_s / 3`` seconds for as long as it lives (and Ray restarts it
    with the same lease if it fails). Once another engine's token holds the lease (this engine's lease
    expired unseen, e.g. the keeper was starved for longer than the TTL), it fences this engine: the tick
    consumers named ``consumers`` are stopped."""

    def __init__(
        self, redis_url: str, lease: EngineLease, consumers: Sequence[str], ttl_s: float = LEASE_TTL_S
    ) -> None:
        self._client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        self._lease = lease
        self._consumers = list(consumers)
        self._ttl_s = ttl_s
        self._lost = threading.Event()
        threading.Thread(target=self._renew_forever, name="engine-lease", daemon=True).start()

    def _renew_forever(self) -> None:
        while not self._lost.wait(self._ttl_s / 3):
            try:
                if not renew_lease(self._client, self._lease, self._ttl_s):
                    _log.error("engine lease lost: another engine holds it", token=self._lease.token)
                    self._lost.set()
                    self._fence()
            except redis.RedisError as exc:  # Redis away: retry (the lease is taken back when it returns)
                _log.warning("engine lease not renewed", token=self._lease.token, error=str(exc))

    def _fence(self) -> None:
        """Another engine holds the lease: stop this engine's tick consumers (each commits what it finished
        and consumes nothing more), so that two engines never write the same results."""
        for name in self._consumers:
            try:
                consumer = ray.get_actor(name)
                ray.get(consumer.stop.remote(), timeout=60)
                _log.error("engine fenced: its tick consumer stopped", consumer=name, token=self._lease.token)
            except (ValueError, RayError) as exc:
                _log.error(
                    "engine lease lost; stopping a tick consumer failed", consumer=name, error=str(exc)
                )

    def token(self) -> int:
        return self._lease.token

    def held(self) -> bool:
        return not self._lost.is_set()
