"""Book and position routes, and the book export consumed by the risk engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from secmaster import repository
from secmaster.api.context import Ctx, require_writer
from secmaster.api.instruments import InstrumentIdPath
from secmaster.models import Book
from secmaster.schemas import (
    ALL_BOOKS,
    BOOK_PATTERN,
    BookCreate,
    BookRead,
    BookUpdate,
    Page,
    PageQuery,
    PositionRead,
    PositionSet,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/books", tags=["books and positions"])
BookPath = Annotated[
    str, Path(pattern=BOOK_PATTERN, description="Book name; ALL for the export of every book")
]
_writer = [Depends(require_writer)]


def _book_read(book: Book, positions: int) -> BookRead:
    return BookRead(
        name=book.name,
        description=book.description,
        positions=positions,
        created_at=book.created_at,
        updated_at=book.updated_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BookRead, dependencies=_writer)
def create_book(context: Ctx, body: BookCreate) -> BookRead:
    with context.write() as session:
        book = repository.create_book(session, body)
    return _book_read(book, 0)


@router.get("", response_model=Page[BookRead])
def list_books(context: Ctx, page: Annotated[PageQuery, Query()]) -> Any:
    with context.read() as session:
        total, books = repository.list_books(session, page)
        counts = repository.position_counts(session, [book.name for book in books])
        items = [_book_read(book, counts.get(book.name, 0)) for book in books]
    return {"total": total, "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/{book}", response_model=BookRead)
def get_book(context: Ctx, book: BookPath) -> BookRead:
    with context.read() as session:
        found = repository.get_book(session, book)
        return _book_read(found, repository.position_counts(session, [book]).get(book, 0))


@router.patch("/{book}", response_model=BookRead, dependencies=_writer)
def update_book(context: Ctx, book: BookPath, body: BookUpdate) -> BookRead:
    with context.write() as session:
        found = repository.update_book(session, book, body.description)
        count = repository.position_counts(session, [book]).get(book, 0)
    return _book_read(found, count)


@router.delete("/{book}", status_code=status.HTTP_204_NO_CONTENT, dependencies=_writer)
def delete_book(
    context: Ctx,
    book: BookPath,
    force: Annotated[bool, Query(description="Also delete the book's positions")] = False,
) -> Response:
    """Delete a book; 409 if it holds positions, unless ``force=true``."""
    with context.write() as session:
        repository.delete_book(session, book, force)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{book}/export")
def export_book(context: Ctx, book: BookPath) -> dict[str, list[dict[str, Any]]]:
    """The book as docs/architecture.md §5 gives it (``ALL``: every book), as ``riskctl price`` reads it."""
    with context.read() as session:
        return repository.export_book(session, None if book == ALL_BOOKS else book)


@router.get("/{book}/positions", response_model=Page[PositionRead])
def list_positions(context: Ctx, book: BookPath, page: Annotated[PageQuery, Query()]) -> Any:
    with context.read() as session:
        total, rows = repository.list_positions(session, book, page)
        items = [_position_read(position, kind) for position, kind in rows]
    return {"total": total, "limit": page.limit, "offset": page.offset, "items": items}


def _position_read(position: Any, kind: str) -> PositionRead:
    return PositionRead(
        book=position.book_name,
        instrument_id=position.instrument_id,
        instrument_type=kind,
        quantity=position.quantity,
        created_at=position.created_at,
        updated_at=position.updated_at,
    )


@router.put("/{book}/positions/{instrument_id}", response_model=PositionRead, dependencies=_writer)
def set_position(
    context: Ctx, book: BookPath, instrument_id: InstrumentIdPath, body: PositionSet, response: Response
) -> PositionRead:
    """Open (201) or change (200) the book's position in the instrument."""
    with context.write() as session:
        position, created = repository.set_position(session, book, instrument_id, body.quantity)
        kind = repository.get_instrument(session, instrument_id).type
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _position_read(position, kind)


@router.delete(
    "/{book}/positions/{instrument_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=_writer
)
def delete_position(context: Ctx, book: BookPath, instrument_id: InstrumentIdPath) -> Response:
    with context.write() as session:
        repository.delete_position(session, book, instrument_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
