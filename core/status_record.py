"""``engine:status`` as a typed record (:class:`EngineStatusRecord`), written and read through it.

The hash is written in parts by several writers (the supervisor at start and stop, the aggregator with
each tick, the consumers' counters between ticks), so every field is optional: ``None`` is a field no one
has written yet (``to_hash`` leaves it out, so a partial record updates only what it holds). The fields of
the hash (all decimal strings, times in Unix seconds unless named ``*_market_time``):

- ``state`` (starting | running | stopped), ``updated_at``, ``shards``, ``instruments``, ``consumers``
- ``last_seq``, ``last_market``, ``last_market_time``, ``last_error``
- tick counters ``ticks_received``, ``ticks_processed``, ``ticks_conflated``, ``ticks_rejected``,
  ``ticks_dlq``, ``ticks_duplicate``, ``shard_retries``, ``consumer_restarts``, ``consumer_lag``
- ``curves``, ``rejected_curves``, ``stale_markets``: comma-separated names (empty: none)
- latency percentiles ``{stage}_p{q}_ms`` (stages of :mod:`actors.latency`; ``latency_p{q}_ms`` is the
  headline, produced to written) and ``shard_compute_max_ms``
- per market (``USD``, ``EUR``): ``seq_{M}``, ``as_of_{M}``, ``market_time_{M}``, ``written_at_{M}``
- per consumer when the engine runs several: ``{counter}@{consumer}`` (its own counters, ``seen_at``)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.records import RecordError

__all__ = ["CONSUMER_COUNTERS", "EngineStatusRecord", "MarketStatus"]

_RECORD = "engine:status"
_TEXTS = ("state", "last_market", "last_market_time", "last_error")
#: Each tick consumer's counters; ``engine:status`` holds their sums (and each consumer's own, ``@name``).
CONSUMER_COUNTERS = (
    "ticks_received",
    "ticks_processed",
    "ticks_conflated",
    "ticks_rejected",
    "ticks_dlq",
    "ticks_duplicate",
    "shard_retries",
    "consumer_restarts",
    "consumer_lag",
)
_COUNTS = ("last_seq", "shards", "instruments", "consumers", *CONSUMER_COUNTERS)
_NUMBERS = ("updated_at", "shard_compute_max_ms")
_LISTS = ("curves", "rejected_curves", "stale_markets")
_LATENCY = re.compile(r"^([a-z]+_p\d+)_ms$")
_MARKET = re.compile(r"^(seq|as_of|market_time|written_at)_([A-Z]{3})$")


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RecordError(_RECORD, f"field {name!r} is not a number: {text!r}") from None


def _count(name: str, text: str) -> int:
    try:
        return int(text)  # exact beyond 2**53 (a seq)
    except ValueError:
        value = _number(name, text)
    if not value.is_integer():
        raise RecordError(_RECORD, f"field {name!r} is not a whole number: {text!r}")
    return int(value)


def _plain(value: float) -> str:
    """A consumer's counter as a whole number when it is one (``12``, not ``12.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _names(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class MarketStatus:
    """A market's last written tick: its ``seq`` (as announced on ``risk.updates``), valuation date,
    market time (ISO 8601) and when it was written (Unix seconds)."""

    seq: int | None = None
    as_of: str | None = None
    market_time: str | None = None
    written_at: float | None = None


