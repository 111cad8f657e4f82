"""Helpers of the reliability suite: a paced tick stream, Kafka offsets, the reference check, figures.

Figures (recovery times, counts) measured by the suite go to ``tests/artifacts/reliability.json`` for
the README's "Reliability" section; tests assert correctness only, never timings.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from engine_support import Engine, combined_snapshot, day_ticks, retick
from risk_checks import assert_risk_close, notional_of

from actors.intake import parse_record
from cluster.services import ServiceManager
from core.config import PROJECT_ROOT, Settings
from core.keys import ALL_BOOKS
from core.messages import CurveTick
from pricing import price_portfolio
from secmaster.db import SessionFactory
from secmaster.outbox import pending_count
from secmaster.repository.export import load_book

FIGURES = PROJECT_ROOT / "tests" / "artifacts" / "reliability.json"
_next_seq = [time.time_ns() // 1000]  # above every seq of earlier runs, like the replay's default


def fresh_ticks(count: int, per_day: int | None = None) -> list[CurveTick]:
    """``count`` real ticks (USD and EUR alternating) with seqs above everything sent before."""
    ticks = day_ticks(_next_seq[0], ticks_per_day=per_day or math.ceil(count / 2))[:count]
    _next_seq[0] = ticks[-1].seq + 1000
    return ticks


def same_quotes_again(ticks: list[CurveTick]) -> list[CurveTick]:
    """The quotes of ``ticks`` once more, under seqs above everything sent before and later market times
    of the same day; each market's first tick is flagged ``new_session`` (a new session on the day: the
    P&L open is taken afresh, so every pass over the same quotes explains the same P&L)."""
    again = [retick(tick, _next_seq[0] + k) for k, tick in enumerate(ticks)]
    _next_seq[0] += len(ticks) + 1000
    first = {market: min(k for k, t in enumerate(again) if t.market == market) for market in ("USD", "EUR")}
    return [
        t.model_copy(update={"new_session": True}) if k in first.values() else t for k, t in enumerate(again)
    ]


def record_figure(name: str, value: Any) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


@dataclass
class Stack:
    """The private services and what runs on them."""

    settings: Settings
    services: ServiceManager
    sessions: SessionFactory
    events_topic: str

    def restart(self, name: str, outage_s: float) -> float:
        """Stop service ``name``, keep it down ``outage_s`` seconds, start it; returns seconds down."""
        started = time.monotonic()
        self.services.down([name])
        time.sleep(outage_s)
        self.services.up([name])
        return time.monotonic() - started

    def pending_events(self) -> int:
        return pending_count(self.sessions)


class TickStream:
    """Sends ticks at ``rate`` per second from a thread, without waiting for the broker per tick (the
    idempotent producer buffers and retries through a broker outage); ``finish`` flushes and checks that
    every tick was delivered."""

    def __init__(self, engine: Engine, ticks: list[CurveTick], rate: float = 10.0) -> None:
        self.engine, self.ticks, self.rate = engine, ticks, rate
        self.sent: list[CurveTick] = []
        self.failed: list[str] = []
        self._thread = threading.Thread(target=self._run, name="tick-stream", daemon=True)

    def _delivered(self, error: Any, _message: Any) -> None:
        if error is not None:
            self.failed.append(str(error))

    def _run(self) -> None:
        started = time.monotonic()
        for index, tick in enumerate(self.ticks):
            delay = started + index / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent = tick.model_copy(update={"produced_at_ns": time.time_ns()})
            self.engine.producer.produce(
                self.engine.topics.curves,
                key=sent.market.encode(),
                value=sent.to_json(),
                on_delivery=self._delivered,
            )
            self.engine.producer.poll(0)
            self.sent.append(sent)

    def start(self) -> TickStream:
        self._thread.start()
        return self

    def finish(self, timeout_s: float = 150.0) -> list[CurveTick]:
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the tick stream did not finish"
        assert self.engine.producer.flush(timeout_s) == 0, "ticks left undelivered in the producer"
        assert not self.failed, f"deliveries failed: {self.failed[:3]}"
        return self.sent


def committed_offsets(engine: Engine) -> int:
    """Sum of the engine group's committed offsets on the curves topic (what it promises is done)."""
    probe = Consumer({"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": engine.topics.group})
    try:
        partitions = [TopicPartition(engine.topics.curves, p) for p in (0, 1)]
        return sum(max(tp.offset, 0) for tp in probe.committed(partitions, timeout=20))
    finally:
        probe.close()


def end_offsets(engine: Engine, topic: str) -> int:
    probe = Consumer({"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": uuid.uuid4().hex})
    try:
        partitions = probe.list_topics(topic, timeout=20).topics[topic].partitions
        return sum(probe.get_watermark_offsets(TopicPartition(topic, p), timeout=20)[1] for p in partitions)
    finally:
        probe.close()


