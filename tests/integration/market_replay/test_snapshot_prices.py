"""A market snapshot of a real date bootstraps in `pricing` and through `riskctl price`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cluster.cli import app
from market_replay import market_snapshot

# seasoned trades so that past fixings (SOFR, ESTR, EURIBOR6M) are needed too
BOOK: dict[str, Any] = {
    "instruments": [
        {"id": "UST-10Y", "type": "bond", "currency": "USD", "face": 1000000, "coupon_pct": 1.25,
         "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2021-08-15",
         "maturity_date": "2031-08-15", "discount_curve": "USD-UST", "book": "GOVT"},
        {"id": "IRS-EUR", "type": "swap", "currency": "EUR", "notional": 10000000, "side": "pay_fixed",
         "fixed_rate_pct": 0.5, "start_date": "2021-06-21", "maturity_date": "2036-06-21",
         "fixed_frequency": "annual", "fixed_day_count": "30/360", "float_index": "EURIBOR6M",
         "float_spread_bp": 0, "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M",
         "book": "SWAPS"},
        {"id": "OIS-SOFR", "type": "ois", "currency": "USD", "notional": 50000000, "side": "receive_fixed",
         "fixed_rate_pct": 1.2, "start_date": "2021-06-15", "maturity_date": "2041-06-15",
         "fixed_frequency": "annual", "fixed_day_count": "ACT/360", "float_index": "SOFR",
         "discount_curve": "USD-SOFR", "book": "SWAPS"},
        {"id": "OIS-ESTR", "type": "ois", "currency": "EUR", "notional": 20000000, "side": "pay_fixed",
         "fixed_rate_pct": 0.1, "start_date": "2021-06-15", "maturity_date": "2051-06-15",
         "float_index": "ESTR", "discount_curve": "EUR-ESTR", "book": "SWAPS"},
    ]
}  # fmt: skip


@pytest.mark.parametrize(
    "day",
    [
        date(2021, 8, 9),  # first date of the EUR data
        date(2022, 6, 15),  # hiking cycle, inverted curves
        date(2024, 3, 15),
        date(2024, 7, 4),  # US holiday: carried-forward USD quotes
        date(2026, 3, 16),  # derived Treasury tenors (partial H.15 extension)
        date(2026, 8, 5),  # last date of the data
    ],
)
def test_snapshot_of_a_real_date_bootstraps_and_prices(day: date) -> None:
    from pricing import price_portfolio

    result = price_portfolio(BOOK, market_snapshot(day), engine="fast")
    failures = {i["id"]: i["error"] for i in result["instruments"] if not i["ok"]}
    assert failures == {}
    pillars = set(result["totals"]["kr01"])
    assert {"USD-UST/5Y", "USD-SOFR/10Y", "EUR-ESTR/20Y", "EUR-EURIBOR-6M/7Y"} <= pillars


def test_riskctl_price_reads_the_riskctl_market_snapshot(tmp_path: Path) -> None:
    market, book, out = tmp_path / "market.json", tmp_path / "book.json", tmp_path / "result.json"
    book.write_text(json.dumps(BOOK))
    runner = CliRunner()
    made = runner.invoke(
        app, ["market-snapshot", "--date", "2024-03-15", "--time", "11:00", "-o", str(market)]
    )
    assert made.exit_code == 0, made.output
    priced = runner.invoke(app, ["price", "--book", str(book), "--market", str(market), "-o", str(out)])
    assert priced.exit_code == 0, priced.output
    result = json.loads(out.read_text())
    assert all(i["ok"] for i in result["instruments"]) and len(result["instruments"]) == 4
