"""The error tree of the batch jobs (drawn in :mod:`cluster.batch`)."""

from __future__ import annotations

from core.errors import RiskEngineError

__all__ = ["BadRequest", "BatchError", "EmptyBook", "ExportError"]


class BatchError(RiskEngineError):
    """Base of the errors raised on purpose by the batch jobs."""


class BadRequest(BatchError):
    """A date range, date, scenario count, confidence or book that cannot work; says what would."""


class EmptyBook(BatchError):
    """The selected book holds no position."""


class ExportError(BatchError):
    """The results cannot be exported to the requested file."""
