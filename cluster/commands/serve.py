"""`riskctl serve`: start the Ray Serve application (HTTP API on RISK_HOST:RISK_SERVE_PORT) and block."""

from __future__ import annotations

import signal
import time
from typing import Any, cast

import typer

__all__ = ["register", "serve"]


def serve(
    replicas: int = typer.Option(1, "--replicas", min=1, help="Serve replicas of the API."),
    no_relay: bool = typer.Option(False, "--no-relay", help="Do not relay outbox events to Kafka."),
) -> None:
    """Start Ray (or join RISK_RAY_ADDRESS), deploy the API and block until Ctrl-C or SIGTERM."""
    import ray
    from ray import serve as ray_serve

    from core.config import get_settings
    from serve_app import SERVE_LOGGING, build_app

    settings = get_settings()
    # "local" when no cluster is named: never attach to some other Ray that happens to run here
    ray.init(address=settings.ray_address or "local", include_dashboard=False)
    ray_serve.start(
        http_options={"host": settings.host, "port": settings.serve_port}, logging_config=SERVE_LOGGING
    )
    ray_serve.run(build_app({"num_replicas": replicas, "relay": not no_relay}), name="risk", route_prefix="/")
    base = settings.serve_url
    typer.echo(f"API      {base}/api/v1/instruments\nOpenAPI  {base}/docs\nhealth   {base}/healthz")
    typer.echo(f"metrics  {base}/metrics\nCtrl-C to stop.")
    signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        cast(Any, ray_serve).shutdown()  # untyped in Ray's stubs
        ray.shutdown()


def _stop(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)
