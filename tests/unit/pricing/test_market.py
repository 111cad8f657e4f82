"""Market snapshot validation: every bad input names the curve and the quote."""

from __future__ import annotations

from typing import Any

import pytest

from pricing import MarketDataError, parse_market, price_portfolio
from pricing.conventions import CURRENCIES, CURVES, DAY_COUNTS, FREQUENCIES, INDICES


def _curve(market: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in market["curves"] if c["name"] == name)


def test_conventions_cover_the_standard_market() -> None:
    assert set(CURVES) == {"USD-UST", "USD-SOFR", "EUR-ESTR", "EUR-EURIBOR-6M"}
    assert set(INDICES) == {"SOFR", "ESTR", "EURIBOR6M"}
    assert {"ACT/360", "ACT/365F", "ACT/ACT-ICMA", "ACT/ACT-ISDA", "30/360", "30E/360"} <= set(DAY_COUNTS)
    assert set(FREQUENCIES) == {"annual", "semiannual", "quarterly", "monthly", "once"}
    assert frozenset({"USD", "EUR"}) == CURRENCIES
    assert CURVES["EUR-EURIBOR-6M"].discount_curve == "EUR-ESTR"
    assert INDICES["EURIBOR6M"].forecast_curve == "EUR-EURIBOR-6M"


def test_sample_snapshot_parses_with_defaults(market: dict[str, Any]) -> None:
    for curve in market["curves"]:
        for key in ("currency", "index", "discount_curve"):
            curve.pop(key, None)
    snapshot = parse_market(market)
    assert snapshot.curve("EUR-EURIBOR-6M").discount_curve == "EUR-ESTR"
    assert snapshot.curve("USD-SOFR").quotes[0].rate == pytest.approx(0.0531)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda m: _curve(m, "USD-SOFR")["quotes"][3].pop("tenor"),
            "curve USD-SOFR quote ois: missing tenor",
        ),
        (
            lambda m: _curve(m, "EUR-ESTR")["quotes"].append(
                {"instrument": "ois", "tenor": "10Y", "rate_pct": 2.6}
            ),
            "curve EUR-ESTR quote ois/10Y: duplicate tenor 10Y",
        ),
        (lambda m: m["curves"].append({"name": "GBP-SONIA", "quotes": []}), "unknown curve 'GBP-SONIA'"),
        (
            lambda m: _curve(m, "USD-UST")["quotes"].append(
                {"instrument": "swap", "tenor": "15Y", "rate_pct": 4.4}
            ),
            "curve USD-UST quote swap/15Y: unknown instrument 'swap'",
        ),
        (
            lambda m: _curve(m, "EUR-EURIBOR-6M")["quotes"][4].update(rate_pct="2.9"),
            "curve EUR-EURIBOR-6M quote swap/3Y: rate_pct '2.9' is not a number",
        ),
        (
            lambda m: _curve(m, "USD-UST")["quotes"][8].update(rate_pct=431.0),
            "curve USD-UST quote par_bond/5Y: rate_pct 431.0 is absurd",
        ),
        (
            lambda m: m["curves"].remove(_curve(m, "EUR-ESTR")),
            "curve EUR-EURIBOR-6M: its discount curve EUR-ESTR is absent",
        ),
        (lambda m: _curve(m, "USD-SOFR").update(currency="EUR"), "curve USD-SOFR: currency 'EUR' disagrees"),
        (lambda m: _curve(m, "USD-SOFR")["quotes"][2].update(tenor="1Q"), "curve USD-SOFR quote ois/1Q"),
    ],
)
def test_bad_market_data_names_curve_and_quote(
    market: dict[str, Any], sample_book: dict[str, Any], mutate: Any, expected: str
) -> None:
    mutate(market)
    with pytest.raises(MarketDataError, match=expected.replace("(", r"\(").replace("?", r"\?")):
        price_portfolio(sample_book, market)


def test_bootstrap_failure_fails_only_the_positions_on_that_curve(
    market: dict[str, Any], sample_book: dict[str, Any]
) -> None:
    # a 6X12 FRA and a 1Y swap end on the same date: two instruments for one pillar
    _curve(market, "EUR-EURIBOR-6M")["quotes"].append({"instrument": "swap", "tenor": "1Y", "rate_pct": 3.6})
    result = price_portfolio(sample_book, market)
    reason = "curve EUR-EURIBOR-6M quote fra/6X12 and swap/1Y"
    assert list(result["curve_failures"]) == ["EUR-EURIBOR-6M"]
    assert reason in result["curve_failures"]["EUR-EURIBOR-6M"]
    for item in result["instruments"]:
        if item["type"] == "swap":  # the EURIBOR swaps
            assert not item["ok"] and reason in item["error"], item
        else:
            assert item["ok"], item
    assert not any(p.startswith("EUR-EURIBOR-6M/") for p in result["pillars"])


def test_no_curve_at_all_is_a_market_error(market: dict[str, Any], sample_book: dict[str, Any]) -> None:
    market["curves"] = [_curve(market, "EUR-ESTR"), _curve(market, "EUR-EURIBOR-6M")]
    # 12M and 1Y end on the same date: two instruments for one pillar
    _curve(market, "EUR-ESTR")["quotes"].append({"instrument": "ois", "tenor": "12M", "rate_pct": 3.6})
    with pytest.raises(
        MarketDataError, match=r"curve EUR-ESTR quote.*EUR-EURIBOR-6M: its discount curve EUR-ESTR failed"
    ):
        price_portfolio(sample_book, market)
