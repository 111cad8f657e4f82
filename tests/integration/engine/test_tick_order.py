"""Tick ordering and idempotency against the real engine, with records from a plain Kafka producer
(confluent-kafka, not the project's replay): a huge seq, the past, an implausible future, a new session
back to an earlier day (P&L since the open starts afresh), and the looped replay's wrap."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from engine_support import Engine, day_ticks, seed_engine_book
from test_realtime_engine import _dlq_reasons

from core.messages import CurveTick
from market_replay import generate_ticks
from secmaster.db import SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]

LATER, EARLIER = date(2026, 2, 20), date(2026, 2, 10)
T = TypeVar("T")


@pytest.fixture(scope="module")
def seeded(engine: Engine, serve_url: str, token: str, sessions: SessionFactory) -> None:
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        seed_engine_book(http, sessions)


def _flag(tick: CurveTick) -> CurveTick:
    return tick.model_copy(update={"new_session": True})


def _moved(tick: CurveTick, day: date) -> CurveTick:
    """The tick's quotes dated ``day`` (what a stray producer with a wrong date would send)."""
    when = datetime.combine(day, tick.market_time.timetz())
    return tick.model_copy(update={"as_of": day, "market_time": when})


@pytest.mark.usefixtures("seeded")
def test_ticks_are_ordered_per_market_by_day_and_time_not_by_seq(engine: Engine) -> None:
    usd, eur = (_flag(t) for t in day_ticks(1_000, ticks_per_day=1, day=LATER))  # each test: a session
    engine.send(usd)
    engine.send(eur)
    opened = engine.wait_seq(eur.seq)
    assert opened["as_of"] == LATER.isoformat()
    dlq_before = int(engine.status().get("ticks_dlq", 0))

    # a valid tick whose seq is 10,000,000 above the feed: it is computed, and it freezes nothing
    rogue = usd.model_copy(
        update={
            "seq": usd.seq + 10_000_000,
            "market_time": usd.market_time + timedelta(seconds=1),
            "new_session": False,
        }
    )
    engine.send(rogue)
    engine.wait_seq(rogue.seq)
    follow = rogue.model_copy(
        update={"seq": eur.seq + 1, "market_time": usd.market_time + timedelta(seconds=2)}
    )
    engine.send(follow)
    _wait_summary_seq(engine, follow.seq)  # a lower seq than the rogue's, computed and written
    duplicates = int(engine.status().get("ticks_duplicate", 0))

    # the past: an earlier day (a user's CSV), an earlier time of the current day; an implausible future
    stray = _moved(follow, EARLIER).model_copy(update={"seq": eur.seq + 2})
    late = follow.model_copy(update={"seq": eur.seq + 3, "market_time": usd.market_time})
    future = _moved(follow, date(2026, 12, 1)).model_copy(update={"seq": eur.seq + 4})
    for tick in (stray, late, future):
        engine.send(tick)
    status = engine.wait_status("ticks_dlq", dlq_before + 3)
    assert int(status["ticks_dlq"]) == dlq_before + 3
    reasons = _dlq_reasons(engine, expected=dlq_before + 3)[dlq_before:]
    assert any("older than the market's current day 2026-02-20" in r and "new_session" in r for r in reasons)
    assert any("out of order" in r for r in reasons)
    assert any("implausible" in r for r in reasons)
    # the same instant again (a second producer, or the same record re-sent) is a duplicate: counted
    engine.send(follow.model_copy(update={"seq": eur.seq + 5}))
    assert int(engine.wait_status("ticks_duplicate", duplicates + 1)["ticks_duplicate"]) == duplicates + 1
    summary = engine.summary()
    assert summary["as_of"] == LATER.isoformat()
    assert summary["seq"] == str(follow.seq), (summary, engine.status())
    assert status["as_of_USD"] == LATER.isoformat()


