"""Market snapshots (docs/architecture.md section 5) and the `riskctl market-snapshot` / `replay` commands."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster.cli import app
from market_replay import day_quotes, generate_ticks, market_snapshot


def _by_name(snapshot: dict[str, object]) -> dict[str, dict[str, float]]:
    return {
        c["name"]: {f"{q['instrument']}/{q['tenor']}": q["rate_pct"] for q in c["quotes"]}
        for c in snapshot["curves"]  # type: ignore[attr-defined]
    }


def test_close_snapshot_has_the_design_format_and_full_fixings() -> None:
    snapshot = market_snapshot(date(2024, 3, 15))
    assert snapshot["as_of"] == "2024-03-15" and snapshot["fx"] == {"EURUSD": 1.10}
    curves = {c["name"]: c for c in snapshot["curves"]}
    assert list(curves) == ["USD-UST", "USD-SOFR", "EUR-ESTR", "EUR-EURIBOR-6M"]
    assert curves["EUR-EURIBOR-6M"]["discount_curve"] == "EUR-ESTR"
    assert curves["EUR-EURIBOR-6M"]["index"] == "EURIBOR6M" and curves["USD-SOFR"]["currency"] == "USD"
    closes = _by_name(snapshot)
    assert closes["USD-UST"] == day_quotes("USD", date(2024, 3, 15)).curves["USD-UST"]
    assert len(snapshot["fixings"]["SOFR"]) > 1000 and max(snapshot["fixings"]["ESTR"]) == "2024-03-14"
    assert "EUR-ESTR/ois/10Y" in snapshot["derived"] and snapshot["stale"] == []


def test_intraday_snapshot_is_the_replayed_tick_at_that_time() -> None:
    snapshot = market_snapshot(date(2024, 3, 15), time(12, 30), markets=["EUR"], ticks_per_day=9, seed=3)
    ticks = [
        s.tick
        for s in generate_ticks(
            date(2024, 3, 15), date(2024, 3, 15), markets=["EUR"], ticks_per_day=9, seed=3
        )
    ]
    # 9 ticks over 08:00-17:00: the 12:00 tick (k = 4) is the last one at or before 12:30
    assert ticks[3].market_time.hour == 12
    assert _by_name(snapshot) == ticks[3].curves
    assert snapshot["market_times"]["EUR"] == "2024-03-15T12:00:00+01:00"
    before_open = market_snapshot(date(2024, 3, 15), time(7, 0), markets=["EUR"])
    assert _by_name(before_open) == day_quotes("EUR", date(2024, 3, 14)).curves


def test_holiday_snapshot_is_the_last_close_all_stale() -> None:
    snapshot = market_snapshot(date(2024, 7, 4), markets=["USD"])
    assert _by_name(snapshot)["USD-UST"] == day_quotes("USD", date(2024, 7, 3)).curves["USD-UST"]
    assert "USD-UST/par_bond/10Y" in snapshot["stale"]


def test_cli_market_snapshot_writes_the_json(tmp_path: Path) -> None:
    out = tmp_path / "market.json"
    result = CliRunner().invoke(
        app, ["market-snapshot", "--date", "2024-03-15", "--time", "10:00", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    snapshot = json.loads(out.read_text())
    assert snapshot["as_of"] == "2024-03-15" and len(snapshot["curves"]) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["market-snapshot", "--date", "2001-01-02"], "covers"),
        (["market-snapshot", "--date", "2024-03-15", "--time", "25:00"], "error"),
        (["market-snapshot", "--date", "2024-03-15", "--markets", "GBP"], "unknown market"),
        (["replay", "--from", "2024-03-15", "--to", "2024-03-14", "--speed", "max"], "after"),
        (["replay", "--speed", "warp"], "speed"),
    ],
)
def test_cli_errors_are_one_clear_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output
