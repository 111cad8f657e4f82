"""Instrument reads and writes; every write records its change event in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, with_polymorphic

from secmaster.errors import DuplicateInstrument, InUse, NotFound, RuleViolation
from secmaster.models import Bond, Book, Instrument, InterestRateSwap, OisSwap, Position
from secmaster.outbox import record_event
from secmaster.repository.integrity import translate_integrity_error
from secmaster.repository.terms import apply_terms, instrument_terms, new_instrument
from secmaster.schemas import (
    BondCreate,
    BondUpdate,
    InstrumentQuery,
    OisCreate,
    OisUpdate,
    SwapCreate,
    SwapUpdate,
)

__all__ = [
    "create_instrument",
    "delete_instrument",
    "get_instrument",
    "list_instruments",
    "update_instrument",
]

_ANY_INSTRUMENT = with_polymorphic(Instrument, [Bond, InterestRateSwap, OisSwap])
_ID_PREFIX = {"bond": "BOND", "swap": "IRS", "ois": "OIS"}
_UPDATE_MODELS: dict[str, type[BondUpdate | SwapUpdate | OisUpdate]] = {
    "bond": BondUpdate,
    "swap": SwapUpdate,
    "ois": OisUpdate,
}
_CREATE_MODELS: dict[str, type[BondCreate | SwapCreate | OisCreate]] = {
    "bond": BondCreate,
    "swap": SwapCreate,
    "ois": OisCreate,
}


def _default_id(data: BondCreate | SwapCreate | OisCreate) -> str:
    if isinstance(data, BondCreate):
        return f"BOND-{data.isin}"
    return f"{_ID_PREFIX[data.type]}-{uuid.uuid4().hex[:12].upper()}"


def get_instrument(session: Session, instrument_id: str) -> Instrument:
    """The instrument with its type-specific terms; raises NotFound."""
    found = session.scalars(select(_ANY_INSTRUMENT).where(_ANY_INSTRUMENT.id == instrument_id)).one_or_none()
    if found is None:
        raise NotFound(f"instrument {instrument_id!r} does not exist")
    return found


def create_instrument(session: Session, data: BondCreate | SwapCreate | OisCreate) -> Instrument:
    """Insert the instrument (and its position when ``data.book`` is set) and record a ``created`` event.

    Raises DuplicateInstrument (same id, ISIN or CUSIP) and RuleViolation (unknown book).
    """
    instrument_id = data.id or _default_id(data)
    isin = getattr(data, "isin", None)
    if isin is not None and session.scalar(select(Instrument.id).where(Instrument.isin == isin)) is not None:
        raise DuplicateInstrument(f"an instrument with ISIN {isin} already exists")
    if session.get(Instrument, instrument_id) is not None:
        raise DuplicateInstrument(f"instrument {instrument_id!r} already exists")
    if data.book is not None and session.get(Book, data.book) is None:
        raise RuleViolation("book", f"book {data.book!r} does not exist; create it with POST /api/v1/books")
    instrument = new_instrument(data, instrument_id)
    try:
        with session.begin_nested():
            session.add(instrument)
            session.flush()
            if data.book is not None:
                session.add(
                    Position(book_name=data.book, instrument_id=instrument_id, quantity=data.quantity)
                )
                session.flush()
    except IntegrityError as error:
        raise translate_integrity_error(error) from error
    event = instrument_terms(instrument)
    if data.book is not None:
        event["position"] = {"book": data.book, "quantity": data.quantity}
    record_event(session, "instrument", "created", instrument_id, event)
    return instrument


def update_instrument(session: Session, instrument_id: str, changes: dict[str, Any]) -> Instrument:
    """Apply a partial update after re-validating the merged terms with the type's Create rules.

    ``changes`` is the request body; raises ``pydantic.ValidationError`` (fields of another type, broken
    rules), NotFound and DuplicateInstrument. Records an ``updated`` event only if something changed.
    """
    instrument = get_instrument(session, instrument_id)
    update = _UPDATE_MODELS[instrument.type].model_validate(changes)
    merged = instrument_terms(instrument) | update.model_dump(exclude_unset=True)
    data = _CREATE_MODELS[instrument.type].model_validate(merged)
    isin = getattr(data, "isin", None)
    if isin is not None and isin != getattr(instrument, "isin", None):
        clash = session.scalar(
            select(Instrument.id).where(Instrument.isin == isin, Instrument.id != instrument_id)
        )
        if clash is not None:
            raise DuplicateInstrument(f"instrument {clash!r} already has ISIN {isin}")
    changed = apply_terms(instrument, data)
    if changed:
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        session.refresh(instrument)
        record_event(
            session,
            "instrument",
            "updated",
            instrument_id,
            instrument_terms(instrument) | {"changed": changed},
        )
    return instrument


def delete_instrument(session: Session, instrument_id: str, force: bool = False) -> None:
    """Delete the instrument; with positions it raises InUse unless ``force`` (then they go too)."""
    instrument = get_instrument(session, instrument_id)
    positions = session.scalars(select(Position).where(Position.instrument_id == instrument_id)).all()
    if positions and not force:
        books = ", ".join(sorted(position.book_name for position in positions))
        raise InUse(f"instrument {instrument_id!r} has positions in {books}; delete them or pass force=true")
    removed = [{"book": position.book_name, "quantity": position.quantity} for position in positions]
    for position in positions:
        session.delete(position)
    event = {"id": instrument_id, "type": instrument.type, "removed_positions": removed}
    session.delete(instrument)
    session.flush()
    record_event(session, "instrument", "deleted", instrument_id, event)


def _filtered(query: InstrumentQuery, statement: Select[Any]) -> Select[Any]:
    if query.type is not None:
        statement = statement.where(Instrument.type == query.type)
    if query.currency is not None:
        statement = statement.where(Instrument.currency == query.currency)
    if query.maturity_from is not None:
        statement = statement.where(Instrument.maturity_date >= query.maturity_from)
    if query.maturity_to is not None:
        statement = statement.where(Instrument.maturity_date <= query.maturity_to)
    if query.book is not None:
        held = exists().where(Position.instrument_id == Instrument.id, Position.book_name == query.book)
        statement = statement.where(held)
    return statement


def list_instruments(session: Session, query: InstrumentQuery) -> tuple[int, Sequence[Instrument]]:
    """The total count matching the filters and the requested page, sorted by ``query.sort`` then id."""
    total = session.scalar(_filtered(query, select(func.count()).select_from(Instrument))) or 0
    key = query.sort.lstrip("-")
    column = getattr(_ANY_INSTRUMENT, key)
    order = column.desc() if query.sort.startswith("-") else column.asc()
    statement = _filtered(query, select(_ANY_INSTRUMENT)).order_by(order, _ANY_INSTRUMENT.id)
    items = session.scalars(statement.limit(query.limit).offset(query.offset)).all()
    return int(total), items
