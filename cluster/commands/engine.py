"""`riskctl run` (the real-time engine) and `riskctl status` (engine:status, readable)."""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import typer

from core.config import get_settings

__all__ = ["register"]


def _fmt(value: str | None, unit: str = "") -> str:
    if value is None or value == "":
        return "-"
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:,.2f}{unit}" if abs(number) < 1e15 else value


def _when(epoch_seconds: str | None, now: float) -> str:
    """A Unix time of the engine (``updated_at``) as ISO 8601 in UTC with its age:
    ``2026-02-02T19:12:03+00:00 (4 s ago)``."""
    try:
        seconds = float(epoch_seconds) if epoch_seconds else None
    except ValueError:
        return str(epoch_seconds)
    if seconds is None:
        return "-"
    stamp = datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="seconds")
    return f"{stamp} ({max(0, round(now - seconds)):,d} s ago)"


def render_status(status: dict[str, str], summary: dict[str, str], now: float | None = None) -> str:
    """engine:status and the portfolio summary as a few readable lines; times in ISO 8601 with their
    zone (``now``: the wall clock in Unix seconds, for the ages)."""
    now = time.time() if now is None else now
    if not status:
        return "engine: no status in Redis (is the engine running? start it with `riskctl run`)"
    lines = [
        f"engine     {status.get('state', '?')}  shards {status.get('shards', '-')}  "
        f"positions {status.get('instruments', '-')}  updated {_when(status.get('updated_at'), now)}",
        f"last tick  seq {status.get('last_seq', '-')} {status.get('last_market', '')} "
        f"market time {status.get('last_market_time', '-')}",
        f"ticks      processed {status.get('ticks_processed', 0)}  "
        f"conflated {status.get('ticks_conflated', 0)}  "
        f"rejected {status.get('ticks_rejected', 0)}  dlq {status.get('ticks_dlq', 0)}  "
        f"duplicates {status.get('ticks_duplicate', 0)}  lag {status.get('consumer_lag', '-')}  "
        f"consumer restarts {status.get('consumer_restarts', 0)}"
        + (f"  consumers {status['consumers']}" if status.get("consumers") else ""),
        "markets    "
        + "  ".join(
            f"{m} {status.get(f'as_of_{m}', '-')} seq {status.get(f'seq_{m}', '-')}"
            + (" STALE" if m in status.get("stale_markets", "").split(",") else "")
            for m in ("USD", "EUR")
        ),
        f"latency    tick->redis p50 {_fmt(status.get('total_p50_ms'), ' ms')}  "
        f"p95 {_fmt(status.get('total_p95_ms'), ' ms')}  p99 {_fmt(status.get('total_p99_ms'), ' ms')}  "
        f"(shards p95 {_fmt(status.get('shards_p95_ms'), ' ms')})",
    ]
    if summary:
        stale = f"  STALE: {summary.get('stale_reason')}" if summary.get("stale") == "1" else ""
        lines.append(
            f"portfolio  PV {_fmt(summary.get('pv'))} USD  DV01 {_fmt(summary.get('dv01'))}  "
            f"gamma {_fmt(summary.get('gamma'))}  P&L {_fmt(summary.get('pnl_open'))}  "
            f"ok {summary.get('n_ok', 0)} failed {summary.get('n_failed', 0)} "
            f"pending {summary.get('n_pending', 0)}{stale}"
        )
    if status.get("last_error"):
        lines.append(f"last error {status['last_error']}")
    return "\n".join(lines)


def _read_status() -> tuple[dict[str, str], dict[str, str]]:
    import redis

    from core.keys import ALL_BOOKS, ENGINE_STATUS, book_summary_key

    client = redis.Redis.from_url(get_settings().redis_url, decode_responses=True, socket_timeout=3)
    status: Any = client.hgetall(ENGINE_STATUS)
    summary: Any = client.hgetall(book_summary_key(ALL_BOOKS))
    return status, summary


