"""Bulk-import benchmark: ``POST /api/v1/instruments/bulk`` with 100,000 instruments, JSON and CSV.

On a database of its own, the Serve app (``serve_app.build_app``, outbox relay on, a topic of its own)
receives the rows of ``generate_book(100000, 2024-03-15)`` (every bond with a unique ISIN, every row placed
in a book), once as the book JSON and once, with other ids and ISINs, as a CSV. Each import is one
request and one transaction: every row validated, stored-key checks, ``COPY`` of instruments, positions
and one change event per instrument. Timed from the request to the 201, then until the relay has
published every event to Kafka. Same run, as baseline: PostgreSQL ``COPY`` of the same CSV into a
scratch table with one text column per field (no constraints, no validation). Where the time goes: the
same import in-process, phase by phase, on a third set of keys. Last (``--watcher-changes``, default
10,000): the engine's book watcher applying the events of one more import of that many instruments.

Budget (docs/architecture.md section 8): <= 15 s per import of 100,000. Writes ``bench/results/bulk.json``.
Run: ``python bench/bulk_bench.py [--size 100000]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from stack import (
    GENERATED_BOOKS,
    RESULTS,
    bench_database,
    free_port,
    generated_rows,
    machine,
    session_factory,
)

from core.config import get_settings
from pricing.identifiers import cusip_check_digit, isin_from_cusip
from secmaster import bulk
from secmaster.db import SessionFactory, transaction
from secmaster.models import Book
from secmaster.outbox import pending_count
from secmaster.repository.bulk_copy import copy_instruments, stored_conflicts

AS_OF = date(2024, 3, 15)
BUDGET_S = 15.0


def _renamed(rows: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    """The same rows under other ids and ISINs (``tag``: one letter), so that they import again."""
    renamed = []
    for number, row in enumerate(rows):
        row = row | {"id": f"{row['id']}-{tag}"}
        if row["type"] == "bond":
            body = f"{tag}{number:07d}"
            row["isin"] = isin_from_cusip(body + cusip_check_digit(body))
        renamed.append(row)
    return renamed


def csv_body(rows: list[dict[str, Any]]) -> bytes:
    fields = sorted({key for row in rows for key in row}, key=lambda name: (name != "type", name))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def copy_baseline(sessions: SessionFactory, body: bytes) -> float:
    """Seconds to COPY the CSV into a scratch table of text columns, committed."""
    header = body.split(b"\n", 1)[0].decode().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)
    with transaction(sessions) as session:
        cursor = session.connection().connection.cursor()
        cursor.execute(f"CREATE TABLE bulk_bench_scratch ({columns})")
    started = time.perf_counter()
    with transaction(sessions) as session:
        cursor = session.connection().connection.cursor()
        cursor.copy_expert(
            "COPY bulk_bench_scratch FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(body)
        )
    return time.perf_counter() - started


def phases(sessions: SessionFactory, rows: list[dict[str, Any]]) -> dict[str, float]:
    """The import of ``rows`` in-process, seconds per phase (JSON parsing from the encoded body)."""
    body = json.dumps({"instruments": rows}).encode()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    parsed = bulk.parse_json(body)
    timings["parse_json"] = time.perf_counter() - started
    with transaction(sessions) as session:
        started = time.perf_counter()
        valid, errors = bulk._validated(parsed)
        timings["validate_rows"] = time.perf_counter() - started
        assert not errors, errors[:3]
        started = time.perf_counter()
        conflicts = stored_conflicts(session, valid)
        timings["stored_key_checks"] = time.perf_counter() - started
        assert not conflicts, conflicts[:3]
        started = time.perf_counter()
        copy_instruments(session, valid)
        timings["copy_all_tables_and_events"] = time.perf_counter() - started
        started = time.perf_counter()
    timings["commit"] = time.perf_counter() - started
    return {name: round(seconds, 2) for name, seconds in timings.items()}


def _post(base: str, token: str, body: bytes, content_type: str) -> tuple[float, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    started = time.perf_counter()
    response = httpx.post(f"{base}/api/v1/instruments/bulk", content=body, headers=headers, timeout=600)
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"bulk import answered {response.status_code}: {response.text[:2000]}")
    return seconds, response.json()


def _until_published(sessions: SessionFactory, limit_s: float = 600.0) -> float:
    started = time.perf_counter()
    while pending_count(sessions) and time.perf_counter() - started < limit_s:
        time.sleep(0.1)
    if pending_count(sessions):
        raise RuntimeError(f"the relay did not publish every event within {limit_s:.0f} s")
    return time.perf_counter() - started


def book_watcher(
    settings: Any, database_url: str, events: str, run: str, load: Any, sessions: SessionFactory
) -> dict[str, Any]:
    """The engine's book watcher (``actors.book_watcher.BookWatcherCore``, without shard actors: their
    ``add``/``remove`` are no-ops) applying the events of one bulk import: consume, reload the positions
    from PostgreSQL, weigh and place them on 2 shards, save the assignment in Redis (database 14)."""
    import redis

    from actors.book_watcher import BookWatcherCore
    from actors.kafka_io import EngineTopics
    from core.keys import ENGINE_SHARDS

    watched = settings.model_copy(update={"postgres_db": database_url.rsplit("/", 1)[1], "redis_db": 14})
    client = redis.Redis.from_url(watched.redis_url)
    client.delete(ENGINE_SHARDS)
    topics = EngineTopics(events=events, group=f"bench-bulk-{run}")
    core = BookWatcherCore(watched, lambda *_: None, lambda *_: None, {0: 0, 1: 0}, True, topics)
    try:
        _seconds, answer = load()
        changes = answer["created"]
        published_s = _until_published(sessions)
        started = time.perf_counter()
        applied = 0
        while applied < changes and time.perf_counter() - started < 600:
            applied += core.sync(max_wait_s=5.0)
        seconds = time.perf_counter() - started
    finally:
        core.close()
        client.delete(ENGINE_SHARDS)
        client.close()
    return {
        "changes": changes,
        "applied": applied,
        "events_published_s_after_201": round(published_s, 2),
        "sync_seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument(
        "--watcher-changes",
        type=int,
        default=10_000,
        help="then import this many more and time the book watcher applying them (0: skip)",
    )
    args = parser.parse_args()
    settings = get_settings()
    token = settings.api_token.get_secret_value()
    run = uuid.uuid4().hex[:8]
    import ray
    from ray import serve

    from serve_app import SERVE_LOGGING, build_app

    rows = generated_rows(args.size, AS_OF)
    json_body = json.dumps({"instruments": rows}).encode()
    csv_rows = _renamed(rows, "C")
    body_csv = csv_body(csv_rows)
    results: dict[str, Any] = {"rows": args.size, "json_mb": round(len(json_body) / 1e6, 1)}
    results["csv_mb"] = round(len(body_csv) / 1e6, 1)
    events = f"secmaster.events.bench-bulk-{run}"
    with bench_database(settings, f"risk_bench_bulk_{run}") as url:
        sessions = session_factory(url)
        with transaction(sessions) as session:
            session.add_all(Book(name=name, description="generated bench book") for name in GENERATED_BOOKS)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            serve.start(http_options={"host": "127.0.0.1", "port": free_port()}, logging_config=SERVE_LOGGING)
            app_args = {
                "database_url": url,
                "redis_url": settings.redis_url,
                "kafka_bootstrap": settings.kafka_bootstrap,
                "events_topic": events,
            }
            serve.run(build_app(app_args), name="bench-bulk", route_prefix="/")
            from ray.serve.context import _get_global_client

            base = f"http://127.0.0.1:{_get_global_client().http_config.port}"
            seconds, answer = _post(base, token, json_body, "application/json")
            results["http_json"] = {"seconds": round(seconds, 2), "created": answer["created"]}
            results["http_json"]["events_published_s_after_201"] = round(_until_published(sessions), 2)
            seconds, answer = _post(base, token, body_csv, "text/csv")
            results["http_csv"] = {"seconds": round(seconds, 2), "created": answer["created"]}
            results["http_csv"]["events_published_s_after_201"] = round(_until_published(sessions), 2)
            if args.watcher_changes:
                watcher_rows = _renamed(rows[: args.watcher_changes], "W")
                results["book_watcher"] = book_watcher(
                    settings, url, events, run, lambda: _post(base, token, json.dumps(watcher_rows).encode(),
                                                              "application/json"), sessions
                )  # fmt: skip
        finally:
            serve.shutdown()
            ray.shutdown()
        results["copy_baseline_s"] = round(copy_baseline(sessions, body_csv), 2)
        results["in_process_phases_s"] = phases(sessions, _renamed(rows, "P"))
        sessions.kw["bind"].dispose()
        from confluent_kafka.admin import AdminClient

        AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics([events])
    worst = max(results["http_json"]["seconds"], results["http_csv"]["seconds"])
    report = {
        "benchmark": f"POST /api/v1/instruments/bulk, {args.size:,} instruments, JSON and CSV",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "budget_s": BUDGET_S,
        "within_budget": worst <= BUDGET_S,
        "events": "one 'created' event per instrument (the format of single creates), through the outbox",
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bulk.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    print(f"worst import {worst:.1f} s (budget {BUDGET_S:g} s): {'met' if worst <= BUDGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
