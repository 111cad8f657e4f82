"""Instrument reads and writes; every write records its change event in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, with_polymorphic

from secmaster.errors import DuplicateInstrument, InUse, NotFound, PreconditionFailed, RuleViolation
from secmaster.models import Bond, Book, Instrument, InterestRateSwap, OisSwap, Position
from secmaster.outbox import record_event
from secmaster.repository.integrity import translate_integrity_error
from secmaster.repository.terms import apply_terms, instrument_terms, new_instrument, terms_etag
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
    "default_id",
    "delete_instrument",
    "get_instrument",
    "list_instruments",
    "lock_instrument",
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


def default_id(data: BondCreate | SwapCreate | OisCreate) -> str:
    """The id of an instrument created without one: ``BOND-`` + ISIN, ``IRS-``/``OIS-`` + a random suffix."""
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
    instrument_id = data.id or default_id(data)
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


def lock_instrument(session: Session, instrument_id: str, if_match: str | None = None) -> Instrument:
    """The instrument, its row locked until the caller's transaction ends; raises NotFound.

    Every writer of an instrument takes this lock first, so concurrent writes of one instrument run one
    after the other, each on the terms the previous one stored (the lock is on ``instruments``: a
    ``FOR UPDATE`` cannot lock the outer-joined child tables of the polymorphic load). ``if_match``: an
    ``If-Match`` header value (one or more ETags, or ``*``); raises PreconditionFailed when the stored
    terms no longer have any of those ETags.
    """
    statement = select(Instrument.id).where(Instrument.id == instrument_id).with_for_update()
    if session.scalar(statement) is None:
        raise NotFound(f"instrument {instrument_id!r} does not exist")
    instrument = session.scalars(
        select(_ANY_INSTRUMENT)
        .where(_ANY_INSTRUMENT.id == instrument_id)
        .execution_options(populate_existing=True)
    ).one()
    if if_match is not None:
        current = terms_etag(instrument_terms(instrument))
        wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
        if "*" not in wanted and current not in wanted:
            raise PreconditionFailed(
                f"instrument {instrument_id!r} changed since you read it (ETag now {current}, If-Match "
                f"{if_match}); read it again and re-apply your change"
            )
    return instrument


def update_instrument(
    session: Session, instrument_id: str, changes: dict[str, Any], if_match: str | None = None
) -> Instrument:
    """Apply a partial update after re-validating the merged terms with the type's Create rules.

    The row is locked first (:func:`lock_instrument`), so the merged terms validated here are exactly
    the terms this transaction stores, and the ``updated`` event carries them (read back after the write).
    ``changes`` is the request body; raises ``pydantic.ValidationError`` (fields of another type, broken
    rules), NotFound, DuplicateInstrument and PreconditionFailed (``if_match``). Records an ``updated``
    event only if something changed.
    """
    instrument = lock_instrument(session, instrument_id, if_match)
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


def delete_instrument(
    session: Session, instrument_id: str, force: bool = False, if_match: str | None = None
) -> None:
    """Delete the instrument; with positions it raises InUse unless ``force`` (then they go too).

    Raises NotFound and PreconditionFailed (``if_match``, see :func:`lock_instrument`).
    """
    instrument = lock_instrument(session, instrument_id, if_match)
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
