"""Helpers of the engine tests: a handle on an isolated engine, real ticks, reference snapshots."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import redis
from confluent_kafka import Producer

from actors.kafka_io import EngineTopics
from core.config import Settings
from core.keys import ALL_BOOKS, ENGINE_ROWS, ENGINE_STATUS, book_summary_key
from core.messages import CurveTick
from market_replay import generate_ticks
from market_replay.fixings import market_fixing_history
from secmaster.db import SessionFactory
from secmaster.outbox import pending_count

ENGINE_REDIS_DB = 7
AS_OF = date(2026, 2, 26)


@dataclass
class Engine:
    settings: Settings
    topics: EngineTopics
    redis: redis.Redis
    producer: Producer
    sent: dict[str, list[int]] = field(default_factory=dict)  # market -> seqs of the ticks sent
    alerts_topic: str = "risk.alerts"  # the limit monitor's Kafka topic (issue 17)

    def send(self, tick: CurveTick | bytes, key: bytes | None = None) -> None:
        if isinstance(tick, CurveTick):  # stamped at sending, as the replay's producer does
            self.sent.setdefault(tick.market, []).append(tick.seq)
            stamped = tick.model_copy(update={"produced_at_ns": time.time_ns()})
            self.producer.produce(self.topics.curves, key=tick.market.encode(), value=stamped.to_json())
        else:
            self.producer.produce(self.topics.curves, key=key, value=tick)
        assert self.producer.flush(30) == 0

    def summary(self, book: str = ALL_BOOKS) -> dict[str, str]:
        return self.redis.hgetall(book_summary_key(book))  # type: ignore[return-value]

    def status(self) -> dict[str, str]:
        return self.redis.hgetall(ENGINE_STATUS)  # type: ignore[return-value]

    def wait_seq(self, seq: int, timeout_s: float = 120.0) -> dict[str, str]:
        """The ALL summary once, in every market, the last tick sent up to ``seq`` is written (markets are
        separate partitions: their ticks have no order between them), and every shard's per-position rows
        too (they trail the totals: the shards write them off the tick's critical path)."""
        wanted = {m: max(s for s in seqs if s <= seq) for m, seqs in self.sent.items() if min(seqs) <= seq}
        if not wanted:  # ticks sent by another producer: the last written tick's seq
            return self._wait_summary_seq(seq, deadline=time.monotonic() + timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.status()
            rows: dict[str, str] = self.redis.hgetall(ENGINE_ROWS)  # type: ignore[assignment]
            written = all(int(status.get(f"seq_{m}", -1)) >= s for m, s in wanted.items())
            shards = int(status.get("shards", 1))
            if written and len(rows) >= shards and all(int(v) >= max(wanted.values()) for v in rows.values()):
                return self.summary()
            time.sleep(0.1)
        raise AssertionError(f"seq {seq} not in Redis after {timeout_s}s; status: {self.status()}")

    def _wait_summary_seq(self, seq: int, deadline: float) -> dict[str, str]:
        while time.monotonic() < deadline:
            summary = self.summary()
            rows: dict[str, str] = self.redis.hgetall(ENGINE_ROWS)  # type: ignore[assignment]
            if int(summary.get("seq", -1)) >= seq and rows and all(int(v) >= seq for v in rows.values()):
                return summary
            time.sleep(0.1)
        raise AssertionError(f"seq {seq} not in Redis; status: {self.status()}")

    def wait_status(self, field: str, at_least: int, timeout_s: float = 60.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.status()
            if int(float(status.get(field, 0))) >= at_least:
                return status
            time.sleep(0.1)
        raise AssertionError(f"engine:status {field} never reached {at_least}: {self.status()}")


#: market times handed out to test ticks: strictly increasing over the whole test process
_clock = itertools.count()


def day_ticks(first_seq: int, ticks_per_day: int = 4, day: date = AS_OF) -> list[CurveTick]:
    """Real market ticks of ``day`` (alternating USD and EUR), seq from ``first_seq``, at market times
    09:00 + k ms with k increasing over every call of the process: the engine orders a market's ticks by
    market time (one instant twice is a duplicate, an earlier one is out of order), so the ticks of a
    later call are later in the day."""
    ticks = [s.tick for s in generate_ticks(day, day, ticks_per_day=ticks_per_day, first_seq=first_seq)]
    return [
        t.model_copy(
            update={"market_time": t.market_time.replace(hour=9, minute=0, second=0, microsecond=0)
                    + timedelta(milliseconds=next(_clock))}
        )
        for t in ticks
    ]  # fmt: skip


def retick(tick: CurveTick, seq: int) -> CurveTick:
    """The same market state under a new seq and a later market time (what a new tick with unchanged
    quotes looks like)."""
    later = tick.market_time.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        milliseconds=next(_clock)
    )
    return tick.model_copy(update={"seq": seq, "market_time": later, "produced_at_ns": time.time_ns()})


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
    from pricing.identifiers import cusip_check_digit, isin_from_cusip

    body = "E" + uuid.uuid4().hex[:7].upper()
    return isin_from_cusip(body + cusip_check_digit(body))


def wait_relayed(sessions: SessionFactory, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while pending_count(sessions) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pending_count(sessions) == 0, "the outbox relay did not publish the change events"


def create_book(client: httpx.Client, name: str) -> None:
    response = client.post("/api/v1/books", json={"name": name, "description": "engine test"})
    assert response.status_code in (201, 409), response.text


def seed_engine_book(client: httpx.Client, sessions: SessionFactory) -> None:
    """A small mixed book through the HTTP API (bonds, EUR IRS, SOFR and ESTR OIS)."""
    create_book(client, "ENG-GOVT")
    create_book(client, "ENG-SWAPS")
    run = uuid.uuid4().hex[:6]
    bodies = [
        ("bonds", {"id": f"ENG-UST10-{run}", "type": "bond", "isin": unique_isin(), "currency": "USD",
                   "face": 1_000_000, "coupon_pct": 4.0, "frequency": "semiannual",
                   "day_count": "ACT/ACT-ICMA",
                   "issue_date": "2024-02-15", "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
                   "book": "ENG-GOVT", "quantity": 3}),
        ("bonds", {"id": f"ENG-UST30-{run}", "type": "bond", "isin": unique_isin(), "currency": "USD",
                   "face": 2_000_000, "coupon_pct": 4.75, "frequency": "semiannual",
                   "day_count": "ACT/ACT-ICMA",
                   "issue_date": "2023-11-15", "maturity_date": "2053-11-15", "discount_curve": "USD-UST",
                   "book": "ENG-GOVT", "quantity": 1}),
        ("swaps", {"id": f"ENG-IRS-{run}", "type": "swap", "currency": "EUR", "notional": 10_000_000,
                   "side": "pay_fixed", "fixed_rate_pct": 3.1, "start_date": "2023-06-20",
                   "maturity_date": "2033-06-20", "fixed_frequency": "annual", "fixed_day_count": "30/360",
                   "float_index": "EURIBOR6M", "float_spread_bp": 0, "discount_curve": "EUR-ESTR",
                   "forecast_curve": "EUR-EURIBOR-6M", "book": "ENG-SWAPS", "quantity": 1}),
        ("swaps", {"id": f"ENG-SOFR-{run}", "type": "ois", "currency": "USD", "notional": 50_000_000,
                   "side": "receive_fixed", "fixed_rate_pct": 4.8, "start_date": "2025-09-15",
                   "maturity_date": "2028-09-15", "fixed_frequency": "annual", "fixed_day_count": "ACT/360",
                   "float_index": "SOFR", "discount_curve": "USD-SOFR", "book": "ENG-SWAPS", "quantity": 1}),
        ("swaps", {"id": f"ENG-ESTR-{run}", "type": "ois", "currency": "EUR", "notional": 20_000_000,
                   "side": "pay_fixed", "fixed_rate_pct": 2.0, "start_date": "2025-12-19",
                   "maturity_date": "2027-12-19", "fixed_frequency": "annual",
                   "fixed_day_count": "ACT/360", "float_index": "ESTR", "discount_curve": "EUR-ESTR",
                   "book": "ENG-SWAPS", "quantity": 1}),
    ]  # fmt: skip
    for kind, body in bodies:
        response = client.post(f"/api/v1/instruments/{kind}", json=body)
        assert response.status_code == 201, response.text
    wait_relayed(sessions)
