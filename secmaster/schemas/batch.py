"""Batch job results (``batch_runs``/``batch_results``, written by ``cluster.batch_reval``): read-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secmaster.schemas.queries import PageQuery

__all__ = ["BatchKind", "BatchMeasure", "BatchResultRead", "BatchRunDetail", "BatchRunQuery", "BatchRunRead"]

BatchKind = Literal["eod", "var", "attribution"]
#: Every measure a batch job writes (``cluster.batch.jobs``).
BatchMeasure = Literal[
    "pv", "dv01", "gamma", "n_ok", "n_failed", "kr01",
    "base_pv", "var", "es", "scenario_pnl",
    "actual", "predicted", "residual",
]  # fmt: skip


class BatchRunQuery(PageQuery):
    kind: BatchKind | None = Field(None, description="Only runs of this job")


class BatchRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    params: dict[str, Any] = Field(description="The job's parameters (dates, book, scenarios, confidences)")
    status: str = Field(description="running, succeeded or failed")
    started_at: datetime
    finished_at: datetime | None
    error: str | None = Field(description="Why a failed run failed")
    summary: dict[str, Any] | None = Field(description="The job's JSON summary (succeeded runs)")


class BatchResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: date
    book: str = Field(description="Book name; ALL: the whole portfolio")
    measure: str
    key: str = Field(description="CURVE/TENOR (kr01), the confidence (var, es), START/END (scenario_pnl)")
    value: float = Field(description="USD for money")


class BatchRunDetail(BatchRunRead):
    results: list[BatchResultRead] = Field(description="Ordered by date, book, measure and key")
