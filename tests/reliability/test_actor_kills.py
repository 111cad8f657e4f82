"""Shard actors and the consumer actor killed repeatedly under a 10 ticks/s stream: Ray restarts them,
they rebuild from PostgreSQL, Redis and the committed Kafka offsets, and the final risk is right."""

from __future__ import annotations

import time

import pytest
import ray
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

from actors.shard import shard_name
from cluster.supervisor import CONSUMER

pytestmark = [pytest.mark.reliability, pytest.mark.ray, pytest.mark.slow]

VICTIMS = [shard_name(0), CONSUMER, shard_name(1), CONSUMER, shard_name(0), CONSUMER]


def test_shards_and_consumer_killed_repeatedly_under_10_ticks_per_s(engine: Engine, stack: Stack) -> None:
    ticks = fresh_ticks(100)  # 10 s at 10 ticks/s
    stream = TickStream(engine, ticks).start()
    for victim in VICTIMS:
        time.sleep(1.5)
        ray.kill(ray.get_actor(victim), no_restart=False)
    sent = stream.finish()
    last = {t.market: t.seq for t in sent}  # each market's last tick
    caught_up_s = wait_for(
        lambda: all(int(engine.status().get(f"seq_{m}", -1)) >= seq for m, seq in last.items()),
        150,
        "the last tick of each market in Redis",
    )
    assert_final_risk_is_the_reference(engine, stack.sessions, sent)
    written = history_seqs(engine, sent[0].seq)
    assert_written_once_in_order_per_market(written, sent)
    assert set(last.values()) <= set(written)
    record_figure(
        "actor_kills",
        {
            "ticks_sent": len(sent),
            "kills": len(VICTIMS),
            "written": len(written),
            "caught_up_after_stream_s": round(caught_up_s, 1),
        },
    )
