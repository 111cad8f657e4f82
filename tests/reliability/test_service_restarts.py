"""Kafka, Redis and PostgreSQL stopped and restarted while the engine streams or the API writes (the
suite's private services, never the shared ones): nothing lost, nothing counted twice."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import pytest
import ray
from engine_support import Engine, unique_isin
from reliability_support import (
    Stack,
    TickStream,
    assert_final_risk_is_the_reference,
    assert_written_once_in_order_per_market,
    committed_offsets,
    counters,
    end_offsets,
    fresh_ticks,
    history_seqs,
    record_figure,
    topic_seqs,
    wait_for,
    wait_for_last_ticks,
)
from sqlalchemy import func, select

from actors.shard import shard_name
from secmaster.models import Instrument, OutboxEvent

pytestmark = [pytest.mark.reliability, pytest.mark.ray, pytest.mark.slow]

STREAM_TICKS = 80  # 8 s at 10 ticks/s
OUTAGE_S = 3.0


def _warm(engine: Engine) -> None:
    """The engine is live: one tick per market computed."""
    ticks = fresh_ticks(2)
    for tick in ticks:
        engine.send(tick)
    engine.wait_seq(ticks[-1].seq)


def test_kafka_broker_restart_mid_stream_loses_and_double_counts_no_tick(
    engine: Engine, stack: Stack
) -> None:
    _warm(engine)
    time.sleep(1.5)  # let engine:status catch up with the warm-up
    before = counters(engine)
    ticks = fresh_ticks(STREAM_TICKS)
    stream = TickStream(engine, ticks).start()
    time.sleep(2.0)
    down_s = stack.restart("kafka", OUTAGE_S)
    sent = stream.finish()
    caught_up_s = wait_for_last_ticks(engine, sent, 150)
    assert_final_risk_is_the_reference(engine, stack.sessions, sent)

    # the broker holds every seq exactly once (idempotent producer retried through the outage)
    in_topic = sorted(s for s in topic_seqs(engine) if s >= sent[0].seq)
    assert in_topic == [t.seq for t in sent]
    # the engine: every record received is processed, conflated or recognised as a duplicate (the
    # re-deliveries after the outage), and each seq was written to Redis at most once, each market in order
    wait_for(lambda: counters(engine)["ticks_received"] - before["ticks_received"] >= len(sent), 30, "counts")
    time.sleep(1.5)  # one more status publication
    after = {k: v - before[k] for k, v in counters(engine).items()}
    written = history_seqs(engine, sent[0].seq)
    assert_written_once_in_order_per_market(written, sent)
    assert set(written) <= {t.seq for t in sent}
    assert {max(t.seq for t in sent if t.market == m) for m in ("USD", "EUR")} <= set(written)
    # a batch that failed mid-way (a broker call during the outage) is received again after the restart:
    # each record is handled (processed or conflated) at least once, and counted received every time
    handled = after["ticks_processed"] + after["ticks_conflated"] + after["ticks_duplicate"]
    assert handled >= len(sent)
    assert after["ticks_received"] >= handled
    assert after["ticks_processed"] == len(written)  # a duplicate is recognised before it is computed
    wait_for(lambda: committed_offsets(engine) == end_offsets(engine, engine.topics.curves), 30, "commit")
    record_figure(
        "kafka_restart",
        {
            "ticks_sent": len(sent),
            "broker_down_s": round(down_s, 1),
            "caught_up_after_stream_s": round(caught_up_s, 1),
            "redelivered": after["ticks_received"] - len(sent),
            "duplicates_ignored": after["ticks_duplicate"],
            "conflated": after["ticks_conflated"],
            "written": len(written),
            "consumer_restarts": after["consumer_restarts"],
        },
    )


def test_redis_restart_mid_stream_catches_up_and_never_commits_ahead_of_results(
    engine: Engine, stack: Stack
) -> None:
    _warm(engine)
    ticks = fresh_ticks(STREAM_TICKS)
    stream = TickStream(engine, ticks).start()
    time.sleep(2.0)
    stack.services.down(["redis"])
    time.sleep(1.0)  # a commit of a batch written just before the stop may still land
    frozen = committed_offsets(engine)
    time.sleep(OUTAGE_S)
    assert committed_offsets(engine) == frozen, "offsets committed while no result could be written"
    stack.services.up(["redis"])
    back = time.monotonic()
    sent = stream.finish()
    wait_for_last_ticks(engine, sent, 150)
    caught_up_s = time.monotonic() - back
    assert_final_risk_is_the_reference(engine, stack.sessions, sent)
    wait_for(lambda: committed_offsets(engine) == end_offsets(engine, engine.topics.curves), 30, "commit")
    record_figure(
        "redis_restart",
        {
            "ticks_sent": len(sent),
            "redis_down_s": round(OUTAGE_S + 1.0, 1),
            "caught_up_s": round(caught_up_s, 1),
        },
    )


def test_a_shard_restarted_after_a_redis_restart_still_holds_its_positions(
    engine: Engine, stack: Stack
) -> None:
    """A shard rebuilt after a Redis restart (Redis reloads its append-only file) still finds its part of
    the book."""
    _warm(engine)
    stack.restart("redis", 0.5)
    _warm(engine)  # first tick after the outage
    ray.kill(ray.get_actor(shard_name(0)), no_restart=False)
    ticks = fresh_ticks(4)
    for tick in ticks:
        engine.send(tick)
    assert_final_risk_is_the_reference(engine, stack.sessions, ticks)


def _writer(url: str, token: str, until: float, results: list[tuple[str, int, str]]) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while time.monotonic() < until:
            instrument_id = f"REL-PG-{uuid.uuid4().hex[:10]}"
            body = {
                "id": instrument_id, "type": "bond", "isin": unique_isin(), "currency": "USD",
                "face": 1_000_000, "coupon_pct": 4.0, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
                "issue_date": "2024-02-15", "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
            }  # fmt: skip
            try:
                response = client.post("/api/v1/instruments/bonds", json=body)
                results.append((instrument_id, response.status_code, response.text[:300]))
            except httpx.TransportError as exc:
                results.append((instrument_id, 0, repr(exc)))
            time.sleep(0.05)


def test_postgres_restart_during_api_writes_gives_503s_and_loses_nothing(
    stack: Stack, serve_url: str
) -> None:
    token = stack.settings.api_token.get_secret_value()
    results: list[tuple[str, int, str]] = []
    until = time.monotonic() + 10.0
    writers = [threading.Thread(target=_writer, args=(serve_url, token, until, results)) for _ in range(4)]
    for writer in writers:
        writer.start()
    time.sleep(2.0)
    stack.restart("postgresql", OUTAGE_S)
    back = time.monotonic()
    for writer in writers:
        writer.join(60)
    codes = [code for _id, code, _text in results]
    unexpected = [r for r in results if r[1] not in (201, 503)]
    assert not unexpected, f"answers other than 201/503 during the outage: {unexpected[:5]}"
    assert 503 in codes, "the outage was not seen by any request"
    assert all("unreachable" in text or "unavailable" in text.lower() for _i, c, text in results if c == 503)
    created = {i for i, code, _text in results if code == 201}
    refused = {i for i, code, _text in results if code == 503}
    # the API is back: a new write succeeds
    wait_for(lambda: _one_write_succeeds(serve_url, token), 60, "a successful write after the restart")
    recovered_s = time.monotonic() - back
    wait_for(lambda: stack.pending_events() == 0, 60, "the outbox relay catching up")
    with stack.sessions() as session:
        stored = set(session.scalars(select(Instrument.id).where(Instrument.id.like("REL-PG-%"))))
        events: dict[str, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(OutboxEvent.aggregate_id, func.count())
                .where(OutboxEvent.aggregate_id.like("REL-PG-%"), OutboxEvent.entity == "instrument")
                .group_by(OutboxEvent.aggregate_id)
            ).all()
        )
    assert created <= stored, "an acknowledged write is missing"
    # a 503 may still have committed (connection lost after COMMIT): then it is whole, never half-written
    assert stored <= created | refused
    assert events == dict.fromkeys(stored, 1), (
        "an instrument without exactly one change event, or the reverse"
    )
    published = _published_keys(stack)
    assert stored <= published, "a committed instrument's event never reached Kafka"
    record_figure(
        "postgres_restart",
        {
            "requests": len(results),
            "created_201": len(created),
            "refused_503": len(refused),
            "refused_but_committed": len(stored & refused),
            "api_writes_back_after_s": round(recovered_s, 1),
        },
    )


def _one_write_succeeds(url: str, token: str) -> bool:
    body: dict[str, Any] = {
        "id": f"REL-PROBE-{uuid.uuid4().hex[:8]}", "type": "bond", "isin": unique_isin(), "currency": "USD",
        "face": 1_000_000, "coupon_pct": 4.0, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
        "issue_date": "2024-02-15", "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
    }  # fmt: skip
    try:
        response = httpx.post(
            f"{url}/api/v1/instruments/bonds",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.TransportError:
        return False
    return response.status_code == 201


def _published_keys(stack: Stack) -> set[str]:
    """Instrument ids of every event in the private events topic."""
    import json

    from confluent_kafka import Consumer, TopicPartition

    probe = Consumer({"bootstrap.servers": stack.settings.kafka_bootstrap, "group.id": uuid.uuid4().hex})
    try:
        end = probe.get_watermark_offsets(TopicPartition(stack.events_topic, 0), timeout=20)[1]
        probe.assign([TopicPartition(stack.events_topic, 0, 0)])
        keys: set[str] = set()
        seen, deadline = 0, time.monotonic() + 60
        while seen < end and time.monotonic() < deadline:
            message = probe.poll(0.5)
            if message is not None and message.error() is None:
                seen += 1
                event = json.loads(message.value())
                if event.get("entity") == "instrument":
                    keys.add(str(event["key"]))
        return keys
    finally:
        probe.close()
