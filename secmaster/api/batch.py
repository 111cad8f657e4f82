"""Batch job results (EOD revaluation, historical VaR/ES, P&L attribution), read-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from secmaster import repository
from secmaster.api.context import Ctx
from secmaster.schemas import (
    BOOK_PATTERN,
    BatchMeasure,
    BatchResultRead,
    BatchRunDetail,
    BatchRunQuery,
    BatchRunRead,
    Page,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/batch", tags=["batch results"])
RunIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Batch run id")]


@router.get("/runs", response_model=Page[BatchRunRead])
def list_batch_runs(context: Ctx, query: Annotated[BatchRunQuery, Query()]) -> Any:
    """Batch runs, newest first (``kind``: only that job); without their results."""
    with context.read() as session:
        total, runs = repository.list_batch_runs(session, query)
        items = [BatchRunRead.model_validate(run) for run in runs]
    return {"total": total, "limit": query.limit, "offset": query.offset, "items": items}


@router.get("/runs/{run_id}", response_model=BatchRunDetail)
def get_batch_run(
    context: Ctx,
    run_id: RunIdPath,
    measure: Annotated[list[BatchMeasure] | None, Query(description="Only these measures")] = None,
    book: Annotated[
        str | None, Query(pattern=BOOK_PATTERN, description="Only this book (ALL: total)")
    ] = None,
) -> BatchRunDetail:
    """A run with its results (404 if unknown); ``measure`` (repeatable) and ``book`` narrow the results."""
    with context.read() as session:
        run = repository.get_batch_run(session, run_id)
        rows = repository.batch_results(session, run_id, measure or (), book)
        results = [BatchResultRead.model_validate(row) for row in rows]
        return BatchRunDetail.model_validate(
            {**BatchRunRead.model_validate(run).model_dump(), "results": results}
        )
