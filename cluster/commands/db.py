"""`riskctl db upgrade|downgrade|current`: the security master's Alembic migrations."""

from __future__ import annotations

import typer

from core.keys import TOPIC_SECMASTER_EVENTS

__all__ = ["db_app", "register"]

db_app = typer.Typer(
    help="Security master schema migrations (Alembic). The schema is created only this way.",
    no_args_is_help=True,
)
URL = typer.Option(None, "--url", help="SQLAlchemy URL; default: the RISK_POSTGRES_* settings.")


@db_app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision"), url: str | None = URL) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from secmaster import migrate

    migrate.upgrade(url, revision)
    typer.echo(f"security master schema at revision {migrate.current(url)}")


@db_app.command()
def downgrade(
    revision: str = typer.Argument("-1", help="Target revision ('base' drops everything)"),
    url: str | None = URL,
) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    from secmaster import migrate

    migrate.downgrade(url, revision)
    typer.echo(f"security master schema at revision {migrate.current(url) or 'base (empty)'}")


@db_app.command()
def current(url: str | None = URL) -> None:
    """Print the revision the database is at."""
    from secmaster import migrate

    typer.echo(migrate.current(url) or "base (empty: run `riskctl db upgrade`)")


@db_app.command()
def relay(
    topic: str = typer.Option(TOPIC_SECMASTER_EVENTS, "--topic", help="Kafka topic of the change events."),
    url: str | None = URL,
) -> None:
    """Publish the pending change events of the outbox to Kafka now (the Serve app does this by itself)."""
    from core.config import get_settings
    from secmaster.db import make_engine, make_session_factory
    from secmaster.outbox import ensure_topic, make_producer, relay_pending

    bootstrap = get_settings().kafka_bootstrap
    engine = make_engine(url)
    try:
        ensure_topic(bootstrap, topic)
        published = relay_pending(make_session_factory(engine), make_producer(bootstrap), topic)
    finally:
        engine.dispose()
    typer.echo(f"published {published} change event(s) to {topic}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
