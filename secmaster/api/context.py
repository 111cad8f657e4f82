"""What the routes need from the application: the session factory, the token and a post-commit hook."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from sqlalchemy.orm import Session

from secmaster.db import SessionFactory, transaction
from secmaster.read_cache import InstrumentReadCache

__all__ = ["ApiContext", "Ctx", "require_writer"]


def _no_op() -> None:
    return None


@dataclass
class ApiContext:
    """Stored on ``app.state.secmaster`` by the application that mounts the router."""

    sessions: SessionFactory
    api_token: SecretStr
    #: called after each committed write (the Serve app nudges the outbox relay)
    after_commit: Callable[[], None] = field(default=_no_op)
    #: encoded single-instrument reads (None: every read goes to the database)
    read_cache: InstrumentReadCache | None = None

    def forget(self, instrument_id: str) -> None:
        """Drop the cached read of an instrument this process has just changed (call after the commit)."""
        if self.read_cache is not None:
            self.read_cache.invalidate([instrument_id])

    @contextmanager
    def write(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session
        self.after_commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session


async def _context(request: Request) -> ApiContext:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop on every request
    context: ApiContext = request.app.state.secmaster
    return context


Ctx = Annotated[ApiContext, Depends(_context)]
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <RISK_API_TOKEN>")


async def require_writer(
    context: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Writes need ``Authorization: Bearer <RISK_API_TOKEN>``: none -> 401, wrong -> 403."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "writes need the header 'Authorization: Bearer <RISK_API_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    expected = context.api_token.get_secret_value().encode()
    if not secrets.compare_digest(credentials.credentials.encode(), expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the bearer token is not the API token")
