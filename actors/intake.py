"""Validation and conflation of the records of ``market.curves`` (no Ray, no network: unit-testable).

A record is either a :class:`~core.messages.CurveTick` or a :class:`Rejected` with the reason that goes
into the dead-letter topic's ``reason`` header. Conflation keeps, per market key, only the newest tick
of a polled batch; the others are counted, never hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from core.messages import CurveTick

__all__ = ["Conflated", "Rejected", "conflate", "parse_record"]

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
        return Rejected(f"record key {key!r} does not match the tick's market {tick.market!r}")
    return tick


@dataclass(frozen=True)
class Conflated:
    latest: tuple[CurveTick, ...]  # newest per market, in seq order
    skipped: tuple[CurveTick, ...]


def conflate(ticks: Sequence[CurveTick]) -> Conflated:
    newest: dict[str, CurveTick] = {}
    skipped: list[CurveTick] = []
    for tick in ticks:
        current = newest.get(tick.market)
        if current is None or tick.seq > current.seq:
            if current is not None:
                skipped.append(current)
            newest[tick.market] = tick
        else:
            skipped.append(tick)
    return Conflated(tuple(sorted(newest.values(), key=lambda t: t.seq)), tuple(skipped))
