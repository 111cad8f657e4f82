"""Replay benchmark: ticks per second into the real Kafka broker at ``max`` speed (budget: >= 5,000/s).

Three measurements in the same run, on the same ticks (real 2024 closes, both markets, 540 ticks per
market day, the full ``CurveTick`` build and JSON encoding every time):
- ``generator``: the tick pipeline alone (recipes, Brownian bridges, ``CurveTick`` + JSON), no Kafka;
- ``kafka_idempotent``: ``replay_to_kafka`` as ``riskctl replay --speed max`` runs it
  (``enable.idempotence``, ``acks=all``, lz4, delivery reports, final flush included);
- ``kafka_acks1``: the same with a plain ``acks=1`` non-idempotent producer, as a baseline.
Each Kafka run writes to a fresh ``market.curves.bench-<uuid>`` topic, deleted afterwards.
Writes ``bench/results/replay.json`` and prints a table. Run: ``python bench/replay_bench.py --ticks 50000``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import confluent_kafka
from confluent_kafka.admin import AdminClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import get_settings  # noqa: E402
from core.keys import TOPIC_CURVES  # noqa: E402
from market_replay import Pace, generate_ticks  # noqa: E402
from market_replay.producer import ensure_topic, replay_to_kafka  # noqa: E402

BUDGET_TICKS_PER_S = 5_000
START, END = date(2024, 1, 2), date(2024, 12, 31)
RESULTS = ROOT / "bench" / "results" / "replay.json"


def _ticks() -> Any:
    return generate_ticks(START, END, ticks_per_day=540, seed=1, loop=True)


def bench_generator(count: int) -> dict[str, Any]:
    started = time.perf_counter()
    size = 0
    for index, scheduled in enumerate(_ticks()):
        if index >= count:
            break
        size += len(scheduled.tick.to_json())
    elapsed = time.perf_counter() - started
    return {
        "ticks": count,
        "elapsed_s": round(elapsed, 3),
        "ticks_per_s": round(count / elapsed, 1),
        "mean_message_bytes": round(size / count),
    }


def bench_kafka(count: int, bootstrap: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    topic = f"{TOPIC_CURVES}.bench-{uuid.uuid4().hex[:12]}"
    ensure_topic(bootstrap, topic, partitions=2)
    try:
        stats = replay_to_kafka(
            _ticks(),
            topic=topic,
            bootstrap=bootstrap,
            pace=Pace.parse("max"),
            config_overrides=overrides,
            max_ticks=count,
        )
    finally:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.delete_topics([topic])[topic].result(timeout=30)
    return {
        "ticks": stats.sent,
        "delivered": stats.delivered,
        "failed": stats.failed,
        "elapsed_s": round(stats.elapsed_s, 3),
        "ticks_per_s": round(stats.sent / stats.elapsed_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=50_000, help="ticks per measurement")
    args = parser.parse_args()
    bootstrap = get_settings().kafka_bootstrap
    results = {
        "generator": bench_generator(args.ticks),
        "kafka_idempotent": bench_kafka(args.ticks, bootstrap, None),
        "kafka_acks1": bench_kafka(args.ticks, bootstrap, {"enable.idempotence": False, "acks": 1}),
    }
    measured = results["kafka_idempotent"]["ticks_per_s"]
    report = {
        "benchmark": "replay -> Kafka at max speed",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "librdkafka": confluent_kafka.libversion()[0],
            "broker": bootstrap,
        },
        "range": f"{START}..{END} (looped), 540 ticks per market day, USD + EUR",
        "budget_ticks_per_s": BUDGET_TICKS_PER_S,
        "ticks_per_s": measured,
        "within_budget": measured >= BUDGET_TICKS_PER_S,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'measurement':<18} {'ticks':>8} {'seconds':>8} {'ticks/s':>10}")
    for name, row in results.items():
        print(f"{name:<18} {row['ticks']:>8,} {row['elapsed_s']:>8.2f} {row['ticks_per_s']:>10,.0f}")
    verdict = "within" if report["within_budget"] else "OVER"
    print(f"budget >= {BUDGET_TICKS_PER_S:,} ticks/s into Kafka: {measured:,.0f} ({verdict} budget)")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
