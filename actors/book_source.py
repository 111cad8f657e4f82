"""Where shards get their positions: PostgreSQL (the security master) and the assignment in Redis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis

from core.config import Settings
from core.keys import ENGINE_SHARDS
from secmaster.db import make_engine, make_session_factory
from secmaster.repository.export import load_book

__all__ = ["assigned_ids", "load_positions", "save_assignment"]


def load_positions(settings: Settings, instrument_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Positions in the book format (all books), optionally only those of some instruments."""
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            wanted = None if instrument_ids is None else list(instrument_ids)
            return load_book(session, None, instrument_ids=wanted)
    finally:
        engine.dispose()


def save_assignment(client: redis.Redis, assignment: dict[str, int], replace: bool = False) -> None:
    with client.pipeline(transaction=True) as pipe:
        if replace:
            pipe.delete(ENGINE_SHARDS)
        if assignment:
            pipe.hset(ENGINE_SHARDS, mapping={k: str(v) for k, v in assignment.items()})
        pipe.execute()


def assigned_ids(client: redis.Redis, shard: int) -> set[str]:
    mapping: dict[str, str] = client.hgetall(ENGINE_SHARDS)  # type: ignore[assignment]
    return {key for key, value in mapping.items() if int(value) == shard}
