"""`riskctl services up|down|status`: the local PostgreSQL, Redis and Kafka on loopback."""

from __future__ import annotations

import sys

import typer

from cluster.services import ServiceManager
from cluster.services.manager import ServiceStatus
from core.errors import ServiceError

__all__ = ["register", "services_app"]

services_app = typer.Typer(
    help=(
        "Local services on 127.0.0.1: PostgreSQL and Redis from Debian's packages, Apache Kafka (KRaft) "
        "from Maven Central jars. Data, logs and pid files live in RISK_STATE_DIR (default .local/)."
    ),
    no_args_is_help=True,
)

NAMES = typer.Argument(
    None,
    help="Services: postgresql, redis, kafka, ray (the demo's Ray head). Default: up starts the first "
    "three, down stops all.",
)


def _print(statuses: list[ServiceStatus]) -> None:
    for s in statuses:
        pid = f"pid {s.pid}" if s.pid else ""
        typer.echo(f"  {s.name:<11} {s.state:<12} {s.where:<45} {pid:<11} log: {s.log_file}")


@services_app.command()
def up(names: list[str] | None = NAMES) -> None:
    """Install what is missing, start what is not running, wait until every service answers."""
    try:
        statuses = ServiceManager().up(names)
    except (ServiceError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    typer.echo("services up:")
    _print(statuses)


@services_app.command()
def down(names: list[str] | None = NAMES) -> None:
    """Stop exactly the processes this manager started (recorded in pid files), nothing else."""
    try:
        statuses = ServiceManager().down(names)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    typer.echo("services down:")
    _print(statuses)


@services_app.command(name="test-tools")
def test_tools() -> None:
    """Install the Debian packages the tests need if missing: chromium (browser tests), curl (README)."""
    from cluster.services.test_tools import ensure_test_tools
    from core.config import get_settings

    try:
        states = ensure_test_tools(get_settings())
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    typer.echo("test tools: " + ", ".join(f"{pkg} {state}" for pkg, state in states.items()))


@services_app.command()
def status() -> None:
    """Show which services run, where, and their log files; exit code 1 if any is down."""
    statuses = ServiceManager().status()
    _print(statuses)
    if any(s.state != "running" for s in statuses if s.name != "ray"):
        sys.exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(services_app, name="services")
