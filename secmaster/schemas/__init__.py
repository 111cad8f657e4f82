"""Pydantic v2 schema families of the security master (the HTTP and bulk-import boundary)."""

from __future__ import annotations

from secmaster.schemas.batch import (
    BatchKind,
    BatchMeasure,
    BatchResultRead,
    BatchRunDetail,
    BatchRunQuery,
    BatchRunRead,
)
from secmaster.schemas.books import BookCreate, BookRead, BookUpdate, PositionRead, PositionSet
from secmaster.schemas.common import ALL_BOOKS, BOOK_PATTERN, ID_PATTERN, MAX_LIMIT
from secmaster.schemas.instruments import (
    BondCreate,
    BondRead,
    BondUpdate,
    InstrumentCreate,
    InstrumentRead,
    InstrumentType,
    InstrumentUpdate,
    OisCreate,
    OisRead,
    OisUpdate,
    SwapCreate,
    SwapLikeCreate,
    SwapRead,
    SwapUpdate,
)
from secmaster.schemas.queries import InstrumentQuery, Page, PageQuery

__all__ = [
    "ALL_BOOKS",
    "BOOK_PATTERN",
    "ID_PATTERN",
    "MAX_LIMIT",
    "BatchKind",
    "BatchMeasure",
    "BatchResultRead",
    "BatchRunDetail",
    "BatchRunQuery",
    "BatchRunRead",
    "BondCreate",
    "BondRead",
    "BondUpdate",
    "BookCreate",
    "BookRead",
    "BookUpdate",
    "InstrumentCreate",
    "InstrumentQuery",
    "InstrumentRead",
    "InstrumentType",
    "InstrumentUpdate",
    "OisCreate",
    "OisRead",
    "OisUpdate",
    "Page",
    "PageQuery",
    "PositionRead",
    "PositionSet",
    "SwapCreate",
    "SwapLikeCreate",
    "SwapRead",
    "SwapUpdate",
]
