"""Export result rows to CSV or Parquet (``pyarrow``)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from cluster.batch.errors import ExportError
from cluster.batch.jobs import ResultRow

__all__ = ["COLUMNS", "check_export_path", "export_rows"]

COLUMNS = ("run_id", "as_of", "book", "measure", "key", "value")


def check_export_path(path: Path) -> None:
    """Fail before any work when ``path`` cannot receive the export."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ExportError(f"--export {path}: the file name must end in .csv or .parquet")
    if not path.parent.is_dir():
        raise ExportError(f"--export {path}: folder {path.parent} does not exist")


def export_rows(path: Path, run_id: int, rows: Sequence[ResultRow]) -> None:
    check_export_path(path)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(
                (run_id, r.as_of.isoformat(), r.book, r.measure, r.key, repr(r.value)) for r in rows
            )
        return
    import pyarrow as pa  # imported here: only Parquet exports pay for it
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "run_id": [run_id] * len(rows),
            "as_of": [r.as_of for r in rows],
            "book": [r.book for r in rows],
            "measure": [r.measure for r in rows],
            "key": [r.key for r in rows],
            "value": [r.value for r in rows],
        }
    )
    pq.write_table(table, path)
