"""Command-line checks made before any work (no database, no Ray)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster.batch.errors import ExportError
from cluster.batch.export import check_export_path
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
    if importlib.util.find_spec("pyarrow") is None:
        result = CliRunner().invoke(
            riskctl, ["batch", "var", "--date", "2026-07-31", "--export", "x.parquet"]
        )
        assert result.exit_code == 2 and "Parquet needs the pyarrow package" in result.output
