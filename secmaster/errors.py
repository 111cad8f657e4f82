"""The security master's error tree (each maps to one HTTP status in ``secmaster.api``).

RiskEngineError (core)
└── SecmasterError
    ├── NotFound               unknown instrument, book or position                      -> 404
    ├── Conflict               the write contradicts stored data                         -> 409
    │   ├── DuplicateInstrument    an instrument with this id or ISIN already exists
    │   └── InUse                  positions still refer to it; retry with force=true
    ├── PreconditionFailed     If-Match names an ETag the stored instrument no longer has -> 412
    ├── RuleViolation          a business rule checked against stored data (or by a
    │                          database constraint) failed, naming the field             -> 422
    └── BulkImportRejected     one or more rows of a bulk import failed; nothing was written;
                               carries the per-row report                              -> 422 / 409
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import RiskEngineError

__all__ = [
    "BulkImportRejected",
    "Conflict",
    "DuplicateInstrument",
    "InUse",
    "NotFound",
    "PreconditionFailed",
    "RowError",
    "RuleViolation",
    "SecmasterError",
]


class SecmasterError(RiskEngineError):
    """Root of the security master's errors."""


class NotFound(SecmasterError):
    """An instrument, book or position that does not exist."""


class Conflict(SecmasterError):
    """The write contradicts stored data."""


class DuplicateInstrument(Conflict):
    """An instrument with the same id or ISIN already exists."""


class InUse(Conflict):
    """Positions still refer to the instrument or book; delete them first or pass ``force=true``."""


class PreconditionFailed(SecmasterError):
    """The client's ``If-Match`` ETag is stale: someone else changed the instrument since it was read."""


class RuleViolation(SecmasterError):
    """A business rule failed on a field; ``field`` names it, the message states the rule."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class RowError:
    """One failed row of a bulk import (rows count from 1, the CSV header not included)."""

    row: int
    field: str
    message: str
    conflict: bool = False


class BulkImportRejected(SecmasterError):
    """A bulk import was rolled back; ``errors`` says which rows failed and why."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"bulk import rejected: {len(errors)} row error(s); nothing was written")

    @property
    def only_conflicts(self) -> bool:
        return all(error.conflict for error in self.errors)
