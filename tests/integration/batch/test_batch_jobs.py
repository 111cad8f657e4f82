"""The batch jobs end to end in this process (local Ray, the test database): EOD equals `riskctl price`,
VaR/ES agree with a sort of the stored scenario P&Ls, and bad requests fail cleanly with nothing written."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cluster.batch.stats import tail_risk
from cluster.batch_reval import app as batch_app
from cluster.cli import app as riskctl
from market_replay import market_snapshot
from secmaster.db import SessionFactory
from secmaster.models import BatchResult, BatchRun
from secmaster.repository.export import export_book

pytestmark = [pytest.mark.postgres, pytest.mark.ray, pytest.mark.slow]

# Same numbers up to QuantLib's iterative bootstrap, which starts from the process's previous solution:
# two processes agree to ~1e-8 USD per kr01 (parity bar, docs/architecture.md §4: 1e-6 per 1,000,000).
SAME = {"rel": 1e-9, "abs": 1e-6}


def _invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(batch_app, [*args, "--database-url", database_url])


def _last_run(sessions: SessionFactory) -> BatchRun:
    with sessions() as session:
        return session.scalars(select(BatchRun).order_by(BatchRun.id.desc()).limit(1)).one()


def _results(sessions: SessionFactory, run_id: int) -> list[BatchResult]:
    with sessions() as session:
        return list(session.scalars(select(BatchResult).where(BatchResult.run_id == run_id)))


def _riskctl_price(tmp_path: Path, book: dict[str, Any], day: date) -> dict[str, Any]:
    book_file, market_file = tmp_path / "book.json", tmp_path / f"market_{day}.json"
    book_file.write_text(json.dumps(book))
    market_file.write_text(json.dumps(market_snapshot(day)))
    result = CliRunner().invoke(riskctl, ["price", "--book", str(book_file), "--market", str(market_file)])
    assert result.exit_code == 0, result.output
    priced: dict[str, Any] = json.loads(result.stdout)
    return priced


def test_eod_equals_riskctl_price_on_each_days_snapshot(
    batch_database_url: str, batch_sessions: SessionFactory, batch_ray: None, tmp_path: Path
) -> None:
    export = tmp_path / "eod.csv"
    # Thursday to Sunday: the weekend has no market data and is skipped
    outcome = _invoke(
        batch_database_url, "eod", "--from", "2026-07-30", "--to", "2026-08-02", "--export", str(export)
    )
    assert outcome.exit_code == 0, outcome.output
    run = _last_run(batch_sessions)
    assert (run.kind, run.status, run.error) == ("eod", "succeeded", None)
    rows = _results(batch_sessions, run.id)
    stored = {(r.as_of, r.book, r.measure, r.key): r.value for r in rows}
    assert {r.as_of for r in rows} == {date(2026, 7, 30), date(2026, 7, 31)}
    with batch_sessions() as session:
        book = export_book(session, None)
    for day in (date(2026, 7, 30), date(2026, 7, 31)):
        expected = _riskctl_price(tmp_path, book, day)
        totals = expected["totals"]
        for measure in ("pv", "dv01", "gamma", "n_ok", "n_failed"):
            assert stored[(day, "ALL", measure, "")] == pytest.approx(totals[measure], **SAME)
        for key, value in totals["kr01"].items():
            assert stored[(day, "ALL", "kr01", key)] == pytest.approx(value, **SAME)
        govt = sum(i["pv"] for i in expected["instruments"] if i["ok"] and i["book"] == "GOVT")  # USD bonds
        assert stored[(day, "GOVT", "pv", "")] == pytest.approx(govt, **SAME)
        by_book = stored[(day, "GOVT", "pv", "")] + stored[(day, "SWAPS", "pv", "")]
        assert by_book == pytest.approx(totals["pv"], **SAME)
    with export.open() as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == len(rows)
    assert {int(r["run_id"]) for r in exported} == {run.id}


def test_var_and_es_agree_with_a_sort_of_the_stored_scenario_pnls(
    batch_database_url: str, batch_sessions: SessionFactory, batch_ray: None
) -> None:
    args = ("var", "--date", "2026-07-31", "--scenarios", "40", "--confidence", "0.95,0.9", "--worst", "3")
    outcome = _invoke(batch_database_url, *args)
    assert outcome.exit_code == 0, outcome.output
    run = _last_run(batch_sessions)
    assert run.status == "succeeded" and run.summary is not None
    rows = _results(batch_sessions, run.id)
    for book in ("ALL", "GOVT", "SWAPS"):
        scenarios = {r.key: r.value for r in rows if r.book == book and r.measure == "scenario_pnl"}
        assert len(scenarios) == 40
        losses = sorted(scenarios.values())
        for confidence, k in ((0.95, 2), (0.9, 4)):  # k = ceil(40 (1 - a))
            var = next(
                r.value for r in rows if (r.book, r.measure, r.key) == (book, "var", f"{confidence:g}")
            )
            es = next(r.value for r in rows if (r.book, r.measure, r.key) == (book, "es", f"{confidence:g}"))
            assert var == pytest.approx(-losses[k - 1], rel=1e-12)
            assert es == pytest.approx(-sum(losses[:k]) / k, rel=1e-12)
            assert tail_risk(list(scenarios.values()), confidence).var == pytest.approx(var, rel=1e-12)
        if book == "ALL":
            worst = run.summary["worst"]
            assert [w["pnl"] for w in worst] == pytest.approx(losses[:3])
            assert worst[0]["scenario"] == min(scenarios, key=lambda label: scenarios[label])
            start, end = (date.fromisoformat(part) for part in worst[0]["scenario"].split("/"))
            assert start < end <= date(2026, 7, 31)
    assert run.summary["scenarios"] == 40


BAD_REQUESTS = [
    (("eod", "--from", "2026-07-31", "--to", "2026-07-01"), "is after --to"),
    (("eod", "--from", "2026-08-01", "--to", "2026-08-02"), "no business day with market data"),
    (("eod", "--from", "2031-01-01", "--to", "2031-02-01"), "the data covers"),
    (("var", "--date", "2026-08-01", "--scenarios", "10"), "weekend or market holiday"),
    (("var", "--date", "2018-04-10", "--scenarios", "500"), "business days of history"),
    (("eod", "--from", "2026-07-30", "--to", "2026-07-31", "--book", "EMPTY"), "holds no position"),
    (("attribution", "--from", "2026-07-30", "--to", "2026-07-31", "--book", "NOPE"), "does not exist"),
]


@pytest.mark.parametrize(("args", "message"), BAD_REQUESTS, ids=[" ".join(a) for a, _ in BAD_REQUESTS])
def test_a_bad_request_fails_with_a_clear_message_and_writes_no_result(
    batch_database_url: str, batch_sessions: SessionFactory, args: tuple[str, ...], message: str
) -> None:
    outcome = _invoke(batch_database_url, *args)
    assert outcome.exit_code == 1, outcome.output
    assert message in outcome.output and "no result was written" in outcome.output
    run = _last_run(batch_sessions)
    assert run.status == "failed" and run.error is not None and message in run.error
    assert _results(batch_sessions, run.id) == []


def test_attribution_splits_each_days_pnl_into_predicted_and_residual(
    batch_database_url: str, batch_sessions: SessionFactory, batch_ray: None
) -> None:
    outcome = _invoke(batch_database_url, "attribution", "--from", "2026-07-29", "--to", "2026-07-31")
    assert outcome.exit_code == 0, outcome.output
    run = _last_run(batch_sessions)
    rows = _results(batch_sessions, run.id)
    values = {(r.as_of, r.book, r.measure): r.value for r in rows}
    days = {r.as_of for r in rows}
    assert days == {date(2026, 7, 29), date(2026, 7, 30), date(2026, 7, 31)}
    for day in days:
        for book in ("ALL", "GOVT", "SWAPS"):
            actual, predicted = values[(day, book, "actual")], values[(day, book, "predicted")]
            assert values[(day, book, "residual")] == pytest.approx(actual - predicted)
    with batch_sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(BatchResult).where(BatchResult.run_id == run.id)
        )
    assert count == len(days) * 3 * 3
