"""The read cache follows ``secmaster.events`` on the real broker, and GET shows writes at once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from core.config import Settings
from secmaster.outbox import make_producer
from secmaster.read_cache import EventInvalidator, InstrumentReadCache

pytestmark = [pytest.mark.kafka]


@pytest.fixture
def topic(settings: Settings) -> Iterator[str]:
    name = f"secmaster.events.cache-{uuid.uuid4().hex[:8]}"
    yield name
    AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics([name])


def test_an_event_drops_the_entry_of_its_instrument(settings: Settings, topic: str) -> None:
    cache = InstrumentReadCache(max_age_s=1e9)  # only the event can drop it
    invalidator = EventInvalidator(cache, settings.kafka_bootstrap, topic)
    invalidator.start()
    try:
        assert invalidator.ready.wait(60)
        for name in ("CHANGED", "UNTOUCHED"):
            cache.put(name, b"{}", '"x"', cache.generation)
        event = {"entity": "instrument", "type": "updated", "key": "CHANGED", "data": {}}
        producer = make_producer(settings.kafka_bootstrap)
        producer.produce(topic, key=b"CHANGED", value=json.dumps(event).encode())
        assert producer.flush(30) == 0
        assert "CHANGED" in cache and "UNTOUCHED" in cache
        give_up = time.monotonic() + 60
        while "CHANGED" in cache and time.monotonic() < give_up:
            time.sleep(0.05)
        assert "CHANGED" not in cache
        assert "UNTOUCHED" in cache
    finally:
        invalidator.stop()


@pytest.mark.postgres
@pytest.mark.ray
def test_get_after_patch_and_delete_shows_the_write(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    path = f"/api/v1/instruments/{bond['id']}"
    first, again = client.get(path), client.get(path)  # the second is served from the cache
    assert first.content == again.content and first.headers["ETag"] == again.headers["ETag"]
    assert client.patch(path, json={"coupon_pct": 4.5}).status_code == 200
    after = client.get(path)
    assert after.json()["coupon_pct"] == 4.5 and after.headers["ETag"] != first.headers["ETag"]
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