@dataclass(frozen=True)
class EngineStatusRecord:
    """``engine:status``: the real-time engine's state, counters and latency (see the module docstring).

    ``latency_ms`` is keyed ``{stage}_p{q}`` (``total_p95``: :meth:`latency`), ``markets`` by market,
    ``per_consumer`` by consumer name then counter.
    """

    state: str | None = None
    updated_at: float | None = None
    shards: int | None = None
    instruments: int | None = None
    consumers: int | None = None
    last_seq: int | None = None
    last_market: str | None = None
    last_market_time: str | None = None
    last_error: str | None = None
    ticks_received: int | None = None
    ticks_processed: int | None = None
    ticks_conflated: int | None = None
    ticks_rejected: int | None = None
    ticks_dlq: int | None = None
    ticks_duplicate: int | None = None
    shard_retries: int | None = None
    consumer_restarts: int | None = None
    consumer_lag: int | None = None
    curves: tuple[str, ...] | None = None
    rejected_curves: tuple[str, ...] | None = None
    stale_markets: tuple[str, ...] | None = None
    shard_compute_max_ms: float | None = None
    latency_ms: Mapping[str, float] = field(default_factory=dict)
    markets: Mapping[str, MarketStatus] = field(default_factory=dict)
    per_consumer: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def reported(self) -> bool:
        """Whether the engine has written any status at all."""
        return self != EngineStatusRecord()

    def consumer_fields(self) -> list[str]:
        """The hash's field names of the per-consumer counters (``{counter}@{consumer}``)."""
        return [f"{counter}@{name}" for name, counters in self.per_consumer.items() for counter in counters]

    def latency(self, stage: str, q: int) -> float | None:
        """The ``q``-th percentile of ``stage`` in milliseconds (``latency("total", 95)``), or None."""
        return self.latency_ms.get(f"{stage}_p{q}")

    def to_hash(self) -> dict[str, str]:
        """The fields this record holds (None fields are left out: writing it updates only those)."""
        out: dict[str, str] = {}
        for name in _TEXTS:
            if (text := getattr(self, name)) is not None:
                out[name] = text
        for name in _COUNTS:
            if (count := getattr(self, name)) is not None:
                out[name] = str(count)
        for name in _NUMBERS:
            if (number := getattr(self, name)) is not None:
                out[name] = repr(float(number))
        for name in _LISTS:
            if (names := getattr(self, name)) is not None:
                out[name] = ",".join(names)
        out.update({f"{key}_ms": repr(float(value)) for key, value in self.latency_ms.items()})
        for market, status in self.markets.items():
            for part in ("seq", "as_of", "market_time", "written_at"):
                value = getattr(status, part)
                if value is not None:
                    out[f"{part}_{market}"] = repr(float(value)) if part == "written_at" else str(value)
        for consumer, counters in self.per_consumer.items():
            out.update({f"{counter}@{consumer}": _plain(v) for counter, v in counters.items()})
        return out

    @classmethod
    def from_hash(cls, raw: Mapping[str, str], *, strict: bool = False) -> EngineStatusRecord:
        """The record of a hash; a field of the wrong kind raises :class:`RecordError` naming it. A field
        this record does not know is ignored (a newer engine's), or refused with ``strict=True`` (what
        the engine itself writes must be known here)."""
        values: dict[str, object] = {}
        latency: dict[str, float] = {}
        markets: dict[str, dict[str, object]] = {}
        per_consumer: dict[str, dict[str, float]] = {}
        for name, text in raw.items():
            if name in _TEXTS:
                values[name] = text
            elif name in _COUNTS:
                values[name] = _count(name, text)
            elif name in _NUMBERS:
                values[name] = _number(name, text)
            elif name in _LISTS:
                values[name] = _names(text)
            elif match := _LATENCY.match(name):
                latency[match.group(1)] = _number(name, text)
            elif match := _MARKET.match(name):
                part, market = match.groups()
                value: object = text
                if part == "seq":
                    value = _count(name, text)
                elif part == "written_at":
                    value = _number(name, text)
                markets.setdefault(market, {})[part] = value
            elif "@" in name:
                counter, _, consumer = name.partition("@")
                per_consumer.setdefault(consumer, {})[counter] = _number(name, text)
            elif strict:
                raise RecordError(_RECORD, f"unknown field {name!r}")
        return cls(
            **values,  # type: ignore[arg-type]
            latency_ms=latency,
            markets={market: MarketStatus(**parts) for market, parts in markets.items()},  # type: ignore[arg-type]
            per_consumer=per_consumer,
        )

    @classmethod
    def from_fields(cls, values: Mapping[str, str | int | float]) -> EngineStatusRecord:
        """The record of status fields as the engine builds them (``ConsumerCounters.as_status()``):
        every field must be one of the record's (:class:`RecordError` otherwise)."""
        return cls.from_hash({name: str(value) for name, value in values.items()}, strict=True)
