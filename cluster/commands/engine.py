"""`riskctl run` (the real-time engine) and `riskctl status` (engine:status, readable)."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import typer

from core.config import get_settings
from core.records import BookSummaryRecord, RecordError
from core.status_record import EngineStatusRecord, MarketStatus

__all__ = ["read_status", "register", "render_status"]


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.2f}{unit}"


def _count(value: int | str | None, missing: str = "0") -> str:
    return missing if value is None else str(value)


def _when(epoch_seconds: float | None, now: float) -> str:
    """A Unix time of the engine (``updated_at``) as ISO 8601 in UTC with its age:
    ``2026-02-02T19:12:03+00:00 (4 s ago)``."""
    if epoch_seconds is None:
        return "-"
    stamp = datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="seconds")
    return f"{stamp} ({max(0, round(now - epoch_seconds)):,d} s ago)"


def _market(name: str, market: MarketStatus | None, stale: bool) -> str:
    """``EUR 2026-02-02 seq 41`` (``STALE`` when its latest tick was rejected)."""
    market = market or MarketStatus()
    return f"{name} {_count(market.as_of, '-')} seq {_count(market.seq, '-')}" + (" STALE" if stale else "")


def render_status(
    status: EngineStatusRecord,
    summary: BookSummaryRecord | None,
    now: float | None = None,
    errors: Sequence[str] = (),
) -> str:
    """engine:status and the portfolio summary as a few readable lines; times in ISO 8601 with their
    zone (``now``: the wall clock in Unix seconds, for the ages). ``errors``: records that could not be
    read (:func:`read_status`), one line each."""
    now = time.time() if now is None else now
    unreadable = [f"unreadable {error}" for error in errors]
    if not status.reported:
        return "\n".join(
            ["engine: no status in Redis (is the engine running? start it with `riskctl run`)", *unreadable]
        )
    s = status
    stale_markets = s.stale_markets or ()
    lines = [
        f"engine     {s.state or '?'}  shards {_count(s.shards, '-')}  "
        f"positions {_count(s.instruments, '-')}  updated {_when(s.updated_at, now)}",
        f"last tick  seq {_count(s.last_seq, '-')} {s.last_market or ''} "
        f"market time {s.last_market_time or '-'}",
        f"ticks      processed {_count(s.ticks_processed)}  conflated {_count(s.ticks_conflated)}  "
        f"rejected {_count(s.ticks_rejected)}  dlq {_count(s.ticks_dlq)}  "
        f"duplicates {_count(s.ticks_duplicate)}  lag {_count(s.consumer_lag, '-')}  "
        f"consumer restarts {_count(s.consumer_restarts)}"
        + (f"  consumers {s.consumers}" if s.consumers else ""),
        "markets    " + "  ".join(_market(m, s.markets.get(m), m in stale_markets) for m in ("USD", "EUR")),
        f"latency    tick->redis p50 {_fmt(s.latency('total', 50), ' ms')}  "
        f"p95 {_fmt(s.latency('total', 95), ' ms')}  p99 {_fmt(s.latency('total', 99), ' ms')}  "
        f"(shards p95 {_fmt(s.latency('shards', 95), ' ms')})",
    ]
    if summary is not None:
        stale = f"  STALE: {summary.stale_reason}" if summary.stale else ""
        lines.append(
            f"portfolio  PV {_fmt(summary.pv)} USD  DV01 {_fmt(summary.dv01)}  "
            f"gamma {_fmt(summary.gamma)}  P&L {_fmt(summary.pnl_open)}  "
            f"ok {summary.n_ok} failed {summary.n_failed} pending {summary.n_pending}{stale}"
        )
    if s.last_error:
        lines.append(f"last error {s.last_error}")
    return "\n".join([*lines, *unreadable])


def read_status() -> tuple[EngineStatusRecord, BookSummaryRecord | None, list[str]]:
    """``engine:status`` and the portfolio's summary from Redis, with the error of each that does not
    hold its record (that one is then empty); raises ``redis.RedisError`` when Redis is unreachable."""
    import redis

    from core.keys import ALL_BOOKS, ENGINE_STATUS, book_summary_key

    client = redis.Redis.from_url(get_settings().redis_url, decode_responses=True, socket_timeout=3)
    status_raw: dict[str, str] = client.hgetall(ENGINE_STATUS)  # type: ignore[assignment]
    summary_raw: dict[str, str] = client.hgetall(book_summary_key(ALL_BOOKS))  # type: ignore[assignment]
    errors: list[str] = []
    status, summary = EngineStatusRecord(), None
    try:
        status = EngineStatusRecord.from_hash(status_raw)
    except RecordError as error:
        errors.append(str(error))
    try:
        summary = BookSummaryRecord.from_hash(summary_raw) if summary_raw else None
    except RecordError as error:
        errors.append(f"{book_summary_key(ALL_BOOKS)}: {error.problem}")
    return status, summary, errors


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
        status, summary, errors = read_status()
        typer.echo(
            render_status(status, summary).splitlines()[2] if status.reported else "[engine] no status yet"
        )
        for error in errors:
            typer.echo(f"[engine] unreadable {error}")
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
    """Show the engine's state, tick counters, latency percentiles and portfolio totals.

    A Redis record that does not hold what the engine writes is printed with the field at fault, and the
    command then exits 1 (2 is a usage error, 1 also when Redis is unreachable)."""
    import redis

    try:
        engine_status, summary, errors = read_status()
    except redis.RedisError as exc:
        typer.echo(f"error: Redis not reachable: {exc}", err=True)
        sys.exit(1)
    typer.echo(render_status(engine_status, summary, errors=errors))
    if errors:  # shown above; the exit status says the engine's records need attention
        sys.exit(1)


def register(app: typer.Typer) -> None:
    app.command(name="run")(run)
    app.command(name="status")(status)
    app.command(name="stop")(stop)
