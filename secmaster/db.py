"""Engine and session factory of the security master database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings

__all__ = ["SessionFactory", "make_engine", "make_session_factory", "transaction"]

SessionFactory = sessionmaker[Session]


def make_engine(database_url: str | None = None, pool_size: int = 5) -> Engine:
    """An engine for ``database_url`` (default: the configured database); checks connections before use."""
    return create_engine(
        database_url or get_settings().database_url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
    )


def make_session_factory(engine: Engine) -> SessionFactory:
    # Objects stay readable after commit: routes serialise them once the transaction has ended.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back (and re-raises) on any exception."""
    with factory() as session, session.begin():
        yield session
