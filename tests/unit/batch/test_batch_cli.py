"""Command-line checks made before any work (no database, no Ray)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster.batch.errors import ExportError
from cluster.batch.export import check_export_path, export_rows
from cluster.batch.jobs import ResultRow
from cluster.cli import app as riskctl


def test_riskctl_batch_lists_the_three_jobs() -> None:
    result = CliRunner().invoke(riskctl, ["batch", "--help"])
    assert result.exit_code == 0
    assert all(job in result.output for job in ("eod", "var", "attribution"))


def test_a_malformed_date_is_a_usage_error() -> None:
    result = CliRunner().invoke(riskctl, ["batch", "eod", "--from", "2026-13-01", "--to", "2026-07-01"])
    assert result.exit_code == 2 and "is not a date YYYY-MM-DD" in result.output


def test_export_paths_are_checked_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.csv or \.parquet"):
        check_export_path(tmp_path / "out.xlsx")
    with pytest.raises(ExportError, match="does not exist"):
        check_export_path(tmp_path / "missing" / "out.csv")
    check_export_path(tmp_path / "out.csv")
    check_export_path(tmp_path / "out.parquet")


def test_csv_and_parquet_exports_hold_the_same_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = [
        ResultRow(date(2026, 7, 30), "ALL", "pv", "", 1_234_567.891),
        ResultRow(date(2026, 7, 31), "GOVT", "kr01", "USD-UST/10Y", -4_321.5),
    ]
    export_rows(tmp_path / "out.csv", 7, rows)
    export_rows(tmp_path / "out.parquet", 7, rows)
    with (tmp_path / "out.csv").open() as handle:
        from_csv = list(csv.DictReader(handle))
    from_parquet = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["key"] for r in from_csv] == [r["key"] for r in from_parquet] == ["", "USD-UST/10Y"]
    assert (
        [float(r["value"]) for r in from_csv]
        == [r["value"] for r in from_parquet]
        == [1_234_567.891, -4_321.5]
    )
    assert [r["as_of"] for r in from_parquet] == [date(2026, 7, 30), date(2026, 7, 31)]
    assert {r["run_id"] for r in from_parquet} == {7}