@pytest.mark.usefixtures("seeded")
def test_a_new_session_goes_back_to_an_earlier_day_with_a_fresh_pnl_open(engine: Engine) -> None:
    """Issue 19 part 4: a tick of 2026-02-20, then a new session on 2026-02-10: P&L since the open is 0."""
    usd, eur = (_flag(t) for t in day_ticks(10_000, ticks_per_day=1, day=LATER))
    engine.send(usd)
    engine.send(eur)
    engine.wait_seq(eur.seq)
    back_usd, back_eur = (_flag(t) for t in day_ticks(10_100, ticks_per_day=1, day=EARLIER))
    engine.send(back_usd)
    engine.send(back_eur)
    summary = engine.wait_seq(back_eur.seq)
    assert summary["as_of"] == EARLIER.isoformat()
    assert int(summary["n_pending"]) == 0  # every market entered the session: no mixed valuation dates
    assert float(summary["pnl_open"]) == 0.0
    # a later tick of the same session explains its P&L against the new open
    nxt = back_usd.model_copy(
        update={
            "seq": 10_200,
            "new_session": False,
            "market_time": back_usd.market_time + timedelta(seconds=5),
        }
    )
    engine.send(nxt)
    after = engine.wait_seq(nxt.seq)
    assert after["as_of"] == EARLIER.isoformat()
    assert abs(float(after["pnl_open"])) < 1e-6 * abs(float(after["pv"]))  # same quotes: no P&L


@pytest.mark.usefixtures("seeded")
def test_the_looped_replay_wraps_back_to_its_first_day(engine: Engine) -> None:
    first, last = date(2026, 2, 26), date(2026, 2, 27)
    replay = generate_ticks(first, last, ticks_per_day=1, first_seq=20_000, loop=True)
    ticks = [s.tick for s in _take(replay, 6)]
    assert [t.as_of for t in ticks] == [first, first, last, last, first, first]
    assert [t.new_session for t in ticks] == [False] * 4 + [True, True]  # the wrap says it goes back
    ticks[0], ticks[1] = _flag(ticks[0]), _flag(ticks[1])  # this test's own session (order-independent)
    dlq = int(engine.status().get("ticks_dlq", 0))
    for tick in ticks:
        engine.send(tick)
    summary = engine.wait_seq(ticks[-1].seq)
    assert summary["as_of"] == first.isoformat() and int(summary["n_pending"]) == 0
    assert float(summary["pnl_open"]) == 0.0
    assert int(engine.status().get("ticks_dlq", 0)) == dlq


def _take(items: Iterator[T], count: int) -> list[T]:
    return list(itertools.islice(items, count))


def _wait_summary_seq(engine: Engine, seq: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while engine.summary().get("seq") != str(seq):
        assert time.monotonic() < deadline, f"seq {seq} never written: {engine.status()}"
        time.sleep(0.1)


@pytest.mark.usefixtures("seeded")
def test_a_record_too_large_for_the_dlq_still_leaves_the_partition(engine: Engine) -> None:
    """Issue 19 part 1: ~3 MB of JSON, lz4-compressed on market.curves (the broker takes it compressed),
    is too large to dead-letter as is: a truncated copy goes to the DLQ with the reason and the record's
    place, the consumer does not restart, and both markets keep computing."""
    usd, eur = (_flag(t) for t in day_ticks(30_000, ticks_per_day=1, day=LATER))
    engine.send(usd)
    engine.send(eur)
    engine.wait_seq(eur.seq)
    before = engine.status()
    dlq, restarts = int(before.get("ticks_dlq", 0)), int(before.get("consumer_restarts", 0))
    huge = b'{"schema": "curve-tick/1", "padding": "' + b"x" * 3_000_000 + b'"}'
    plain = Producer(
        {
            "bootstrap.servers": engine.settings.kafka_bootstrap,
            "compression.type": "lz4",
            "message.max.bytes": 10_000_000,
        }
    )
    plain.produce(engine.topics.curves, key=b"USD", value=huge)
    assert plain.flush(30) == 0
    nxt_usd, nxt_eur = (
        t.model_copy(update={"new_session": False}) for t in day_ticks(30_100, ticks_per_day=1, day=LATER)
    )
    engine.send(nxt_usd)
    engine.send(nxt_eur)
    engine.wait_seq(nxt_eur.seq)
    status = engine.wait_status("ticks_dlq", dlq + 1)
    assert int(status["consumer_restarts"]) == restarts
    consumer = Consumer(
        {"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": f"dlq-{time.time_ns()}"}
    )
    consumer.assign([TopicPartition(engine.topics.dlq, 0, 0)])
    found: dict[str, bytes] = {}
    deadline = time.monotonic() + 30
    while not found and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error() is not None:
            continue
        headers = dict(message.headers() or [])
        if headers.get("truncated") == b"1":
            found = {k: v or b"" for k, v in headers.items()}
            assert len(message.value() or b"") < 100_000
    consumer.close()
    assert found, "no truncated copy of the large record in the DLQ"
    assert int(found["original_bytes"]) == len(huge)
    assert b"exceeds" in found["reason"] and found["source_offset"].isdigit()
