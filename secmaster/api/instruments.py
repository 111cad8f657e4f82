"""Instrument routes: create (one, or bulk JSON/CSV), read, list, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from secmaster import bulk, repository
from secmaster.api.context import Ctx, require_writer
from secmaster.errors import BulkImportRejected, RowError
from secmaster.models import Instrument
from secmaster.schemas import (
    ID_PATTERN,
    BondCreate,
    InstrumentCreate,
    InstrumentQuery,
    InstrumentRead,
    InstrumentUpdate,
    Page,
    SwapLikeCreate,
)

__all__ = ["InstrumentIdPath", "router"]

InstrumentIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="Instrument id")]

router = APIRouter(prefix="/api/v1/instruments", tags=["instruments"])
_read = TypeAdapter[Any](InstrumentRead)
_writer = [Depends(require_writer)]


def read_model(instrument: Instrument) -> Any:
    return _read.validate_python(instrument, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InstrumentRead, dependencies=_writer)
def create_instrument(context: Ctx, body: Annotated[InstrumentCreate, Body()]) -> Any:
    """Create a bond, IBOR swap or OIS (``type`` decides); with ``book`` it also opens a position."""
    with context.write() as session:
        instrument = repository.create_instrument(session, body)
    return read_model(instrument)


@router.post(
    "/bonds", status_code=status.HTTP_201_CREATED, response_model=InstrumentRead, dependencies=_writer
)
def create_bond(context: Ctx, body: BondCreate) -> Any:
    """Create a fixed-rate or zero-coupon bond (duplicate ISIN: 409)."""
    with context.write() as session:
        instrument = repository.create_instrument(session, body)
    return read_model(instrument)


@router.post(
    "/swaps", status_code=status.HTTP_201_CREATED, response_model=InstrumentRead, dependencies=_writer
)
def create_swap(context: Ctx, body: Annotated[SwapLikeCreate, Body()]) -> Any:
    """Create an IBOR swap (``type: swap``) or an overnight-index swap (``type: ois``)."""
    with context.write() as session:
        instrument = repository.create_instrument(session, body)
    return read_model(instrument)


_BULK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"instruments": {"type": "array"}}}
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.post("/bulk", status_code=status.HTTP_201_CREATED, dependencies=_writer, openapi_extra=_BULK_BODY)
async def bulk_import(context: Ctx, request: Request) -> dict[str, Any]:
    """Import many instruments from the book JSON or a CSV (``Content-Type: text/csv``) in one transaction.

    Any failing row rejects the whole import (nothing is written): 422 (409 if every failure is a
    duplicate) with ``errors: [{row, field, msg}]``.
    """
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type == "text/csv":
        rows = bulk.parse_csv(body)
    elif content_type in ("application/json", ""):
        rows = bulk.parse_json(body)
    else:
        raise BulkImportRejected([RowError(0, "content-type", "send application/json or text/csv")])

    def write() -> list[str]:
        with context.write() as session:
            return [instrument.id for instrument in bulk.import_instruments(session, rows)]

    ids = await run_in_threadpool(write)
    return {"created": len(ids), "ids": ids}


@router.get("", response_model=Page[InstrumentRead])
def list_instruments(context: Ctx, query: Annotated[InstrumentQuery, Query()]) -> Any:
    """Instruments matching the filters, one page at a time, with the total count (limit <= 1000)."""
    with context.read() as session:
        total, items = repository.list_instruments(session, query)
        return {
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
            "items": [read_model(i) for i in items],
        }


@router.get("/{instrument_id}", response_model=InstrumentRead)
def get_instrument(context: Ctx, instrument_id: InstrumentIdPath) -> Any:
    with context.read() as session:
        return read_model(repository.get_instrument(session, instrument_id))


@router.patch("/{instrument_id}", response_model=InstrumentRead, dependencies=_writer)
def update_instrument(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    body: Annotated[InstrumentUpdate, Body()],
) -> Any:
    """Change some terms (type and currency never change); the merged terms must pass every rule."""
    changes = body.model_dump(exclude_unset=True)
    with context.write() as session:
        instrument = repository.update_instrument(session, instrument_id, changes)
    return read_model(instrument)


@router.delete("/{instrument_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=_writer)
def delete_instrument(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    force: Annotated[bool, Query(description="Also delete the instrument's positions")] = False,
) -> Response:
    """Delete an instrument; 409 if books hold it, unless ``force=true``."""
    with context.write() as session:
        repository.delete_instrument(session, instrument_id, force)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
