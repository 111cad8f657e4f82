"""Validation and conflation of the records of ``market.curves`` (no Ray, no network: unit-testable).

A record is either a :class:`~core.messages.CurveTick` or a :class:`Rejected` with the reason that goes
into the dead-letter topic's ``reason`` header. Conflation keeps, per market key, only the newest tick
of a polled batch; the others are counted, never hidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import ValidationError

from core.messages import CurveTick

__all__ = [
    "REPORTING_CURRENCY",
    "Conflated",
    "Rejected",
    "conflate",
    "fx_to_reporting",
    "parse_record",
    "produced_order",
]

MAX_RECORD_BYTES = 1_000_000
#: Book totals and P&L are in this currency; every other market's tick must carry its rate to it.
REPORTING_CURRENCY = "USD"


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
    if tick.market != REPORTING_CURRENCY and not fx_to_reporting(tick.fx, tick.market):
        return Rejected(
            f"{tick.market} tick seq {tick.seq} has no FX rate to {REPORTING_CURRENCY} "
            f"({tick.market}{REPORTING_CURRENCY} or {REPORTING_CURRENCY}{tick.market}): its positions "
            "could not be summed into the book totals"
        )
    return tick


def fx_to_reporting(fx: Mapping[str, float], currency: str) -> float | None:
    """USD per unit of ``currency`` from a tick's spot rates (direct or inverse pair), or None."""
    if currency == REPORTING_CURRENCY:
        return 1.0
    direct = fx.get(f"{currency}{REPORTING_CURRENCY}")
    if direct:
        return direct
    inverse = fx.get(f"{REPORTING_CURRENCY}{currency}")
    return 1.0 / inverse if inverse else None


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
