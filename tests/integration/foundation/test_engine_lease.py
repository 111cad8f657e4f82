"""The engine lease on a real Redis (cluster/engine_lease.py): one holder at a time, a new fencing token per
start, renewal only by the holder, a lease that expired while nobody took it taken back under the same
token, release only by the holder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from cluster.engine_lease import (
    LEASE_TTL_S,
    EngineAlreadyRunning,
    acquire_lease,
    read_lease,
    release_lease,
    renew_lease,
)
from core.config import Settings
from core.keys import ENGINE_LEASE

pytestmark = [pytest.mark.redis]

LEASE_REDIS_DB = 13  # a database of its own, flushed around each test


@pytest.fixture
def client(settings: Settings) -> Iterator[redis.Redis]:
    url = settings.model_copy(update={"redis_db": LEASE_REDIS_DB}).redis_url
    connection = redis.Redis.from_url(url, decode_responses=True)
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_one_holder_at_a_time_with_a_new_token_per_start(client: redis.Redis) -> None:
    first = acquire_lease(client, "redis://here", "127.0.0.1:6380", 2)
    assert read_lease(client) == first
    assert 0 < client.pttl(ENGINE_LEASE) <= LEASE_TTL_S * 1000
    with pytest.raises(EngineAlreadyRunning) as refused:
        acquire_lease(client, "redis://here", "127.0.0.1:9999", 1)
    message = str(refused.value)
    assert f"lease token {first.token}" in message and "Ray cluster 127.0.0.1:6380, 2 shard(s)" in message
    assert read_lease(client) == first  # the refused start changed nothing
    assert not release_lease(client, first.token + 1)  # never another engine's lease
    assert release_lease(client, first.token) and read_lease(client) is None
    second = acquire_lease(client, "redis://here", "127.0.0.1:6380", 2)
    assert second.token > first.token


def test_renewal_by_the_holder_only_and_a_lost_lease_taken_back(client: redis.Redis) -> None:
    lease = acquire_lease(client, "redis://here", "127.0.0.1:6380", 2)
    client.pexpire(ENGINE_LEASE, 50_000)
    assert renew_lease(client, lease, ttl_s=30.0)
    assert 25_000 < client.pttl(ENGINE_LEASE) <= 30_000

    client.delete(ENGINE_LEASE)  # expired while Redis was away and nobody took it
    assert renew_lease(client, lease)
    back = read_lease(client)
    assert back is not None and back.token == lease.token and back.owner == lease.owner

    release_lease(client, lease.token)
    other = acquire_lease(client, "redis://here", "127.0.0.1:7000", 1)
    assert not renew_lease(client, lease)  # another engine holds it now: the old keeper stops
    assert read_lease(client) == other
