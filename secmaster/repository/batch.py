"""Batch runs and their results, read-only (``cluster.batch`` writes them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secmaster.errors import NotFound
from secmaster.models import BatchResult, BatchRun
from secmaster.schemas.batch import BatchRunQuery

__all__ = ["batch_results", "get_batch_run", "list_batch_runs"]


def list_batch_runs(session: Session, query: BatchRunQuery) -> tuple[int, Sequence[BatchRun]]:
    """One page of runs, newest first, with the number of runs matching the filter."""
    where = [] if query.kind is None else [BatchRun.kind == query.kind]
    total = session.scalar(select(func.count()).select_from(BatchRun).where(*where)) or 0
    runs = session.scalars(
        select(BatchRun).where(*where).order_by(BatchRun.id.desc()).limit(query.limit).offset(query.offset)
    ).all()
    return int(total), runs


def get_batch_run(session: Session, run_id: int) -> BatchRun:
    run = session.get(BatchRun, run_id)
    if run is None:
        raise NotFound(f"batch run {run_id} does not exist")
    return run


def batch_results(
    session: Session, run_id: int, measures: Sequence[str] = (), book: str | None = None
) -> Sequence[BatchResult]:
    """The run's results by date, book, measure and key; only ``measures`` and ``book`` if given."""
    statement = select(BatchResult).where(BatchResult.run_id == run_id)
    if measures:
        statement = statement.where(BatchResult.measure.in_(measures))
    if book is not None:
        statement = statement.where(BatchResult.book == book)
    order = (BatchResult.as_of, BatchResult.book, BatchResult.measure, BatchResult.key)
    return session.scalars(statement.order_by(*order)).all()
