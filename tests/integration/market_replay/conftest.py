"""Fixtures of the market replay integration tests: a fresh topic per test on the real broker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient

from core.config import Settings
from core.keys import TOPIC_CURVES
from market_replay.producer import ensure_topic


@pytest.fixture
def replay_topic(settings: Settings) -> Iterator[str]:
    """``market.curves.test-<uuid>`` with 2 partitions, deleted afterwards (never the real topic)."""
    topic = f"{TOPIC_CURVES}.test-{uuid.uuid4().hex[:12]}"
    ensure_topic(settings.kafka_bootstrap, topic, partitions=2)
    yield topic
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})  # must outlive the future
    admin.delete_topics([topic])[topic].result(timeout=30)
