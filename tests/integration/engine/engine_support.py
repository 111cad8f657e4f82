"""Helpers of the engine tests: a handle on an isolated engine, real ticks, reference snapshots."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import redis
from confluent_kafka import Producer

from actors.kafka_io import EngineTopics
from core.config import Settings
from core.keys import ALL_BOOKS, ENGINE_STATUS, book_summary_key
from core.messages import CurveTick
from market_replay import generate_ticks
from market_replay.fixings import market_fixing_history

ENGINE_REDIS_DB = 7
AS_OF = date(2026, 2, 26)


@dataclass
class Engine:
    settings: Settings
    topics: EngineTopics
    redis: redis.Redis
    producer: Producer

    def send(self, tick: CurveTick | bytes, key: bytes | None = None) -> None:
        if isinstance(tick, CurveTick):
            self.producer.produce(self.topics.curves, key=tick.market.encode(), value=tick.to_json())
        else:
            self.producer.produce(self.topics.curves, key=key, value=tick)
        assert self.producer.flush(30) == 0

    def summary(self, book: str = ALL_BOOKS) -> dict[str, str]:
        return self.redis.hgetall(book_summary_key(book))  # type: ignore[return-value]

    def status(self) -> dict[str, str]:
        return self.redis.hgetall(ENGINE_STATUS)  # type: ignore[return-value]

    def wait_seq(self, seq: int, timeout_s: float = 120.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            summary = self.summary()
            if summary and int(summary.get("seq", -1)) >= seq:
                return summary
            time.sleep(0.1)
        raise AssertionError(f"seq {seq} not in Redis after {timeout_s}s; status: {self.status()}")

    def wait_status(self, field: str, at_least: int, timeout_s: float = 60.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.status()
            if int(float(status.get(field, 0))) >= at_least:
                return status
            time.sleep(0.1)
        raise AssertionError(f"engine:status {field} never reached {at_least}: {self.status()}")


def day_ticks(first_seq: int, ticks_per_day: int = 4, day: date = AS_OF) -> list[CurveTick]:
    """Real market ticks of ``day`` (alternating USD and EUR), seq from ``first_seq``."""
    return [s.tick for s in generate_ticks(day, day, ticks_per_day=ticks_per_day, first_seq=first_seq)]


def retick(tick: CurveTick, seq: int) -> CurveTick:
    """The same market state under a new seq (what a new tick with unchanged quotes looks like)."""
    return tick.model_copy(update={"seq": seq, "produced_at_ns": time.time_ns()})


def combined_snapshot(*ticks: CurveTick) -> dict[str, Any]:
    """The market snapshot of the latest ticks of each market, with the full fixing history the engine
    merges in (what `riskctl market-snapshot` gives for the same instant)."""
    snapshot: dict[str, Any] = {"as_of": ticks[0].as_of.isoformat(), "fx": {}, "curves": [], "fixings": {}}
    for tick in ticks:
        part = tick.to_market_snapshot()
        snapshot["fx"].update(part["fx"])
        snapshot["curves"].extend(part["curves"])
        for index, series in market_fixing_history(tick.market, tick.as_of).items():  # type: ignore[arg-type]
            snapshot["fixings"].setdefault(index, {}).update(series)
        for index, series in part["fixings"].items():
            snapshot["fixings"].setdefault(index, {}).update(series)
    return snapshot


def unique_isin() -> str:
    """A valid ISIN (check digits right) that no other test uses."""
    from secmaster.identifiers import cusip_check_digit, isin_from_cusip

    body = "E" + uuid.uuid4().hex[:7].upper()
    return isin_from_cusip(body + cusip_check_digit(body))
