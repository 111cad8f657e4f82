"""Every curve instrument reprices to its quote; the dual curve moves with its discount curve."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
import QuantLib as ql

from pricing import BondSpec, PortfolioEngine, SwapSpec, parse_market
from pricing.conventions import CALENDARS
from pricing.curves import CurveSet, bill_price
from pricing.dates import from_ql_date, to_ql_date

AS_OF = date(2024, 3, 15)


@pytest.fixture(scope="module")
def curve_sets(sample_market_data: dict[str, Any]) -> dict[str, CurveSet]:
    snapshot = parse_market(sample_market_data)
    return {kind: CurveSet(snapshot, kind) for kind in ("linear_zero", "loglinear_discount")}


@pytest.mark.parametrize("interpolation", ["linear_zero", "loglinear_discount"])
def test_every_helper_reprices_to_its_quote(curve_sets: dict[str, CurveSet], interpolation: str) -> None:
    curves = curve_sets[interpolation]
    ql.Settings.instance().evaluationDate = to_ql_date(AS_OF)
    for key, helper in curves.helpers.items():
        instrument = key.split("/")[-1]
        implied, quoted = helper.impliedQuote(), curves.quote_price(key)
        if instrument == "bill":
            # price quotes: 1e-8 in yield is at most 30 years * 1e-8 * 100 in price
            assert abs(implied - quoted) < 30 * 1e-8 * 100, (key, implied, quoted)
        else:
            assert abs(implied - quoted) < 1e-8, (key, instrument, implied, quoted)


def test_bill_and_par_bond_price_formulas() -> None:
    settle = date(2024, 3, 18)

    def days(n: int) -> date:
        return date.fromordinal(settle.toordinal() + n)

    assert bill_price(0.05, settle, days(91)) == pytest.approx(100 / (1 + 0.05 * 91 / 365), abs=1e-12)
    # the >183 day Treasury formula joins the short one: one more day costs about one day of carry
    assert 0.0 < bill_price(0.05, settle, days(183)) - bill_price(0.05, settle, days(184)) < 0.015
    # a year after 2023-03-18 holds 2024-02-29: 366-day basis (31 CFR 356 App. B)
    leap = date(2023, 3, 18)
    assert bill_price(0.05, leap, date(2023, 6, 17)) == pytest.approx(100 / (1 + 0.05 * 91 / 366), abs=1e-12)


def test_independent_par_instruments_reprice(sample_market_data: dict[str, Any]) -> None:
    """Our own swap and bond specs at the quoted rate value at par on the bootstrapped curves."""
    snapshot = parse_market(sample_market_data)
    target = CALENDARS["TARGET"]
    start = from_ql_date(target.advance(to_ql_date(AS_OF), 2, ql.Days))
    end = start.replace(year=start.year + 10)  # unadjusted, as the helper's schedule rolls from it
    rate = next(q.rate for q in snapshot.curve("EUR-EURIBOR-6M").quotes if q.tenor == "10Y")
    swap = SwapSpec(
        "par-10y",
        "EUR",
        1e6,
        "pay_fixed",
        rate * 100,
        start,
        end,
        "annual",
        "30/360",
        "EURIBOR6M",
        0.0,
        "EUR-ESTR",
        "EUR-EURIBOR-6M",
    )
    settle = from_ql_date(CALENDARS["US-GOVT"].advance(to_ql_date(AS_OF), 1, ql.Days))
    coupon = next(q.rate for q in snapshot.curve("USD-UST").quotes if q.tenor == "7Y")
    bond = BondSpec(
        "par-7y",
        "USD",
        100.0,
        coupon * 100,
        "semiannual",
        "ACT/ACT-ICMA",
        settle,
        settle.replace(year=settle.year + 7),
        "USD-UST",
        calendar="NONE",
    )  # par yields are street convention: unadjusted coupon dates
    engine = PortfolioEngine([swap, bond], snapshot, engine="quantlib")
    pv = engine.pv_matrix([0])[:, 0]
    dv01 = -np.diff(engine.pv_matrix([2, 1]), axis=1)[:, 0] / 2.0
    # PV over DV01 is the rate error in bp: below 1e-8 in rate = 1e-4 bp
    assert abs(pv[0] / dv01[0]) < 1e-4
    analytics = engine.bond_analytics()["par-7y"]
    assert analytics.clean_price == pytest.approx(100.0, abs=7 * 1e-8 * 100)


def test_estr_bump_moves_euribor_forwards(curve_sets: dict[str, CurveSet]) -> None:
    curves = curve_sets["linear_zero"]
    base = curves.node_values("EUR-EURIBOR-6M")
    curves.apply_bumps({"EUR-ESTR/10Y": 0.0001})
    try:
        bumped = curves.node_values("EUR-EURIBOR-6M")
        usd = curves.node_values("USD-UST")
    finally:
        curves.reset(["EUR-ESTR/10Y"])
    assert np.abs(bumped - base).max() > 1e-7
    assert np.array_equal(usd, curves.node_values("USD-UST"))
    assert curves.affected_curves(["EUR-ESTR/10Y"]) == {"EUR-ESTR", "EUR-EURIBOR-6M"}
    np.testing.assert_allclose(
        curves.node_values("EUR-EURIBOR-6M"), base, rtol=0, atol=1e-11
    )  # solver accuracy
