"""Two tick consumers in the group, one killed for good mid-stream (its node lost): the other takes over its
market's partition once the dead one's Kafka session expires. Every tick is computed or counted conflated,
none is written twice, each market's ticks are written in order, and the final risk is the reference."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import ray
from confluent_kafka import Consumer, TopicPartition
from engine_support import Engine
from reliability_support import (
    Stack,
    TickStream,
    assert_final_risk_is_the_reference,
    assert_written_once_in_order_per_market,
    fresh_ticks,
    history_seqs,
    record_figure,
    wait_for,
)

from actors.intake import parse_record
from actors.kafka_io import EngineTopics
from cluster.supervisor import consumer_name, start_engine, stop_engine
from core.messages import CurveTick

pytestmark = [pytest.mark.reliability, pytest.mark.ray, pytest.mark.slow]

NAMES = [consumer_name(0), consumer_name(1)]
N_SHARDS = 2


@pytest.fixture(scope="module")
def two_consumers(engine: Engine, stack: Stack) -> Iterator[Engine]:
    """The suite's engine replaced, for this module, by one with two consumers on topics of its own; the
    suite's engine (one consumer, its topics) is started again afterwards."""
    run = uuid.uuid4().hex[:8]
    topics = EngineTopics(
        curves=f"market.curves.takeover-{run}",
        dlq=f"market.curves.dlq.takeover-{run}",
        events=engine.topics.events,
        group=f"risk-engine-takeover-{run}",
    )
    stop_engine(stack.settings)
    try:
        start_engine(stack.settings, n_shards=N_SHARDS, topics=topics, publish_per_tick=None, consumers=2)
        yield Engine(stack.settings, topics, engine.redis, engine.producer)
    finally:
        stop_engine(stack.settings)
        start_engine(stack.settings, n_shards=N_SHARDS, topics=engine.topics, publish_per_tick=None)


def _assignments() -> dict[str, list[int]]:
    owned: dict[str, list[int]] = {}
    for name in NAMES:
        try:
            owned[name] = ray.get(ray.get_actor(name).assignment.remote(), timeout=10)
        except (ValueError, ray.exceptions.RayError):
            owned[name] = []  # gone
    return owned


def _market_of_partition(engine: Engine, partition: int) -> str:
    """The market whose ticks the partition holds (one market key per partition)."""
    probe = Consumer({"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": uuid.uuid4().hex})
    try:
        probe.assign([TopicPartition(engine.topics.curves, partition, 0)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = probe.poll(0.5)
            if message is not None and message.error() is None:
                tick = parse_record(message.key(), message.value())
                assert isinstance(tick, CurveTick)
                return tick.market
    finally:
        probe.close()
    raise AssertionError(f"no tick in partition {partition}")


def _per_consumer(engine: Engine, counter: str) -> dict[str, int]:
    status = engine.status()
    return {name: int(float(status.get(f"{counter}@{name}", 0))) for name in NAMES}


def test_the_surviving_consumer_takes_over_a_killed_ones_partition(
    two_consumers: Engine, stack: Stack
) -> None:
    engine = two_consumers
    wait_for(
        lambda: sorted(len(parts) for parts in _assignments().values()) == [1, 1],
        60,
        "one partition per consumer",
    )
    owned = _assignments()
    victim, survivor = NAMES[1], NAMES[0]
    ticks = fresh_ticks(240)  # 24 s at 10 ticks/s
    stream = TickStream(engine, ticks).start()
    time.sleep(6.0)
    market = _market_of_partition(engine, owned[victim][0])
    sent_before_kill = [t.seq for t in list(stream.sent) if t.market == market]
    ray.kill(ray.get_actor(victim), no_restart=True)  # its node is gone: Ray does not bring it back
    killed = time.monotonic()
    took_over_s = wait_for(
        lambda: _assignments()[survivor] == [0, 1], 90, "the survivor owning both partitions"
    )
    # the victim's market has results again once a tick sent after the kill is written (by the survivor)
    wait_for(
        lambda: int(engine.status().get(f"seq_{market}", -1)) > max(sent_before_kill),
        90,
        f"a {market} tick sent after the kill written",
    )
    gap_s = time.monotonic() - killed
    sent = stream.finish()
    assert_final_risk_is_the_reference(engine, stack.sessions, sent)

    written = history_seqs(engine, sent[0].seq)
    assert_written_once_in_order_per_market(written, sent)
    # a tick not written was conflated: a later tick of its market was written in its place, and counted
    market_of = {t.seq: t.market for t in sent}
    missing = [t for t in sent if t.seq not in set(written)]
    for tick in missing:
        assert any(market_of.get(seq) == tick.market and seq > tick.seq for seq in written), tick.seq
    conflated = _per_consumer(engine, "ticks_conflated")
    assert sum(conflated.values()) >= len(missing)
    processed = _per_consumer(engine, "ticks_processed")
    assert processed[survivor] > 0 and processed[victim] > 0
    redelivered = _per_consumer(engine, "ticks_duplicate")[survivor]
    record_figure(
        "consumer_takeover",
        {
            "ticks_sent": len(sent),
            "written": len(written),
            "conflated": len(missing),
            "partition_moved_after_kill_s": round(took_over_s, 1),
            "results_gap_of_the_killed_consumers_market_s": round(gap_s, 1),
            "ticks_redelivered_to_the_survivor": redelivered,
        },
    )
