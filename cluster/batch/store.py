"""``batch_runs`` and ``batch_results`` (Alembic revision 0002): a run row first, its results at the end.

A run is inserted as ``running`` and committed at once (so a crash leaves a visible trace); its results
and the ``succeeded`` state are written in ONE transaction at the end; a failure marks it ``failed``
with the reason and writes no result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from cluster.batch.jobs import ResultRow
from secmaster.db import SessionFactory, transaction
from secmaster.models import BatchResult, BatchRun

__all__ = ["fail_run", "finish_run", "start_run"]


def start_run(sessions: SessionFactory, kind: str, params: dict[str, Any]) -> int:
    with transaction(sessions) as session:
        run = BatchRun(kind=kind, params=params, status="running")
        session.add(run)
        session.flush()
        return run.id


def finish_run(
    sessions: SessionFactory, run_id: int, rows: Iterable[ResultRow], summary: dict[str, Any]
) -> int:
    """Store every row and mark the run succeeded, atomically; returns the number of rows."""
    values = [
        {
            "run_id": run_id,
            "as_of": r.as_of,
            "book": r.book,
            "measure": r.measure,
            "key": r.key,
            "value": r.value,
        }
        for r in rows
    ]
    with transaction(sessions) as session:
        if values:
            session.execute(insert(BatchResult), values)
        run = session.get_one(BatchRun, run_id)
        run.status, run.summary, run.finished_at = "succeeded", summary, datetime.now(UTC)
    return len(values)


def fail_run(sessions: SessionFactory, run_id: int, reason: str) -> None:
    with transaction(sessions) as session:
        run = session.get_one(BatchRun, run_id)
        run.status, run.error, run.finished_at = "failed", reason, datetime.now(UTC)
