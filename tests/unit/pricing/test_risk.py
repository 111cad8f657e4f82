"""Risk measures: kr01 adds up to dv01, equals a brute-force re-bootstrap, gamma signs, dual curve."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import numpy as np
import pytest

from pricing import PortfolioEngine, measures_from_pv_matrix, price_portfolio, spec_from_dict
from pricing.book_generator import generate_book


@pytest.fixture(scope="module")
def sample_result(sample_book: dict[str, Any], sample_market_data: dict[str, Any]) -> dict[str, Any]:
    return price_portfolio(sample_book, sample_market_data)


def test_sum_of_kr01_matches_dv01(book_500: list[dict[str, Any]], sample_market_data: dict[str, Any]) -> None:
    engine = PortfolioEngine([spec_from_dict(d) for d in book_500], sample_market_data)
    measures = measures_from_pv_matrix(engine.pv_matrix(), engine.scenarios)
    checked = 0
    for risk in measures:
        if abs(risk.dv01) > 1.0:  # below 1 currency unit a 1% relative test is noise
            assert sum(risk.kr01.values()) == pytest.approx(risk.dv01, rel=0.01)
            checked += 1
    assert checked > 450


def _bumped(market: dict[str, Any], curve: str, tenor: str, shift_pct: float) -> dict[str, Any]:
    bumped = copy.deepcopy(market)
    quote = next(
        q for c in bumped["curves"] if c["name"] == curve for q in c["quotes"] if q["tenor"] == tenor
    )
    quote["rate_pct"] += shift_pct
    return bumped


@pytest.mark.parametrize(
    ("ident", "pillar"),
    [
        ("IRS-1", "EUR-ESTR/10Y"),
        ("IRS-1", "EUR-EURIBOR-6M/10Y"),
        ("UST-91282CJZ5", "USD-UST/10Y"),
        ("OIS-SOFR-1", "USD-SOFR/2Y"),
    ],
)
def test_kr01_equals_brute_force_rebootstrap(
    sample_book: dict[str, Any],
    sample_market_data: dict[str, Any],
    sample_result: dict[str, Any],
    ident: str,
    pillar: str,
) -> None:
    curve, tenor = pillar.rsplit("/", 1)
    entry = next(i for i in sample_book["instruments"] if i["id"] == ident)
    book = {"instruments": [entry]}
    up = price_portfolio(book, _bumped(sample_market_data, curve, tenor, 0.01))["instruments"][0]["pv"]
    down = price_portfolio(book, _bumped(sample_market_data, curve, tenor, -0.01))["instruments"][0]["pv"]
    kr01 = next(i for i in sample_result["instruments"] if i["id"] == ident)["kr01"][pillar]
    assert abs(kr01) > 1.0
    assert kr01 == pytest.approx((down - up) / 2.0, rel=1e-6, abs=1e-6)


def test_gamma_signs(sample_result: dict[str, Any]) -> None:
    by_id = {i["id"]: i for i in sample_result["instruments"]}
    assert by_id["UST-30Y-2053"]["gamma"] > 0  # long bond: convex
    assert by_id["UST-30Y-2053"]["dv01"] > 0
    assert by_id["IRS-1"]["gamma"] < 0  # payer: short the convex fixed leg
    assert by_id["IRS-1"]["dv01"] < 0
    assert by_id["IRS-2"]["gamma"] > 0  # receiver
    assert by_id["IRS-2"]["dv01"] > 0


def test_dual_curve_estr_moves_eur_swaps_and_usd_bond_has_no_eur_risk(sample_result: dict[str, Any]) -> None:
    by_id = {i["id"]: i for i in sample_result["instruments"]}
    estr_risk = {k: v for k, v in by_id["IRS-1"]["kr01"].items() if k.startswith("EUR-ESTR/")}
    assert estr_risk and max(abs(v) for v in estr_risk.values()) > 1.0
    for bond in ("UST-91282CJZ5", "UST-30Y-2053", "BILL-2024-06-13"):
        assert by_id[bond]["kr01"] and all(k.startswith("USD-UST/") for k in by_id[bond]["kr01"])


def test_totals_per_currency_and_in_usd(
    sample_result: dict[str, Any], sample_market_data: dict[str, Any]
) -> None:
    totals = sample_result["totals"]
    eur, usd = totals["by_currency"]["EUR"], totals["by_currency"]["USD"]
    fx = sample_market_data["fx"]["EURUSD"]
    assert totals["pv"] == pytest.approx(usd["pv"] + fx * eur["pv"])
    assert totals["dv01"] == pytest.approx(usd["dv01"] + fx * eur["dv01"])
    assert totals["kr01"]["EUR-ESTR/10Y"] == pytest.approx(fx * eur["kr01"]["EUR-ESTR/10Y"])
    assert totals["n_ok"] == 8 and totals["n_failed"] == 0


def test_bond_analytics_in_output(sample_result: dict[str, Any]) -> None:
    bond = next(i for i in sample_result["instruments"] if i["id"] == "UST-91282CJZ5")
    # a 4% 10Y note on a curve with a 4.31% 10Y par yield trades below par at about that yield
    assert 96.0 < bond["clean_price"] < 99.0
    assert bond["ytm_pct"] == pytest.approx(4.31, abs=0.03)
    assert bond["macaulay_duration"] > bond["modified_duration"] > 7.0
    # Feb 15 -> Mar 18 settlement, rounded to 5 decimals per $1,000 (31 CFR 356 App. B, I.D.4)
    assert bond["accrued"] == round(4.0 / 2 * 32 / 182, 6)


def test_generated_book_is_deterministic_with_the_design_mix() -> None:
    first = generate_book(2000, date(2024, 3, 15), seed=3)
    assert first == generate_book(2000, date(2024, 3, 15), seed=3)
    kinds = [i["type"] for i in first]
    assert kinds.count("bond") / 2000 == pytest.approx(0.5, abs=0.04)
    assert kinds.count("swap") / 2000 == pytest.approx(0.3, abs=0.04)
    assert kinds.count("ois") / 2000 == pytest.approx(0.2, abs=0.04)
    seasoned = [i for i in first if i["type"] != "bond" and i["start_date"] < "2024-03-15"]
    assert len(seasoned) > 400
    assert np.all([spec_from_dict(i) is not None for i in first])
