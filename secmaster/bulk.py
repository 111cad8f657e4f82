"""Bulk import of instruments from JSON or CSV: all rows in one transaction, or none with a per-row report.

JSON: the book document ``{"instruments": [...]}`` of docs/architecture.md section 5 (or a bare list).
CSV: a header row of book-format field names (``type`` is required); an empty cell means "not given".
Rows are numbered from 1 (the CSV header is not a row).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from secmaster.errors import BulkImportRejected, Conflict, RowError, RuleViolation, SecmasterError
from secmaster.models import Instrument
from secmaster.repository.instruments import create_instrument
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate

__all__ = ["MAX_BULK_ROWS", "import_instruments", "parse_csv", "parse_json"]

MAX_BULK_ROWS = 10_000
_ROW = TypeAdapter[BondCreate | SwapCreate | OisCreate](InstrumentCreate)
_TAGS = frozenset({"bond", "swap", "ois"})


def parse_json(body: bytes) -> list[Any]:
    """The rows of a JSON body; raises BulkImportRejected (row 0) if it is not a book document."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BulkImportRejected([RowError(0, "body", f"not valid JSON: {error}")]) from error
    rows = document.get("instruments") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise BulkImportRejected([RowError(0, "instruments", 'expected {"instruments": [...]} or a list')])
    return _bounded(rows)


def parse_csv(body: bytes) -> list[Any]:
    """The rows of a CSV body (UTF-8, header row first); empty cells are dropped."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkImportRejected([RowError(0, "body", f"CSV must be UTF-8: {error}")]) from error
    # newline="" lets the csv module see line ends itself (a lone CR is then a line end, not an error)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[Any] = []
    try:
        if not reader.fieldnames or "type" not in reader.fieldnames:
            raise BulkImportRejected(
                [RowError(0, "type", "the CSV header must name the columns, including 'type'")]
            )
        for record in reader:
            if None in record:
                rows.append({None: "more cells than header columns"})
                continue
            rows.append({key: value for key, value in record.items() if value not in ("", None)})
    except csv.Error as error:
        raise BulkImportRejected(
            [RowError(reader.line_num, "body", f"not a readable CSV: {error}")]
        ) from error
    return _bounded(rows)


def _bounded(rows: list[Any]) -> list[Any]:
    if not rows:
        raise BulkImportRejected([RowError(0, "instruments", "no rows to import")])
    if len(rows) > MAX_BULK_ROWS:
        raise BulkImportRejected([RowError(0, "instruments", f"at most {MAX_BULK_ROWS} rows per import")])
    return rows


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc if part not in _TAGS]
    return ".".join(parts) or "type"


def import_instruments(session: Session, rows: Sequence[Any]) -> list[Instrument]:
    """Validate and insert every row in the caller's transaction; raise BulkImportRejected listing all
    failing rows (the caller's transaction must then roll back, so nothing is written)."""
    errors: list[RowError] = []
    valid: list[tuple[int, BondCreate | SwapCreate | OisCreate]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if isinstance(row, dict) and None in row:
            errors.append(RowError(number, "row", str(row[None])))
            continue
        try:
            data = _ROW.validate_python(row)
        except ValidationError as error:
            errors.extend(RowError(number, _field(item["loc"]), item["msg"]) for item in error.errors())
            continue
        keys = [f"id {data.id}"] if data.id else []
        keys += [f"ISIN {data.isin}"] if isinstance(data, BondCreate) else []
        clashes = [f"{key} is also in row {seen[key]}" for key in keys if key in seen]
        if clashes:
            errors.append(
                RowError(number, "isin" if "ISIN" in clashes[0] else "id", clashes[0], conflict=True)
            )
            continue
        seen.update(dict.fromkeys(keys, number))
        valid.append((number, data))
    created = []
    for number, data in valid:
        try:
            with session.begin_nested():
                created.append(create_instrument(session, data))
        except RuleViolation as error:
            errors.append(RowError(number, error.field, str(error)))
        except SecmasterError as error:
            errors.append(
                RowError(
                    number, "isin" if "ISIN" in str(error) else "id", str(error), isinstance(error, Conflict)
                )
            )
    if errors:
        raise BulkImportRejected(sorted(errors, key=lambda item: item.row))
    return created
