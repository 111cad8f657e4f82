"""Bulk import of instruments from JSON or CSV: all rows in one transaction, or none with a per-row report.

JSON: the book document ``{"instruments": [...]}`` of docs/architecture.md §5 (or a bare list); row N is the
N-th element. CSV: a header row of book-format field names (``type`` is required); an empty cell means
"not given"; row N is the N-th record after the header (line N + 1 of a file without multi-line cells).
Files as spreadsheets save them are read as they are: UTF-8 with or without a byte-order mark, CRLF or
LF line ends, rows whose cells are all empty ignored, and the separator (``,``, ``;`` or tab) detected;
in a ``;``-separated file (the European spreadsheet format) a decimal comma (``4,25``) is read as
``4.25`` (see :mod:`core.spreadsheet_csv`).

Every row is validated by the Create schemas (the rules of single creates), duplicate ids, ISINs and
CUSIPs are looked for inside the import and among the stored instruments (one query per kind of key),
and the valid rows are written with ``COPY`` (:mod:`secmaster.repository.bulk_copy`), each with its
``created`` change event in the outbox (one event per instrument, the format of single creates).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from core.spreadsheet_csv import decimal_point, detect_separator
from pricing.rules import INSTRUMENT_TYPES
from secmaster.errors import BulkImportRejected, Conflict, RowError, RuleViolation
from secmaster.repository.bulk_copy import NewInstrument, copy_instruments, stored_conflicts
from secmaster.repository.instruments import default_id
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate

__all__ = ["MAX_BULK_ROWS", "NumberedRows", "import_instruments", "parse_csv", "parse_json"]

#: One import holds a desk's whole book (the bench loads 100,000 in one request).
MAX_BULK_ROWS = 200_000
_ROW = TypeAdapter[BondCreate | SwapCreate | OisCreate](InstrumentCreate)
_TAGS = frozenset(INSTRUMENT_TYPES)  # one type map: the rule set of pricing

#: (row number, row) pairs; row numbers count from 1 and may skip ignored (all-empty) CSV rows.
NumberedRows = list[tuple[int, Any]]


def parse_json(body: bytes) -> NumberedRows:
    """The rows of a JSON body; raises BulkImportRejected (row 0) if it is not a book document."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BulkImportRejected([RowError(0, "body", f"not valid JSON: {error}")]) from error
    rows = document.get("instruments") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise BulkImportRejected([RowError(0, "instruments", 'expected {"instruments": [...]} or a list')])
    return _bounded(list(enumerate(rows, start=1)))


def parse_csv(body: bytes) -> NumberedRows:
    """The rows of a CSV body (UTF-8, header row first; see the module docstring); empty cells are dropped."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkImportRejected([RowError(0, "body", f"CSV must be UTF-8: {error}")]) from error
    separator = detect_separator(text.lstrip("\r\n").splitlines()[0] if text.strip() else "")
    # newline="" lets the csv module see line ends itself (a lone CR is then a line end, not an error)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: NumberedRows = []
    try:
        header = next(reader, [])
        if "type" not in header:
            named = f" (read with separator {separator!r})" if header else ""
            raise BulkImportRejected(
                [
                    RowError(
                        0,
                        "type",
                        f"the CSV header must name the columns, including 'type'{named}; "
                        "separate them with ',', ';' or a tab",
                    )
                ]
            )
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue  # an all-empty row, as spreadsheets save below a table
            if len(record) > len(header):
                rows.append((number, {None: f"more cells than header columns ({separator!r} separated)"}))
                continue
            row = {key: value for key, value in zip(header, record, strict=False) if value != ""}
            rows.append((number, {key: decimal_point(value, separator) for key, value in row.items()}))
    except csv.Error as error:
        raise BulkImportRejected(
            [RowError(reader.line_num, "body", f"not a readable CSV: {error}")]
        ) from error
    return _bounded(rows)


def _bounded(rows: NumberedRows) -> NumberedRows:
    if not rows:
        raise BulkImportRejected([RowError(0, "instruments", "no rows to import")])
    if len(rows) > MAX_BULK_ROWS:
        raise BulkImportRejected([RowError(0, "instruments", f"at most {MAX_BULK_ROWS} rows per import")])
    return rows


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc if part not in _TAGS]
    return ".".join(parts) or "type"


def _validated(rows: NumberedRows) -> tuple[list[NewInstrument], list[RowError]]:
    """Each row through the Create schemas, then the duplicates inside the import (the first one wins)."""
    errors: list[RowError] = []
    valid: list[NewInstrument] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        if isinstance(row, dict) and None in row:
            errors.append(RowError(number, "row", str(row[None])))
            continue
        try:
            data = _ROW.validate_python(row)
        except ValidationError as error:
            errors.extend(RowError(number, _field(item["loc"]), item["msg"]) for item in error.errors())
            continue
        item = NewInstrument(number, data.id or default_id(data), data)
        keys = []
        if isinstance(data, BondCreate):
            keys.append(("isin", f"ISIN {data.isin}"))
            if data.cusip is not None:
                keys.append(("cusip", f"CUSIP {data.cusip}"))
        keys.append(("id", f"id {item.instrument_id}"))
        clash = next(((field, key) for field, key in keys if key in seen), None)
        if clash is not None:
            field, key = clash
            errors.append(RowError(number, field, f"{key} is also in row {seen[key]}", conflict=True))
            continue
        seen.update((key, number) for _, key in keys)
        valid.append(item)
    return valid, errors


def import_instruments(session: Session, rows: Sequence[Any] | NumberedRows) -> list[str]:
    """Validate and insert every row in the caller's transaction; return the ids in row order.

    ``rows``: the output of :func:`parse_json` / :func:`parse_csv`, or plain row dicts (numbered from 1).
    Raises BulkImportRejected listing every failing row (the caller's transaction must then roll back,
    so nothing is written).
    """
    numbered: NumberedRows = (
        list(rows) if rows and isinstance(rows[0], tuple) else list(enumerate(rows, start=1))
    )
    valid, errors = _validated(numbered)
    reported: set[int] = set()
    for number, error in stored_conflicts(session, valid):
        if number in reported:  # one stored conflict per row, as a single create reports it
            continue
        reported.add(number)
        message = str(error)
        field = "isin" if "ISIN" in message else "cusip" if "CUSIP" in message else "id"
        if isinstance(error, RuleViolation):
            field = error.field
        errors.append(RowError(number, field, message, isinstance(error, Conflict)))
    if errors:
        raise BulkImportRejected(sorted(errors, key=lambda item: item.row))
    copy_instruments(session, valid)
    return [item.instrument_id for item in valid]
