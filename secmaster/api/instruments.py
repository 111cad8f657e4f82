"""Instrument routes: create (one, or bulk JSON/CSV), read, list, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response, status
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from secmaster import bulk, repository
from secmaster.api.context import ApiContext, Ctx, require_writer
from secmaster.errors import BulkImportRejected, RowError
from secmaster.models import Instrument
from secmaster.read_cache import CachedRead
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
        parse = bulk.parse_csv
    elif content_type in ("application/json", ""):
        parse = bulk.parse_json
    else:
        raise BulkImportRejected([RowError(0, "content-type", "send application/json or text/csv")])

    def write() -> list[str]:  # parsing 100,000 rows takes a while: off the event loop, with the write
        rows = parse(body)
        with context.write() as session:
            return bulk.import_instruments(session, rows)

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


_IfMatch = Annotated[
    str | None,
    Header(
        description="ETag(s) from an earlier read: the write happens only if the stored terms still have "
        "one of them (else 412); without it, concurrent writes are applied one after the other"
    ),
]


def _etag(instrument: Instrument) -> str:
    return repository.terms_etag(repository.instrument_terms(instrument))


def _encoded_read(context: ApiContext, instrument_id: str) -> CachedRead:
    cache = context.read_cache
    generation = cache.generation if cache is not None else 0
    with context.read() as session:
        instrument = repository.get_instrument(session, instrument_id)
        body, etag = _read.dump_json(read_model(instrument)), _etag(instrument)
    if cache is not None:
        cache.put(instrument_id, body, etag, generation)
    return CachedRead(body, etag, 0.0)


@router.get("/{instrument_id}", response_model=InstrumentRead)
async def get_instrument(context: Ctx, instrument_id: InstrumentIdPath) -> Response:
    """The instrument's terms; the ``ETag`` header identifies them for a later ``If-Match``.

    Served from the replica's read cache when it holds the instrument (kept fresh by the change events,
    see :mod:`secmaster.read_cache`), else read from the database in a worker thread.
    """
    cached = context.read_cache.get(instrument_id) if context.read_cache is not None else None
    if cached is None:
        cached = await run_in_threadpool(_encoded_read, context, instrument_id)
    return Response(cached.body, media_type="application/json", headers={"ETag": cached.etag})


@router.patch("/{instrument_id}", response_model=InstrumentRead, dependencies=_writer)
def update_instrument(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    body: Annotated[InstrumentUpdate, Body()],
    response: Response,
    if_match: _IfMatch = None,
) -> Any:
    """Change some terms (type and currency never change); the merged terms must pass every rule.

    The stored row is locked while the merged terms are validated and written, so concurrent PATCHes of
    one instrument apply one after the other and never store a mix that no rule checked. With
    ``If-Match`` a PATCH based on a stale read is refused with 412 instead of being applied.
    """
    changes = body.model_dump(exclude_unset=True)
    with context.write() as session:
        instrument = repository.update_instrument(session, instrument_id, changes, if_match)
        response.headers["ETag"] = _etag(instrument)
    context.forget(instrument_id)
    return read_model(instrument)


@router.delete("/{instrument_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=_writer)
def delete_instrument(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    force: Annotated[bool, Query(description="Also delete the instrument's positions")] = False,
    if_match: _IfMatch = None,
) -> Response:
    """Delete an instrument; 409 if books hold it, unless ``force=true``; 412 if ``If-Match`` is stale."""
    with context.write() as session:
        repository.delete_instrument(session, instrument_id, force, if_match)
    context.forget(instrument_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
