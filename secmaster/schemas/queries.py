"""Listing: filters, sort and pagination (limit <= 1000) with the total count."""

from __future__ import annotations

from datetime import date
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from secmaster.schemas.common import INPUT_CONFIG, MAX_LIMIT, BookName, Currency
from secmaster.schemas.instruments import InstrumentType

__all__ = ["InstrumentQuery", "Page", "PageQuery"]

#: Sort keys of ``GET /api/v1/instruments``; prefix with '-' for descending. Ties break on id.
InstrumentSort = Literal[
    "id", "-id", "type", "-type", "currency", "-currency", "maturity_date", "-maturity_date",
    "start_date", "-start_date", "created_at", "-created_at", "updated_at", "-updated_at",
]  # fmt: skip

ItemT = TypeVar("ItemT")


class PageQuery(BaseModel):
    model_config = INPUT_CONFIG

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="Rows to skip")


class InstrumentQuery(PageQuery):
    type: InstrumentType | None = None
    currency: Currency | None = None
    book: BookName | None = Field(None, description="Only instruments with a position in this book")
    maturity_from: date | None = Field(None, description="Maturity on or after this date")
    maturity_to: date | None = Field(None, description="Maturity on or before this date")
    sort: InstrumentSort = "id"

    @field_validator("maturity_to")
    @classmethod
    def _range_order(cls, maturity_to: date | None, info: ValidationInfo) -> date | None:
        maturity_from = info.data.get("maturity_from")
        if maturity_to is not None and maturity_from is not None and maturity_to < maturity_from:
            raise ValueError(f"maturity_to {maturity_to} is before maturity_from {maturity_from}")
        return maturity_to


class Page(BaseModel, Generic[ItemT]):
    total: int = Field(description="Rows matching the filters, over all pages")
    limit: int
    offset: int
    items: list[ItemT]
