"""Real-time engine benchmark: tick -> Redis latency on a generated book, the whole stack's memory and CPU,
and the naive single-process QuantLib loop on the same book in the same run.

For each ``--sizes`` N: a database of its own with ``generate_book(N, 2024-03-15)`` loaded through the
security master's bulk-import path, the engine (``start_engine``, 2 shards, fast engine, its own topics and
Redis database) and the Serve app on it, then:
- ``rate``: real ticks of 2024-03-15 (USD and EUR alternating) at ``--rate`` ticks/s for ``--seconds``;
- ``max``: ``--burst`` ticks sent at once (conflation takes over; revaluations/s is the ceiling).
Latency is measured by this script for every computed tick: the aggregator announces each seq on the Redis
channel ``risk.updates``; latency = arrival of that announcement - ``produced_at_ns`` of the tick. The
engine's own per-stage percentiles (``engine:status``, window of the last 2,000 computed ticks) are copied.
Memory: summed RSS and PSS of PostgreSQL, Redis, Kafka (with their children) and every Ray process (this
driver's process tree: GCS, raylet, shard/aggregator/consumer/watcher actors, Serve controller, proxy and
replica), sampled during the ``rate`` phase; ``baseline``: the same sum before Ray starts.
Naive baseline: ``pricing_bench.naive_loop`` (every instrument's ``NPV()`` in every bumped scenario) on the
first ``--naive-subset`` instruments of the same book, extrapolated linearly to N (labelled).
Writes ``bench/results/realtime.json``. Run: ``python bench/realtime_bench.py --sizes 10000``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import redis
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from pricing_bench import naive_loop
from stack import (
    RESULTS,
    bench_database,
    cpu_seconds_by_role,
    load_generated_book,
    machine,
    machine_used_mb,
    memory_mb,
    memory_mb_by_role,
    process_tree,
    service_pids,
    session_factory,
    start_serve,
)

from actors.kafka_io import EngineTopics
from cluster.supervisor import connect_ray, start_engine, stop_engine
from core.config import get_settings
from core.keys import ENGINE_STATUS, RISK_UPDATES_CHANNEL
from core.messages import CurveTick
from market_replay import generate_ticks, market_snapshot
from market_replay.fixings import market_fixing_history
from pricing import spec_from_dict
from pricing.book_generator import generate_book
from pricing.curves import CurveSet
from pricing.indices import load_fixings
from pricing.instruments import build_instrument
from pricing.market import parse_market
from secmaster.outbox import pending_count

AS_OF = date(2024, 3, 15)
REDIS_DB = 11
BUDGET_P95_MS = {2_000: 50.0, 10_000: 100.0, 100_000: 1000.0}


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "count": len(values),
        "p50": round(float(p50), 1),
        "p95": round(float(p95), 1),
        "p99": round(float(p99), 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


class Announcements:
    """Arrival time of every ``risk.updates`` announcement, by seq (a thread on a pub/sub connection)."""

    def __init__(self, client: redis.Redis) -> None:
        self.arrived: dict[int, int] = {}
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{RISK_UPDATES_CHANNEL: self.on})
        self._thread = self._pubsub.run_in_thread(sleep_time=0.01, daemon=True)

    def wait(self, seq: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while seq not in self.arrived and time.monotonic() < deadline:
            time.sleep(0.01)
        return seq in self.arrived

    def on(self, message: dict[str, Any]) -> None:
        self.arrived[int(json.loads(message["data"])["seq"])] = time.time_ns()

    def stop(self) -> None:
        self._thread.stop()
        self._thread.join(timeout=5)


def _snapshot() -> dict[str, Any]:
    """The close of ``AS_OF`` with the full fixing history the engine merges into every tick."""
    market = market_snapshot(AS_OF)
    for currency in ("USD", "EUR"):
        for index, series in market_fixing_history(currency, AS_OF).items():  # type: ignore[arg-type]
            market["fixings"].setdefault(index, {}).update(series)
    return market


def _priceable(specs: list[Any], market: dict[str, Any]) -> list[Any]:
    """The specs QuantLib can price on ``market`` (the engine reports the others as failed, so does this)."""
    snapshot = parse_market(market)
    load_fixings(snapshot.fixings)
    curves = CurveSet(snapshot)
    priceable = []
    for spec in specs:
        try:
            build_instrument(spec, curves.handles).NPV()
        except RuntimeError:  # e.g. a fixing missing from the real history
            continue
        priceable.append(spec)
    return priceable


def _ticks(count: int, first_seq: int) -> list[CurveTick]:
    """``count`` real ticks of ``AS_OF`` in one monotone sequence of market times: the engine orders a
    market's ticks by market time (an earlier one is out of order), so every phase takes its share of one
    call, never a fresh day of its own."""
    per_day = max(count // 2 + 1, 2)
    return [s.tick for s in generate_ticks(AS_OF, AS_OF, ticks_per_day=per_day, first_seq=first_seq)][:count]


def _send(producer: Producer, topic: str, ticks: list[CurveTick], rate: float | None) -> dict[int, int]:
    produced: dict[int, int] = {}
    started = time.monotonic()
    for index, tick in enumerate(ticks):
        if rate:
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        produced[tick.seq] = time.time_ns()
        stamped = tick.model_copy(update={"produced_at_ns": produced[tick.seq]})
        producer.produce(topic, key=tick.market.encode(), value=stamped.to_json())
        producer.poll(0)
    producer.flush(60)
    return produced


def _status(client: redis.Redis) -> dict[str, float | str]:
    raw: dict[str, str] = client.hgetall(ENGINE_STATUS)  # type: ignore[assignment]
    out: dict[str, float | str] = {}
    for key, value in raw.items():
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def _phase(
    name: str,
    ticks: list[CurveTick],
    rate: float | None,
    producer: Producer,
    topic: str,
    client: redis.Redis,
    announcements: Announcements,
    stack_pids: Any,
) -> dict[str, Any]:
    before = _status(client)
    roles_before, wall_before = cpu_seconds_by_role(stack_pids()), time.monotonic()
    memory: list[dict[str, float]] = []
    machine_used: list[float] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(2.0):
            memory.append(memory_mb(stack_pids()))
            machine_used.append(machine_used_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    produced = _send(producer, topic, ticks, rate)
    announcements.wait(ticks[-1].seq, timeout_s=300)
    elapsed = time.monotonic() - wall_before
    sampling.set()
    sampler.join()
    memory.append(memory_mb(stack_pids()))
    machine_used.append(machine_used_mb())
    memory_by_role = memory_mb_by_role(stack_pids())
    roles_after = cpu_seconds_by_role(stack_pids())
    by_role = {
        role: round((roles_after[role] - roles_before.get(role, 0.0)) / elapsed, 3)
        for role in sorted(roles_after)
        if roles_after[role] - roles_before.get(role, 0.0) > 0.005 * elapsed
    }
    cpu = sum(roles_after.values()) - sum(roles_before.values())
    time.sleep(1.5)  # one more engine:status publication
    after = _status(client)
    latencies = [
        (announcements.arrived[s] - t) / 1e6 for s, t in produced.items() if s in announcements.arrived
    ]
    counts = {
        key: int(float(after.get(key, 0)) - float(before.get(key, 0)))
        for key in ("ticks_processed", "ticks_conflated", "ticks_rejected", "ticks_dlq", "ticks_duplicate")
    }
    peak = max(memory, key=lambda m: m["rss_mb"])
    return {
        "phase": name,
        "ticks_sent": len(ticks),
        "rate_ticks_per_s": rate or "max",
        "seconds": round(elapsed, 1),
        "computed": len(latencies),
        "counts": counts,
        "revaluations_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": _percentiles(latencies),
        "engine_status_window": {
            key: value
            for key, value in after.items()
            if key.endswith("_ms") or key in ("shards", "instruments")
        },
        "stack_cpu_cores_used": round(cpu / elapsed, 2),
        # cores per process role (Ray actor class, Ray daemon, service): where the work of a tick goes
        "stack_cpu_cores_by_role": dict(sorted(by_role.items(), key=lambda item: -item[1])),
        "stack_core_ms_per_computed_tick": round(cpu * 1000 / max(len(latencies), 1), 1),
        "stack_memory_peak": peak,
        "stack_memory_by_role_at_end": memory_by_role,
        "machine_used_peak_mb": max(machine_used),
    }


def bench_size(size: int, rate: float, seconds: float, burst: int, naive_subset: int) -> dict[str, Any]:
    settings = get_settings()
    run = uuid.uuid4().hex[:8]
    topics = EngineTopics(
        curves=f"market.curves.bench-{run}",
        dlq=f"market.curves.dlq.bench-{run}",
        events=f"secmaster.events.bench-{run}",
        group=f"risk-engine-bench-{run}",
    )
    result: dict[str, Any] = {"size": size, "as_of": AS_OF.isoformat()}
    services = list(service_pids(settings).values())
    with bench_database(settings, f"risk_bench_rt_{run}") as url:
        sessions = session_factory(url)
        result["book_load_s"] = round(load_generated_book(sessions, size, AS_OF), 1)
        engine_settings = settings.model_copy(
            update={"postgres_db": url.rsplit("/", 1)[1], "redis_db": REDIS_DB}
        )
        client = redis.Redis.from_url(engine_settings.redis_url, decode_responses=True)
        client.flushdb()
        result["memory_services_only"] = memory_mb(process_tree(services))
        used_before_ray = machine_used_mb()
        connect_ray(engine_settings)
        # the Serve app's relay publishes the book load's change events first: the engine starts after them
        start_serve(url, engine_settings.redis_url, settings.kafka_bootstrap, topics.events)
        while pending_count(sessions):
            time.sleep(0.5)
        started = time.perf_counter()
        start_engine(engine_settings, n_shards=2, topics=topics)
        result["engine_start_s"] = round(time.perf_counter() - started, 1)

        def stack_pids() -> list[int]:
            return process_tree([*services, os.getpid()])

        announcements = Announcements(client)
        producer = Producer(
            {"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True, "linger.ms": 0}
        )
        try:
            seq = time.time_ns() // 1000
            count = int(rate * seconds)
            every = _ticks(10 + count + burst, seq)
            warm, steady, flood = every[:10], every[10 : 10 + count], every[10 + count :]
            _send(producer, topics.curves, warm, rate=2.0)
            announcements.wait(warm[-1].seq, timeout_s=300)
            result["rate"] = _phase(
                "rate", steady, rate, producer, topics.curves, client, announcements, stack_pids
            )
            result["max"] = _phase(
                "max", flood, None, producer, topics.curves, client, announcements, stack_pids
            )
            # the machine's view (shared pages once): the services' PSS plus what Ray, the engine, Serve
            # and this driver added to the memory in use (meaningful on a machine nobody else uses)
            peak_used = result["rate"]["machine_used_peak_mb"]
            result["machine_memory"] = {
                "used_before_ray_mb": used_before_ray,
                "used_peak_mb": peak_used,
                "stack_physical_estimate_mb": round(
                    peak_used - used_before_ray + result["memory_services_only"]["pss_mb"], 1
                ),
            }
            summary = client.hgetall("risk:ALL:summary")
            result["book_priced"] = {key: summary.get(key) for key in ("n_ok", "n_failed")}
        finally:
            announcements.stop()
            from ray import serve

            serve.shutdown()
            stop_engine(engine_settings)
            client.flushdb()
            admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
            admin.delete_topics([topics.curves, topics.dlq, topics.events])
            sessions.kw["bind"].dispose()

    market = _snapshot()
    specs = _priceable([spec_from_dict(row) for row in generate_book(size, AS_OF)[:naive_subset]], market)
    _pv, naive_s = naive_loop(specs, market)
    per_tick = naive_s * size / len(specs)
    p50 = result["rate"]["latency_ms"]["p50"] / 1000
    result["naive"] = {
        "instruments_measured": len(specs),
        "instruments_skipped_unpriceable": naive_subset - len(specs),
        "seconds_measured": round(naive_s, 3),
        "seconds_per_tick_extrapolated": round(per_tick, 2),
        "extrapolated": len(specs) < size,
        "method": "every instrument's NPV() in every bumped scenario (pricing_bench.naive_loop), one process",
    }
    result["speedup_vs_naive"] = round(per_tick / p50, 1)
    result["budget_p95_ms"] = BUDGET_P95_MS.get(size)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated book sizes (100000 takes long)")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--naive-subset", type=int, default=2000)
    args = parser.parse_args()
    import ray

    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs.append(bench_size(size, args.rate, args.seconds, args.burst, args.naive_subset))
        ray.shutdown()
    path = RESULTS / "realtime.json"
    # a run of some sizes keeps the latest results of the other sizes (each run carries its own "when")
    previous = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    when = datetime.now(UTC).isoformat(timespec="seconds")
    report = {
        "benchmark": "real-time engine: tick -> Redis",
        "when": when,
        "machine": machine(),
        "runs": {**previous, **{str(run["size"]): {**run, "when": when} for run in runs}},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    for run in runs:
        rate, flood = run["rate"], run["max"]
        print(
            f"{run['size']:>7} instruments: at {rate['rate_ticks_per_s']}/s p50/p95/p99 "
            f"{rate['latency_ms']['p50']}/{rate['latency_ms']['p95']}/{rate['latency_ms']['p99']} ms "
            f"(budget p95 {run['budget_p95_ms']} ms); max: {flood['revaluations_per_s']} revaluations/s, "
            f"{flood['counts']['ticks_conflated']} conflated; naive "
            f"{run['naive']['seconds_per_tick_extrapolated']} s/tick, speed-up {run['speedup_vs_naive']}x; "
            f"peak RSS {rate['stack_memory_peak']['rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
