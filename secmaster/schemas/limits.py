"""Risk limit and alert schema families (the ``/api/v1/books/{book}/limits`` and ``/api/v1/alerts``
boundary); the meaning of each measure is in :mod:`core.limits`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.limits import Limit
from secmaster.schemas.common import INPUT_CONFIG, CurveName

__all__ = ["AlertRead", "LimitIn", "LimitRead", "LimitSet", "LimitSetRead"]

Tenor = Annotated[
    str,
    StringConstraints(pattern=r"^[1-9][0-9]{0,2}[DWMY]$"),
    Field(description="Pillar tenor as in the curve's quotes (1M, 2Y, 10Y)", examples=["10Y"]),
]


class LimitIn(BaseModel):
    """One limit of a book: ``limit`` in USD (> 0), ``warning_pct`` optional (0 < x < 100)."""

    model_config = INPUT_CONFIG

    measure: Literal["dv01", "kr01", "gamma", "pnl_stop_loss"] = Field(
        description="dv01: |DV01|; kr01: |kr01| per pillar of a curve; gamma: |gamma|; "
        "pnl_stop_loss: the loss since the open"
    )
    limit: float = Field(gt=0, le=1e15, description="The limit in USD")
    warning_pct: float | None = Field(
        None, gt=0, lt=100, description="Warn at this share of the limit, in percent (e.g. 80)"
    )
    curve: CurveName | None = Field(None, description="kr01 only: the curve whose pillars are limited")
    tenor: Tenor | None = Field(None, description="kr01 only: one pillar; omitted: every pillar of the curve")

    @model_validator(mode="after")
    def _curve_only_for_kr01(self) -> Self:
        if self.measure == "kr01" and self.curve is None:
            raise ValueError("curve: a kr01 limit needs the curve whose pillars it limits")
        if self.measure != "kr01" and (self.curve is not None or self.tenor is not None):
            raise ValueError(f"curve: a {self.measure} limit takes no curve or tenor (kr01 only)")
        return self

    def to_limit(self, book: str) -> Limit:
        return Limit(book, self.measure, self.limit, self.warning_pct, self.curve, self.tenor)


class LimitSet(BaseModel):
    """``PUT /api/v1/books/{book}/limits``: the book's whole set of limits (replaces the stored one)."""

    model_config = INPUT_CONFIG

    limits: list[LimitIn] = Field(max_length=1000)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[tuple[str, str | None, str | None]] = set()
        for position, item in enumerate(self.limits):
            key = (item.measure, item.curve, item.tenor)
            if key in seen:
                raise ValueError(f"limits[{position}]: a second {'/'.join(k for k in key if k)} limit")
            seen.add(key)
        return self


class LimitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    measure: str
    limit: float
    warning_pct: float | None
    curve: str | None
    tenor: str | None
    updated_at: datetime


class LimitSetRead(BaseModel):
    book: str
    limits: list[LimitRead]


class AlertRead(BaseModel):
    """One alert event of the history (the same fields as a ``risk.alerts`` record)."""

    id: int
    book: str
    measure: str = Field(description="dv01 | gamma | pnl_stop_loss | kr01:CURVE/TENOR")
    kind: Literal["breach", "warning", "clear"]
    value: float
    limit: float
    utilisation: float
    seq: int
    market: str
    market_time: datetime
    created_at: datetime
