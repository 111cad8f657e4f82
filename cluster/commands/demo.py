"""`riskctl demo`: the whole system on one machine, started (or reused) in order, then what runs where.

services (PostgreSQL, Redis, Kafka, Ray head) → schema migrations → seeded security master → Serve app
(API + dashboard) → real-time engine → market replay. Every step is idempotent; `make services-down`
stops everything this command started.
"""

from __future__ import annotations

import sys
from datetime import date

import typer

from cluster.services import ServiceManager
from core.config import get_settings
from core.errors import RiskEngineError

__all__ = ["register"]

SEED_DATE = date(2026, 2, 2)  # the first day of the demo replay (cluster/services/replay_feed.py)


def _step(message: str) -> None:
    typer.echo(f"[demo] {message}", err=False)


def demo(
    swaps: int = typer.Option(2000, help="Generated swaps to seed next to the real Treasury book."),
    shards: int = typer.Option(2, help="Shard actors of the real-time engine."),
) -> None:
    """Start everything on 127.0.0.1 and print the URLs: API, dashboard, Ray dashboard.

    Safe to run again: whatever already runs is reused, the engine is restarted on the current book.
    Stop everything with `make services-down`.
    """
    import ray
    from ray import serve

    from cluster.supervisor import connect_ray, start_engine, stop_engine
    from secmaster import migrate
    from secmaster.db import make_engine, make_session_factory
    from secmaster.seed import seed
    from serve_app import SERVE_LOGGING, build_app

    settings = get_settings()
    manager = ServiceManager(settings)
    try:
        _step("starting PostgreSQL, Redis, Kafka and a Ray head")
        statuses = manager.up(["postgresql", "redis", "kafka", "ray"])
        _step("migrating the security master")
        migrate.upgrade(settings.database_url)
        _step(f"seeding the Treasury book as of {SEED_DATE} and {swaps} generated swaps")
        engine = make_engine(settings.database_url)
        try:
            seed(make_session_factory(engine), SEED_DATE, swaps)
        finally:
            engine.dispose()
        connect_ray(settings, manager.services["ray"].address)  # type: ignore[attr-defined]
        _step(f"deploying the API and dashboard on {settings.serve_url}")
        serve.start(
            http_options={"host": settings.host, "port": settings.serve_port}, logging_config=SERVE_LOGGING
        )
        args = {
            "database_url": settings.database_url,
            "redis_url": settings.redis_url,
            "kafka_bootstrap": settings.kafka_bootstrap,
            "dashboard": "ui:build_dashboard",
        }
        serve.run(build_app(args), name="risk", route_prefix="/")
        _step(f"starting the real-time engine ({shards} shards)")
        stop_engine(settings)
        start_engine(settings, shards, detached=True, progress=_step)
        _step("starting the market replay")
        statuses += manager.up(["replay"])
    except (RiskEngineError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        if ray.is_initialized():
            ray.shutdown()
    base = settings.serve_url
    typer.echo("\nThe rates risk engine is running. What runs where:")
    for status in statuses:
        typer.echo(f"  {status.name:<11} {status.state:<8} {status.where}  (log: {status.log_file})")
    typer.echo(f"  dashboard   {base}/dashboard/")
    typer.echo(f"  API         {base}/docs   (writes need: Authorization: Bearer $RISK_API_TOKEN)")
    typer.echo(f"  metrics     {base}/metrics")
    typer.echo("  engine      `riskctl status` (latency, ticks, totals)")
    typer.echo("Stop everything with `make services-down`.")


def register(app: typer.Typer) -> None:
    app.command(name="demo")(demo)
