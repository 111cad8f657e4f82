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
    caught_up_s = wait_for(
        lambda: int(engine.summary().get("seq", -1)) >= sent[-1].seq, 150, "the last tick in Redis"
    )
    assert_final_risk_is_the_reference(engine, stack.sessions, sent)
    written = history_seqs(engine, sent[0].seq)
    assert written == sorted(set(written)), "a seq was written twice or out of order"
    assert written[-1] == sent[-1].seq
    record_figure(
        "actor_kills",
        {
            "ticks_sent": len(sent),
            "kills": len(VICTIMS),
            "written": len(written),
            "caught_up_after_stream_s": round(caught_up_s, 1),
        },
    )