def run(
    shards: int = typer.Option(0, help="Shard actors; 0 = one per CPU of the Ray cluster."),
    address: str = typer.Option(
        None, help="Ray cluster to attach to (default RISK_RAY_ADDRESS, else local)."
    ),
    engine: str = typer.Option("fast", help="Valuation engine: fast (numpy) or quantlib (reference)."),
    detach: bool = typer.Option(False, help="Leave the engine running in the Ray cluster and exit."),
    interval: float = typer.Option(2.0, help="Seconds between status lines in the foreground."),
    consumers: int = typer.Option(
        0,
        help="Tick consumers in the Kafka group risk-engine (each owns some markets' partitions; when one "
        "dies, another takes them over); 0 = 2 on a multi-node Ray cluster, 1 on a single node.",
    ),
    curve_workers: int | None = typer.Option(
        None,
        min=0,
        help="Processes that bootstrap a share of each tick's bumped curves while the consumer bootstraps "
        "its own; default one per spare CPU of the Ray cluster (at most 3); 0 = the consumer alone.",
    ),
) -> None:
    """Run the real-time engine: consume market.curves, revalue the book on every tick, write Redis.

    The book is loaded from PostgreSQL and balanced over the shard actors by cashflow count; changes
    made through the API reach the shards before the next tick. Ctrl-C stops the engine cleanly.
    """
    import ray
    import redis

    from cluster.engine_lease import EngineAlreadyRunning, read_lease
    from cluster.supervisor import connect_ray, default_consumers, engine_health, start_engine, stop_engine
    from core.errors import RiskEngineError

    if consumers < 0:
        typer.echo(f"error: --consumers must be 0 (automatic) or more, got {consumers}", err=True)
        sys.exit(2)
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=3, decode_responses=True)
    try:
        holder = read_lease(client)
    except redis.RedisError as exc:
        typer.echo(
            f"error: Redis not reachable at {settings.redis_url}: {exc} (run `make services-up`)", err=True
        )
        sys.exit(1)
    if holder is not None:  # one engine per deployment: refused before anything is touched
        typer.echo(f"error: {EngineAlreadyRunning(holder, settings.redis_url)}", err=True)
        sys.exit(1)
    connect_ray(settings, address)
    cpus = ray.cluster_resources().get("CPU", os.cpu_count() or 1)  # type: ignore[no-untyped-call]
    n_shards = shards or max(1, int(cpus))
    n_consumers = consumers or default_consumers()
    stop_engine(settings)  # leftovers of an engine of this cluster whose lease expired
    try:
        handles = start_engine(
            settings,
            n_shards,
            engine,
            detached=detach,
            progress=lambda m: typer.echo(f"[engine] {m}"),
            consumers=n_consumers,
            curve_workers=curve_workers,
        )
    except (RiskEngineError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    typer.echo(
        f"[engine] running: {n_shards} shard(s), {n_consumers} tick consumer(s), "
        f"{len(handles.curve_workers)} curve worker(s), {handles.positions} "
        "positions; `riskctl status` shows it"
    )
    if detach:
        return
    stopping = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stopping.update(now=True))
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    while not stopping["now"]:
        time.sleep(interval)
        current = read_lease(client)
        if current is None or current.token != handles.lease_token:
            typer.echo(
                "[engine] stopped from elsewhere (`riskctl stop`): this engine no longer holds the lease"
            )
            break
        status, summary = _read_status()
        typer.echo(render_status(status, summary).splitlines()[2])
        unhealthy = {k: v for k, v in engine_health(n_shards, 5, n_consumers).items() if v != "ok"}
        if unhealthy:
            typer.echo(f"[engine] health: {unhealthy} (actors restart automatically)")
    typer.echo("[engine] stopping")
    stop_engine(settings)


def stop(
    address: str = typer.Option(
        None, help="Ray cluster of the engine (default: the one recorded in the engine's lease)."
    ),
) -> None:
    """Stop this deployment's real-time engine (the one holding its lease), wherever it runs.

    The consumer commits what it finished, every engine actor is killed and the lease is released, so
    that `riskctl run` can start a new engine.
    """
    import redis

    from cluster.engine_lease import read_lease
    from cluster.supervisor import connect_ray, stop_engine

    settings = get_settings()
    try:
        holder = read_lease(redis.Redis.from_url(settings.redis_url, socket_timeout=3, decode_responses=True))
    except redis.RedisError as exc:
        typer.echo(f"error: Redis not reachable at {settings.redis_url}: {exc}", err=True)
        sys.exit(1)
    target = address or (holder.ray if holder is not None else None) or settings.ray_address
    if target is None:
        typer.echo("no engine holds this deployment's lease: nothing to stop")
        return
    try:
        connect_ray(settings, target)
    except ConnectionError as exc:
        typer.echo(f"error: cannot reach the engine's Ray cluster at {target}: {exc}", err=True)
        sys.exit(1)
    stopped = stop_engine(settings)
    typer.echo(
        f"engine stopped (Ray cluster {target})" if stopped else f"no engine actors in Ray cluster {target}"
    )


def status() -> None:
    """Show the engine's state, tick counters, latency percentiles and portfolio totals."""
    import redis

    try:
        engine_status, summary = _read_status()
    except redis.RedisError as exc:
        typer.echo(f"error: Redis not reachable: {exc}", err=True)
        sys.exit(1)
    typer.echo(render_status(engine_status, summary))


def register(app: typer.Typer) -> None:
    app.command(name="run")(run)
    app.command(name="status")(status)
    app.command(name="stop")(stop)
