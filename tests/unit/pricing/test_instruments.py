"""Specs round-trip and pickle; a bad instrument is a failed result with its reason, the rest is priced."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from pricing import SpecError, price_portfolio, spec_from_dict, spec_to_dict
from pricing.specs import cashflow_count


def test_specs_round_trip_and_pickle(sample_book: dict[str, Any]) -> None:
    for entry in sample_book["instruments"]:
        spec = spec_from_dict(entry)
        assert pickle.loads(pickle.dumps(spec)) == spec
        assert spec_from_dict(spec_to_dict(spec)) == spec
    bill = spec_from_dict(sample_book["instruments"][3])
    assert cashflow_count(bill) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"maturity_date": "2020-06-20"}, "maturity_date: 2020-06-20 is not after start_date 2023-06-20"),
        ({"float_index": "LIBOR3M"}, "float_index 'LIBOR3M' unknown"),
        ({"type": "cap"}, "type 'cap' unknown"),
        ({"notional": "ten million"}, "notional 'ten million' is not a finite number"),
        ({"forecast_curve": "EUR-ESTR"}, "forecast_curve EUR-ESTR does not forecast EURIBOR6M"),
        ({"side": "long"}, "side 'long' unknown"),
    ],
)
def test_bad_instrument_fails_alone(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    book = copy.deepcopy(sample_book)
    book["instruments"][4].update(change)  # IRS-1
    result = price_portfolio(book, sample_market_data)
    failed = result["instruments"][4]
    assert failed["ok"] is False and failed["pv"] is None
    assert reason in failed["error"]
    assert [i["ok"] for i in result["instruments"]].count(True) == len(book["instruments"]) - 1
    assert result["totals"]["n_failed"] == 1
    with pytest.raises(SpecError, match=reason.replace("(", r"\(")):
        spec_from_dict(book["instruments"][4])


def test_missing_past_fixing_names_the_date(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any]
) -> None:
    market = copy.deepcopy(sample_market_data)
    del market["fixings"]["EURIBOR6M"]["2023-12-18"]  # IRS-1's current coupon fixed on 2023-12-18
    del market["fixings"]["SOFR"]["2024-01-02"]
    result = {i["id"]: i for i in price_portfolio(sample_book, market)["instruments"]}
    assert result["IRS-1"]["ok"] is False
    assert "missing EURIBOR6M fixing for 2023-12-18" in result["IRS-1"]["error"]
    assert "missing SOFR fixing for 2024-01-02" in result["OIS-SOFR-1"]["error"]
    assert result["IRS-2"]["ok"] and result["UST-91282CJZ5"]["ok"]


def test_instrument_on_a_curve_absent_from_the_snapshot(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any]
) -> None:
    market = copy.deepcopy(sample_market_data)
    market["curves"] = [c for c in market["curves"] if c["name"] != "USD-SOFR"]
    result = {i["id"]: i for i in price_portfolio(sample_book, market, engine="quantlib")["instruments"]}
    assert "curve USD-SOFR is not in the market snapshot" in result["OIS-SOFR-1"]["error"]
    assert result["IRS-1"]["ok"]


def test_matured_instrument_fails(sample_book: dict[str, Any], sample_market_data: dict[str, Any]) -> None:
    book = copy.deepcopy(sample_book)
    book["instruments"][3].update(issue_date="2023-12-14", maturity_date="2024-03-14")
    result = price_portfolio(book, sample_market_data)["instruments"][3]
    assert not result["ok"] and "matured on 2024-03-14" in result["error"]
