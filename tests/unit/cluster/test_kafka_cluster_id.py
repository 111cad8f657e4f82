"""The KRaft cluster id handed to Kafka's storage tool (a leading ``-`` made ``format`` fail once in 64)."""

from __future__ import annotations

import base64
import uuid

import pytest

from cluster.services import kafka


def test_cluster_ids_never_start_with_a_dash_and_are_16_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))  # base64 "-A..." : the id the storage tool refused
    assert base64.urlsafe_b64encode(dashed.bytes).decode().startswith("-")
    drawn = iter([dashed, uuid.UUID(int=7)])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(drawn))
    cluster_id = kafka._cluster_id()
    assert not cluster_id.startswith("-")
    assert base64.urlsafe_b64decode(cluster_id + "==") == uuid.UUID(int=7).bytes
