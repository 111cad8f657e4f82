"""Scratch PostgreSQL databases for tests, on the project's server: created, migrated to head, dropped.

The ``risk`` role needs ``CREATEDB`` (the local service grants it). Used by the integration, batch and
browser fixtures, each with a database name of its own so suites never share rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import Settings
from secmaster import migrate


def _admin_execute(settings: Settings, statement: str) -> None:
    engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def scratch_url(settings: Settings, name: str) -> str:
    """The URL of database ``name`` on the project's server (same role and password)."""
    return make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def scratch_database(settings: Settings, name: str, keep: bool = False) -> Iterator[str]:
    """Database ``name`` migrated to head; yields its URL.

    ``keep=False``: dropped first (a fresh database) and dropped again at the end. ``keep=True``: created
    only if missing, migrated, and left in place (a database a running stack keeps serving)."""
    if keep:
        engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    else:
        _admin_execute(settings, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin_execute(settings, f'CREATE DATABASE "{name}"')
    url = scratch_url(settings, name)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        if not keep:
            _admin_execute(settings, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
