"""Books and positions; every write records its change event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from secmaster.errors import Conflict, InUse, NotFound
from secmaster.models import Book, Instrument, Position
from secmaster.outbox import record_event
from secmaster.repository.integrity import translate_integrity_error
from secmaster.schemas import BookCreate, PageQuery

__all__ = [
    "create_book",
    "delete_book",
    "delete_position",
    "get_book",
    "list_books",
    "list_positions",
    "position_counts",
    "set_position",
    "update_book",
]


def _book_data(book: Book) -> dict[str, str]:
    return {"name": book.name, "description": book.description}


def _position_data(position: Position) -> dict[str, str | float]:
    return {
        "book": position.book_name,
        "instrument_id": position.instrument_id,
        "quantity": position.quantity,
    }


def get_book(session: Session, name: str) -> Book:
    book = session.get(Book, name)
    if book is None:
        raise NotFound(f"book {name!r} does not exist")
    return book


def position_counts(session: Session, names: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(Position.book_name, func.count())
        .where(Position.book_name.in_(names))
        .group_by(Position.book_name)
    ).all()
    return {name: int(count) for name, count in rows}


def create_book(session: Session, data: BookCreate) -> Book:
    if session.get(Book, data.name) is not None:
        raise Conflict(f"book {data.name!r} already exists")
    book = Book(name=data.name, description=data.description)
    try:
        with session.begin_nested():
            session.add(book)
            session.flush()
    except IntegrityError as error:
        raise translate_integrity_error(error) from error
    session.refresh(book)
    record_event(session, "book", "created", book.name, _book_data(book))
    return book


def update_book(session: Session, name: str, description: str) -> Book:
    book = get_book(session, name)
    if book.description != description:
        book.description = description
        session.flush()
        session.refresh(book)
        record_event(session, "book", "updated", name, _book_data(book))
    return book


def delete_book(session: Session, name: str, force: bool = False) -> None:
    """Delete the book; with positions it raises InUse unless ``force`` (then they go too)."""
    book = get_book(session, name)
    positions = session.scalars(select(Position).where(Position.book_name == name)).all()
    if positions and not force:
        raise InUse(f"book {name!r} has {len(positions)} position(s); delete them or pass force=true")
    removed = [_position_data(position) for position in positions]
    for position in positions:
        session.delete(position)
    session.delete(book)
    session.flush()
    record_event(session, "book", "deleted", name, _book_data(book) | {"removed_positions": removed})


def list_books(session: Session, page: PageQuery) -> tuple[int, Sequence[Book]]:
    total = session.scalar(select(func.count()).select_from(Book)) or 0
    books = session.scalars(select(Book).order_by(Book.name).limit(page.limit).offset(page.offset)).all()
    return int(total), books


def set_position(
    session: Session, book_name: str, instrument_id: str, quantity: float
) -> tuple[Position, bool]:
    """Create or replace the position; returns it and whether it was created. Raises NotFound."""
    get_book(session, book_name)
    if session.get(Instrument, instrument_id) is None:
        raise NotFound(f"instrument {instrument_id!r} does not exist")
    position = session.scalars(
        select(Position).where(Position.book_name == book_name, Position.instrument_id == instrument_id)
    ).one_or_none()
    created = position is None
    if position is None:
        position = Position(book_name=book_name, instrument_id=instrument_id, quantity=quantity)
        session.add(position)
    elif position.quantity == quantity:
        return position, False
    else:
        position.quantity = quantity
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise translate_integrity_error(error) from error
    session.refresh(position)
    record_event(
        session, "position", "created" if created else "updated", instrument_id, _position_data(position)
    )
    return position, created


def delete_position(session: Session, book_name: str, instrument_id: str) -> None:
    position = session.scalars(
        select(Position).where(Position.book_name == book_name, Position.instrument_id == instrument_id)
    ).one_or_none()
    if position is None:
        raise NotFound(f"book {book_name!r} has no position in instrument {instrument_id!r}")
    data = _position_data(position)
    session.delete(position)
    session.flush()
    record_event(session, "position", "deleted", instrument_id, data)


def list_positions(
    session: Session, book_name: str, page: PageQuery
) -> tuple[int, Sequence[tuple[Position, str]]]:
    """The book's positions (with each instrument's type), ordered by instrument id. Raises NotFound."""
    get_book(session, book_name)
    total = (
        session.scalar(select(func.count()).select_from(Position).where(Position.book_name == book_name)) or 0
    )
    rows = session.execute(
        select(Position, Instrument.type)
        .join(Instrument, Instrument.id == Position.instrument_id)
        .where(Position.book_name == book_name)
        .order_by(Position.instrument_id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return int(total), [(position, str(kind)) for position, kind in rows]
