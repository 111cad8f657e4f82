"""The one conversion to USD (pricing.fx) and what price_portfolio does without a rate: refused, naming
the pairs, never a None total."""

from __future__ import annotations

from typing import Any

import pytest

from pricing import MarketDataError, MissingFxRate, price_portfolio
from pricing.fx import reporting_rate


def test_direct_and_inverse_pairs_and_usd_itself() -> None:
    assert reporting_rate("USD", {}) == 1.0
    assert reporting_rate("EUR", {"EURUSD": 1.089}) == 1.089
    assert reporting_rate("EUR", {"USDEUR": 0.8}) == pytest.approx(1.25, rel=1e-15)
    assert reporting_rate("EUR", {"EURUSD": 1.089, "USDEUR": 0.8}) == 1.089  # the direct pair first


def test_a_missing_rate_names_both_pairs() -> None:
    with pytest.raises(MissingFxRate, match="add EURUSD \\(USD per EUR\\) or USDEUR") as caught:
        reporting_rate("EUR", {"GBPUSD": 1.27})
    assert caught.value.currency == "EUR" and isinstance(caught.value, MarketDataError)


def test_price_portfolio_refuses_a_market_without_the_rate_of_a_currency_it_values(
    sample_market_data: dict[str, Any], sample_book: dict[str, Any]
) -> None:
    without = sample_market_data | {"fx": {}}
    with pytest.raises(MissingFxRate, match="no rate from EUR to USD"):
        price_portfolio(sample_book, without)
    inverse = sample_market_data | {"fx": {"USDEUR": 1.0 / sample_market_data["fx"]["EURUSD"]}}
    direct = price_portfolio(sample_book, sample_market_data)["totals"]
    assert price_portfolio(sample_book, inverse)["totals"]["pv"] == pytest.approx(direct["pv"], rel=1e-12)


def test_a_book_valued_in_usd_only_needs_no_rate(
    sample_market_data: dict[str, Any], sample_book: dict[str, Any]
) -> None:
    usd_only = {"instruments": [i for i in sample_book["instruments"] if i["currency"] == "USD"]}
    totals = price_portfolio(usd_only, sample_market_data | {"fx": {}})["totals"]
    assert totals["pv"] == pytest.approx(totals["by_currency"]["USD"]["pv"], rel=1e-15)
    assert "fx_missing" not in totals
    # EUR positions whose curves are absent fail with their reason and need no rate either
    usd_curves = [c for c in sample_market_data["curves"] if c["name"].startswith("USD")]
    result = price_portfolio(sample_book, sample_market_data | {"fx": {}, "curves": usd_curves})
    failed = [i for i in result["instruments"] if not i["ok"]]
    assert failed and all(i["currency"] == "EUR" for i in failed)
    assert result["totals"]["n_failed"] == len(failed) and result["totals"]["pv"] is not None
