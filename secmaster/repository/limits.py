"""Risk limits and the alert history (tables of revision 0003; rules in :mod:`core.limits`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.keys import ALL_BOOKS
from core.limits import AlertEvent, Level, Limit
from secmaster.errors import NotFound
from secmaster.models import Book, RiskAlert, RiskLimit
from secmaster.schemas.limits import LimitIn

__all__ = [
    "alert_levels",
    "all_limits",
    "book_limits",
    "delete_limits",
    "list_alerts",
    "mark_published",
    "record_alerts",
    "replace_limits",
    "unpublished_alerts",
]


def _check_book(session: Session, book: str) -> None:
    if book != ALL_BOOKS and session.get(Book, book) is None:
        raise NotFound(f"book {book!r} does not exist")


def book_limits(session: Session, book: str) -> list[RiskLimit]:
    """The book's limits (404 for an unknown book other than ``ALL``)."""
    _check_book(session, book)
    query = select(RiskLimit).where(RiskLimit.book == book)
    return list(session.scalars(query.order_by(RiskLimit.measure, RiskLimit.curve, RiskLimit.tenor)))


def replace_limits(session: Session, book: str, limits: Sequence[LimitIn]) -> list[RiskLimit]:
    """Replace the book's whole set of limits in the caller's transaction."""
    _check_book(session, book)
    session.execute(delete(RiskLimit).where(RiskLimit.book == book))
    rows = [
        RiskLimit(
            book=book,
            measure=item.measure,
            curve=item.curve,
            tenor=item.tenor,
            limit_usd=item.limit,
            warning_pct=item.warning_pct,
        )
        for item in limits
    ]
    session.add_all(rows)
    session.flush()
    return book_limits(session, book)


def delete_limits(session: Session, book: str) -> int:
    """Remove every limit of the book; returns how many there were."""
    _check_book(session, book)
    result = session.execute(delete(RiskLimit).where(RiskLimit.book == book))
    return int(getattr(result, "rowcount", 0) or 0)


def all_limits(session: Session) -> list[Limit]:
    """Every stored limit as :class:`core.limits.Limit` (what the limit monitor checks each tick)."""
    return [
        Limit(row.book, row.measure, row.limit_usd, row.warning_pct, row.curve, row.tenor)  # type: ignore[arg-type]
        for row in session.scalars(select(RiskLimit))
    ]


def record_alerts(
    session: Session, events: Sequence[AlertEvent], seq: int, market: str, market_time: datetime
) -> list[RiskAlert]:
    """Add the events of one tick to the history (unpublished) in the caller's transaction."""
    rows = [
        RiskAlert(
            book=event.check.book,
            measure=event.check.key,
            kind=event.kind,
            value=event.check.value,
            limit_usd=event.check.limit,
            utilisation=event.check.utilisation,
            seq=seq,
            market=market,
            market_time=market_time,
        )
        for event in events
    ]
    session.add_all(rows)
    session.flush()
    return rows


def alert_levels(session: Session) -> dict[tuple[str, str], Level]:
    """The level every alert key was left at by its last event (``clear`` -> ``ok``)."""
    last = select(func.max(RiskAlert.id)).group_by(RiskAlert.book, RiskAlert.measure).scalar_subquery()
    rows = session.execute(
        select(RiskAlert.book, RiskAlert.measure, RiskAlert.kind).where(RiskAlert.id.in_(last))
    )
    return {(book, key): cast(Level, "ok" if kind == "clear" else kind) for book, key, kind in rows}


def unpublished_alerts(session: Session) -> list[RiskAlert]:
    return list(
        session.scalars(select(RiskAlert).where(RiskAlert.published_at.is_(None)).order_by(RiskAlert.id))
    )


def mark_published(session: Session, ids: Sequence[int]) -> None:
    if ids:
        session.execute(update(RiskAlert).where(RiskAlert.id.in_(ids)).values(published_at=datetime.now(UTC)))


def list_alerts(session: Session, book: str | None, since: datetime | None, limit: int) -> list[RiskAlert]:
    """The newest ``limit`` events (of ``book``, at or after ``since`` by market time), oldest first."""
    query = select(RiskAlert)
    if book is not None:
        query = query.where(RiskAlert.book == book)
    if since is not None:
        query = query.where(RiskAlert.market_time >= since)
    rows = list(session.scalars(query.order_by(RiskAlert.id.desc()).limit(limit)))
    return rows[::-1]