def topic_seqs(engine: Engine) -> list[int]:
    """Every seq in the curves topic, in the order of each partition (duplicates kept)."""
    probe = Consumer(
        {
            "bootstrap.servers": engine.settings.kafka_bootstrap,
            "group.id": uuid.uuid4().hex,
            "enable.auto.commit": False,
        }
    )
    expected = end_offsets(engine, engine.topics.curves)
    probe.assign([TopicPartition(engine.topics.curves, p, 0) for p in (0, 1)])
    seqs: list[int] = []
    seen, deadline = 0, time.monotonic() + 60
    try:
        while seen < expected and time.monotonic() < deadline:
            message = probe.poll(0.5)
            if message is not None and message.error() is None:
                seen += 1
                parsed = parse_record(message.key(), message.value())  # skips the fuzz test's records
                if isinstance(parsed, CurveTick):
                    seqs.append(parsed.seq)
    finally:
        probe.close()
    return seqs


def assert_written_once_in_order_per_market(written: list[int], sent: list[CurveTick]) -> None:
    """Each seq written at most once, and each market's seqs in the order they were sent (the engine
    orders a market's ticks; between markets, separate partitions, there is no order)."""
    assert len(written) == len(set(written)), "a seq was written twice"
    market = {t.seq: t.market for t in sent}
    for name in ("USD", "EUR"):
        mine = [seq for seq in written if market.get(seq) == name]
        assert mine == sorted(mine), f"{name} ticks written out of order"


def history_seqs(engine: Engine, since_seq: int) -> list[int]:
    """The seqs the aggregator wrote to ``risk:ALL:history`` from ``since_seq`` on, in write order."""
    entries = engine.redis.xrange(f"risk:{ALL_BOOKS}:history")
    return [int(fields["seq"]) for _id, fields in entries if int(fields["seq"]) >= since_seq]


def counters(engine: Engine) -> dict[str, int]:
    status = engine.status()
    fields = (
        "ticks_received",
        "ticks_processed",
        "ticks_conflated",
        "ticks_duplicate",
        "ticks_dlq",
        "consumer_restarts",
    )
    return {name: int(float(status.get(name, 0))) for name in fields}


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Poll ``condition`` every 0.1 s; returns the seconds it took, fails naming ``what``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout_s:.0f} s")


def wait_for_last_ticks(engine: Engine, sent: list[CurveTick], timeout_s: float) -> float:
    """Wait until each market's last tick of ``sent`` is in Redis (``seq_{market}`` in ``engine:status``,
    written in the tick's own transaction); returns the seconds it took.

    Each market's, never "the ALL summary's ``seq`` is the last seq sent": markets are separate partitions
    and which market's last tick is written last is not defined. A consumer catching up on a backlog (after
    an outage) may get one partition's records in an earlier poll than the other's: the ALL summary then
    ends on the other market's last tick, of a lower seq. Fails naming, per market, the seq wanted and the
    seq written, the stored tick order and the consumer's restarts and last error."""
    last = {m: max(t.seq for t in sent if t.market == m) for m in sorted({t.market for t in sent})}
    started = time.monotonic()
    while True:
        status = engine.status()
        written = {m: int(status.get(f"seq_{m}", -1)) for m in last}
        if all(written[m] >= seq for m, seq in last.items()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            error = status.get("last_error", "")[:300]
            raise AssertionError(
                f"the last tick of each market not in Redis within {timeout_s:.0f} s: sent {last}, "
                f"written {written}; engine:order {engine.redis.hgetall('engine:order')}; consumer "
                f"restarts {status.get('consumer_restarts')}, last error {error!r}"
            )
        time.sleep(0.1)


def assert_final_risk_is_the_reference(
    engine: Engine, sessions: SessionFactory, sent: list[CurveTick]
) -> None:
    """The ALL summary equals ``price_portfolio`` on the latest tick of each market, and belongs to one of
    them (markets are separate partitions: which of the two was written last is not defined)."""
    latest = [max((t for t in sent if t.market == m), key=lambda t: t.seq) for m in ("USD", "EUR")]
    wait_for_last_ticks(engine, sent, 120)
    summary = engine.summary()
    assert int(summary["seq"]) in {t.seq for t in latest}
    with sessions() as session:
        book = {"instruments": load_book(session, None)}
    reference = price_portfolio(book, combined_snapshot(*latest))["totals"]
    assert int(summary["n_ok"]) == reference["n_ok"] > 0
    for measure in ("pv", "dv01", "gamma"):
        total = notional_of(book["instruments"])
        assert_risk_close(measure, float(summary[measure]), reference[measure], total, "ALL")
