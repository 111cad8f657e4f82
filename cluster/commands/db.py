"""`riskctl db upgrade|downgrade|current`: the security master's Alembic migrations."""

from __future__ import annotations

import typer

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


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
