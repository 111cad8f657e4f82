"""Validation and conflation of the records of ``market.curves`` (no Ray, no network: unit-testable).

A record is either a :class:`~core.messages.CurveTick` or a :class:`Rejected` with the reason that goes
into the dead-letter topic's ``reason`` header. Conflation keeps, per market key, only the newest tick
of a polled batch; the others are counted, never hidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import ValidationError

from core.messages import CurveTick
from pricing.errors import MissingFxRate
from pricing.fx import reporting_rate

__all__ = [
    "Conflated",
    "Rejected",
    "conflate",
    "parse_record",
    "produced_order",
]

MAX_RECORD_BYTES = 1_000_000


@dataclass(frozen=True)
class Rejected:
    reason: str


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(parts) + more


def parse_record(key: bytes | None, value: bytes | None) -> CurveTick | Rejected:
    """Validate one Kafka record; the key must match the tick's market."""
    if value is None:
        return Rejected("empty record (no value)")
    if len(value) > MAX_RECORD_BYTES:
        return Rejected(f"record of {len(value)} bytes exceeds {MAX_RECORD_BYTES}")
    try:
        tick = CurveTick.from_json(value)
    except ValidationError as exc:
        return Rejected(_reason(exc))
    except (ValueError, UnicodeDecodeError) as exc:
        return Rejected(f"not a JSON CurveTick: {exc}")
    if key is not None and key.decode(errors="replace") != tick.market:
        return Rejected(f"record key {key[:64]!r} does not match the tick's market {tick.market!r}")
    try:  # the one conversion every total uses (pricing.fx): a market without it is refused
        reporting_rate(tick.market, tick.fx)
    except MissingFxRate as exc:
        return Rejected(f"{tick.market} tick seq {tick.seq}: {exc}")
    return tick


T = TypeVar("T")


@dataclass(frozen=True)
class Conflated(Generic[T]):
    latest: tuple[T, ...]  # the last per market, in arrival order
    skipped: tuple[T, ...]


def conflate(ticks: Sequence[T]) -> Conflated[T]:
    """Per market the last of ``ticks`` (already ordered and de-duplicated: arrival order is market
    order); the latest keep their arrival order. Items are ticks or ``(tick, ...)`` tuples."""
    newest: dict[str, T] = {}
    skipped: list[T] = []
    for item in ticks:
        market = _tick_of(item).market
        if market in newest:
            skipped.append(newest.pop(market))
        newest[market] = item
    return Conflated(tuple(newest.values()), tuple(skipped))


def _tick_of(item: object) -> CurveTick:
    tick = item[0] if isinstance(item, tuple) else item
    assert isinstance(tick, CurveTick)
    return tick


def produced_order(records: Sequence[tuple[Hashable, CurveTick, T]]) -> list[tuple[CurveTick, T]]:
    """The ticks of one poll, ``(partition, tick, payload)`` in arrival order, in the order they were
    produced: each partition keeps its own (Kafka) order and the partitions are merged by the producer's
    ``produced_at_ns``. The client hands a fetch over partition by partition (every USD record, then
    every EUR one); taken that way, a burst with a new session in it (the looped replay wrapping while the
    engine catches up) would cross the markets' ticks over the session's start."""
    lanes: dict[Hashable, list[tuple[int, int, CurveTick, T]]] = {}
    for k, (partition, tick, payload) in enumerate(records):
        lanes.setdefault(partition, []).append((tick.produced_at_ns, k, tick, payload))
    merged = heapq.merge(*lanes.values(), key=lambda lane_item: lane_item[:2])
    return [(tick, payload) for _ns, _k, tick, payload in merged]
