"""What an operator reads (issue 14 part 3, issue 19 part 7): `riskctl status` times in ISO 8601 with
their zone; `riskctl replay --topic` with a name Kafka refuses, and `riskctl market-snapshot` on a day
without market data, end with a clear message and no traceback; the business day it names prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster.cli import app
from cluster.commands.engine import render_status
from core.records import BookSummaryRecord
from core.status_record import EngineStatusRecord
from pricing import price_portfolio

BOOK = Path(__file__).resolve().parents[3] / "pricing" / "samples" / "book.json"


def test_status_shows_iso_times_with_zone_and_age_not_epochs() -> None:
    status = {
        "state": "running",
        "updated_at": "1795964637.752",
        "last_seq": "12",
        "last_market": "USD",
        "last_market_time": "2026-02-02T14:12:00-05:00",
    }
    text = render_status(EngineStatusRecord.from_hash(status), None, now=1795964641.0)
    assert "updated 2026-11-29T15:03:57+00:00 (3 s ago)" in text
    assert "1795964637" not in text
    assert "market time 2026-02-02T14:12:00-05:00" in text


def test_status_shows_the_live_consumers_when_the_engine_runs_several() -> None:
    assert "consumers 2" in render_status(EngineStatusRecord(state="running", consumers=2), None, now=0.0)
    assert "consumers" not in render_status(EngineStatusRecord(state="running"), None, now=0.0).replace(
        "consumer restarts", ""
    )


def test_status_shows_markets_latency_the_stale_reason_and_unreadable_records() -> None:
    status = EngineStatusRecord.from_hash(
        {"state": "running", "seq_USD": "41", "as_of_USD": "2026-02-02", "stale_markets": "EUR",
         "total_p95_ms": "61.25", "shards_p95_ms": "20"}
    )  # fmt: skip
    summary = BookSummaryRecord(
        pv=1.5e6, dv01=-250.0, gamma=0.5, pnl_open=10.0, pnl_predicted=9.0, pnl_residual=1.0, n_ok=3,
        n_failed=1, n_pending=0, seq=41, market="USD", market_time="2026-02-02T10:00:00-05:00",
        as_of="2026-02-02", computed_at=0.0, latency_ms=61.0, stale=True, stale_reason="EUR tick seq 40: x",
    )  # fmt: skip
    text = render_status(status, summary, now=0.0, errors=["risk:ALL:kr01: field 'X' is not a number"])
    assert "USD 2026-02-02 seq 41  EUR - seq - STALE" in text
    assert "p95 61.25 ms" in text and "(shards p95 20.00 ms)" in text
    assert "PV 1,500,000.00 USD" in text and "ok 3 failed 1 pending 0  STALE: EUR tick seq 40: x" in text
    assert text.splitlines()[-1] == "unreadable risk:ALL:kr01: field 'X' is not a number"


def test_run_refuses_a_negative_consumer_count_before_touching_anything() -> None:
    result = CliRunner().invoke(app, ["run", "--consumers", "-1"])
    assert result.exit_code == 2, result.output
    assert "--consumers must be 0 (automatic) or more, got -1" in result.output


@pytest.mark.parametrize("topic", ["bad topic!", "market/curves", "..", "x" * 250, "é"])
def test_replay_to_an_invalid_topic_name_is_a_clear_error(topic: str) -> None:
    result = CliRunner().invoke(app, ["replay", "--topic", topic, "--max-ticks", "1"])
    assert result.exit_code == 2, result.output
    assert "is not a valid Kafka topic name" in result.output
    assert "a-z, A-Z, 0-9" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("day", "markets", "closed", "previous"),
    [
        ("2024-03-10", "USD,EUR", "(Sunday): USD, EUR published no close", "2024-03-08"),
        ("2024-07-04", "USD,EUR", "(Thursday): USD published no close", "2024-07-03"),
        ("2024-03-29", "EUR", "(Friday): EUR published no close", "2024-03-28"),  # Good Friday
    ],
)
def test_market_snapshot_refuses_a_day_without_market_data_and_names_the_business_day(
    day: str, markets: str, closed: str, previous: str, tmp_path: Path
) -> None:
    out = tmp_path / "market.json"
    result = CliRunner().invoke(app, ["market-snapshot", "--date", day, "--markets", markets, "-o", str(out)])
    assert result.exit_code == 1
    assert f"error: no market data on {day} {closed}" in result.output
    assert f"the last business day before it is {previous} (use --date {previous}" in result.output
    assert not out.exists()
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_named_business_day_gives_a_market_riskctl_price_builds(tmp_path: Path) -> None:
    out = tmp_path / "market.json"
    result = CliRunner().invoke(app, ["market-snapshot", "--date", "2024-03-08", "-o", str(out)])
    assert result.exit_code == 0, result.output
    priced = price_portfolio(json.loads(BOOK.read_text()), json.loads(out.read_text()), engine="fast")
    assert priced["totals"]["n_failed"] == 0 and priced["totals"]["n_ok"] == len(priced["instruments"]) > 0
