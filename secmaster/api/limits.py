"""Limit routes (``/api/v1/books/{book}/limits``) and the alert history (``/api/v1/alerts``).

A limit written here is read by the limit monitor on the next tick it checks (:mod:`actors.limit_monitor`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from secmaster.api.context import Ctx, require_writer
from secmaster.models import RiskAlert, RiskLimit
from secmaster.repository import limits as repo
from secmaster.schemas import BOOK_PATTERN
from secmaster.schemas.limits import AlertRead, LimitRead, LimitSet, LimitSetRead

__all__ = ["alerts_router", "limits_router"]

limits_router = APIRouter(prefix="/api/v1/books", tags=["limits and alerts"])
alerts_router = APIRouter(prefix="/api/v1/alerts", tags=["limits and alerts"])
BookPath = Annotated[str, Path(pattern=BOOK_PATTERN, description="Book name; ALL for the whole portfolio")]
_writer = [Depends(require_writer)]


def _read(book: str, rows: list[RiskLimit]) -> LimitSetRead:
    return LimitSetRead(
        book=book,
        limits=[
            LimitRead(
                measure=row.measure,
                limit=row.limit_usd,
                warning_pct=row.warning_pct,
                curve=row.curve,
                tenor=row.tenor,
                updated_at=row.updated_at,
            )
            for row in rows
        ],
    )


@limits_router.get("/{book}/limits", response_model=LimitSetRead)
def get_limits(context: Ctx, book: BookPath) -> LimitSetRead:
    """The book's limits (USD); 404 for an unknown book."""
    with context.read() as session:
        return _read(book, repo.book_limits(session, book))


@limits_router.put("/{book}/limits", response_model=LimitSetRead, dependencies=_writer)
def put_limits(context: Ctx, book: BookPath, body: LimitSet) -> LimitSetRead:
    """Replace the book's whole set of limits; applies from the next computed tick."""
    with context.write() as session:
        rows = repo.replace_limits(session, book, body.limits)
        return _read(book, rows)


@limits_router.delete("/{book}/limits", status_code=status.HTTP_204_NO_CONTENT, dependencies=_writer)
def delete_limits(context: Ctx, book: BookPath) -> Response:
    """Remove every limit of the book."""
    with context.write() as session:
        repo.delete_limits(session, book)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _alert(row: RiskAlert) -> AlertRead:
    return AlertRead(
        id=row.id,
        book=row.book,
        measure=row.measure,
        kind=row.kind,  # type: ignore[arg-type]
        value=row.value,
        limit=row.limit_usd,
        utilisation=row.utilisation,
        seq=row.seq,
        market=row.market,
        market_time=row.market_time,
        created_at=row.created_at,
    )


def _utc(moment: datetime | None) -> datetime | None:
    """PostgreSQL takes UTC offsets up to 15:59 only: compare in UTC (a moment before year 1 in UTC is
    the beginning of time)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


@alerts_router.get("", response_model=list[AlertRead])
def list_alerts(
    context: Ctx,
    book: Annotated[str | None, Query(pattern=BOOK_PATTERN, description="Only this book's alerts")] = None,
    since: Annotated[
        datetime | None, Query(description="Only alerts at or after this market time (ISO 8601)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, the newest")] = 200,
) -> list[AlertRead]:
    """The alert history, oldest first: one event per crossing (breach, warning, clear). ``since`` without
    a UTC offset is UTC."""
    since = _utc(since)
    with context.read() as session:
        return [_alert(row) for row in repo.list_alerts(session, book, since, limit)]
