"""Replays through the real Kafka broker: completeness, order per key, seq, content, clean stops."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from confluent_kafka import Consumer

from core.config import Settings
from core.messages import CurveTick
from market_replay import DeliveryError, Pace, day_quotes, generate_ticks
from market_replay.producer import ReplayStats, replay_to_kafka
from market_replay.user_csv import parse_user_csv


def _consume(
    bootstrap: str, topic: str, expected: int, timeout_s: float = 60.0
) -> list[tuple[str, CurveTick]]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"replay-test-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    received: list[tuple[str, CurveTick]] = []
    empty_polls = 0
    try:
        while len(received) < expected and empty_polls < timeout_s:
            message = consumer.poll(1.0)
            if message is None:
                empty_polls += 1
                continue
            assert message.error() is None, message.error()
            received.append((message.key().decode(), CurveTick.from_json(message.value())))
    finally:
        consumer.close()
    return received


def _content(tick: CurveTick) -> dict[str, Any]:
    return tick.model_dump(exclude={"produced_at_ns"})


@pytest.mark.kafka
def test_replayed_range_arrives_complete_in_order_and_equal_to_the_recipe(
    settings: Settings, replay_topic: str
) -> None:
    start, end = date(2024, 7, 3), date(2024, 7, 5)  # 4 July: USD closed, EUR open
    expected = [s.tick for s in generate_ticks(start, end, ticks_per_day=12, seed=5)]
    stats = replay_to_kafka(
        generate_ticks(start, end, ticks_per_day=12, seed=5),
        topic=replay_topic,
        bootstrap=settings.kafka_bootstrap,
        pace=Pace.parse("max"),
    )
    assert stats.sent == stats.delivered == len(expected) == 12 * 5 and stats.failed == 0
    received = _consume(settings.kafka_bootstrap, replay_topic, len(expected))
    assert len(received) == len(expected)
    for market in ("USD", "EUR"):
        ours = [tick for key, tick in received if key == market]
        assert all(tick.market == market for tick in ours)
        seqs = [tick.seq for tick in ours]
        assert all(a < b for a, b in pairwise(seqs)), f"{market} seq not increasing"
        assert [_content(t) for t in ours] == [_content(t) for t in expected if t.market == market]
        assert all(tick.produced_at_ns > 0 for tick in ours)
        closes = [t for t in ours if t.market_time.hour == 17]
        for close in closes:
            assert close.curves == {c: dict(q) for c, q in day_quotes(market, close.as_of).curves.items()}
    assert {t.as_of for k, t in received if k == "USD"} == {date(2024, 7, 3), date(2024, 7, 5)}


@pytest.mark.kafka
def test_user_csv_with_bad_rows_replays_its_good_rows(settings: Settings, replay_topic: str) -> None:
    text = (
        "date,curve,instrument,tenor,rate_pct\n"
        "2024-03-14,EUR-ESTR,ois,1Y,3.40\n"
        "2024-03-15,EUR-ESTR,ois,1Y,3.45\n"
        "2024-03-15,EUR-ESTR,ois,2Y,not-a-rate\n"
    )
    source, issues = parse_user_csv(text.splitlines(keepends=True))
    assert [(i.line, "not a number" in i.reason) for i in issues] == [(4, True)]
    stats = replay_to_kafka(
        generate_ticks(date(2024, 3, 14), date(2024, 3, 15), markets=["EUR"], source=source, ticks_per_day=3),
        topic=replay_topic,
        bootstrap=settings.kafka_bootstrap,
        pace=Pace.parse("max"),
    )
    received = _consume(settings.kafka_bootstrap, replay_topic, stats.sent)
    assert len(received) == stats.delivered == 6
    assert received[-1][1].curves == {"EUR-ESTR": {"ois/1Y": 3.45}}
    assert received[2][1].curves == {"EUR-ESTR": {"ois/1Y": 3.40}}


@pytest.mark.kafka
def test_a_stop_request_flushes_and_reports_what_was_sent(settings: Settings, replay_topic: str) -> None:
    stop = threading.Event()

    def stop_after_five(stats: ReplayStats) -> None:
        if stats.sent >= 5:
            stop.set()

    stats = replay_to_kafka(
        generate_ticks(date(2024, 3, 11), date(2024, 3, 15), ticks_per_day=540),
        topic=replay_topic,
        bootstrap=settings.kafka_bootstrap,
        pace=Pace.parse("1x", rate=200.0),
        stop=stop,
        progress=stop_after_five,
        progress_every_s=0.0,
    )
    assert stats.stopped and stats.sent == stats.delivered and 5 <= stats.sent < 5400
    assert len(_consume(settings.kafka_bootstrap, replay_topic, stats.sent)) == stats.sent


def test_undeliverable_ticks_are_reported_not_dropped() -> None:
    with pytest.raises(DeliveryError, match=r"3 of 3 ticks were not delivered"):
        replay_to_kafka(
            generate_ticks(date(2024, 3, 15), date(2024, 3, 15), markets=["USD"], ticks_per_day=3),
            topic="market.curves.nowhere",
            bootstrap="127.0.0.1:1",
            pace=Pace.parse("max"),
            config_overrides={"message.timeout.ms": 1500, "socket.connection.setup.timeout.ms": 1000},
        )
