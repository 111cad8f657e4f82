"""`riskctl demo`: bring up everything the demo needs and print what runs where."""

from __future__ import annotations

import sys

import typer

from cluster.services import ServiceManager
from core.config import get_settings
from core.errors import ServiceError

__all__ = ["register"]


def demo() -> None:
    """Start PostgreSQL, Redis, Kafka and a local Ray head on 127.0.0.1, then print the addresses.

    Safe to run again: whatever already runs is reused. Stop everything with `make services-down`.
    """
    settings = get_settings()
    manager = ServiceManager(settings)
    try:
        statuses = manager.up([*manager.services])
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    typer.echo("The rates risk engine demo is up. What runs where:")
    for status in statuses:
        typer.echo(f"  {status.name:<11} {status.state:<8} {status.where}")
        typer.echo(f"  {'':<11} {'':<8} log: {status.log_file}")
    typer.echo(f"Logs and data: {settings.state_dir}. Stop everything with `make services-down`.")


def register(app: typer.Typer) -> None:
    app.command(name="demo")(demo)
