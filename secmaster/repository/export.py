"""The book JSON of docs/architecture.md section 5, as consumed by the risk engine and ``riskctl price``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, with_polymorphic

from secmaster.errors import NotFound
from secmaster.models import Bond, Book, Instrument, InterestRateSwap, OisSwap, Position
from secmaster.repository.terms import position_entry
from secmaster.schemas import ALL_BOOKS

__all__ = ["export_book", "load_book"]


def load_book(
    session: Session, book: str | None, instrument_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every position of ``book`` (None or ``"ALL"``: every book) as a book-format instrument dict.

    With ``instrument_ids``, only the positions in those instruments (what a change event touched).

    Each dict carries the instrument's own terms, ``book`` and the position's signed ``quantity``
    (pricing values the instrument once and scales its risk by the quantity). Ordered by book then
    instrument id. An instrument held in several books appears once per book; in a whole-portfolio load
    the entry's ``id`` then becomes ``"{id}@{book}"`` so entry ids stay unique, and ``instrument_id`` names
    the instrument (so nobody splits the id again). Instruments held in no book are not part of any book.
    Raises NotFound for an unknown book.
    """
    whole = book is None or book == ALL_BOOKS
    if not whole and session.get(Book, book) is None:
        raise NotFound(f"book {book!r} does not exist")
    any_instrument = with_polymorphic(Instrument, [Bond, InterestRateSwap, OisSwap])
    statement = (
        select(Position.book_name, Position.quantity, any_instrument)
        .join(any_instrument, any_instrument.id == Position.instrument_id)
        .order_by(Position.book_name, Position.instrument_id)
    )
    if not whole:
        statement = statement.where(Position.book_name == book)
    if instrument_ids is not None:
        statement = statement.where(Position.instrument_id.in_(list(instrument_ids)))
    rows = session.execute(statement).all()
    held_in = Counter(instrument.id for _, _, instrument in rows)
    result = []
    for book_name, quantity, instrument in rows:
        terms = position_entry(instrument, book_name, quantity)
        if held_in[instrument.id] > 1:
            terms["id"] = f"{instrument.id}@{book_name}"
            terms["instrument_id"] = instrument.id
        result.append(terms)
    return result


def export_book(session: Session, book: str | None) -> dict[str, list[dict[str, Any]]]:
    """``{"instruments": load_book(...)}``: the document ``riskctl price --book`` reads."""
    return {"instruments": load_book(session, book)}
