"""The hand-worked convention cases (``../shared/cases/conventions``, inputs copied to ``cases/``).

Each case is one example of a kind; the right values come from the case's ``expected.txt`` (computed by
hand from the published conventions), never from this engine's output.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import QuantLib as ql

from pricing import PortfolioEngine, price_portfolio, spec_from_dict
from pricing.dates import from_ql_date, to_ql_date
from pricing.instruments import build_instrument

CASES = Path(__file__).resolve().parent / "cases"
ENGINES = ("fast", "quantlib")


def _load(name: str) -> Any:
    return json.loads((CASES / name).read_text())


def _by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in result["instruments"]}


# -- 02: end-of-month coupon schedules ----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_case_02_feb28_maturity_pays_on_month_ends(sample_market_data: dict[str, Any], engine: str) -> None:
    result = _by_id(price_portfolio(_load("02-ust-eom-feb28-maturity-book.json"), sample_market_data, engine))
    # 2.3125 * 18/184 = 0.2262228261: 2024-02-29 -> 2024-03-18 over the regular half-year 2024-02-29 ->
    # 2024-08-31 (18/182, the Aug 28 roll, gives 0.2287088), reported as the Treasury rounds accrued interest:
    # to 5 decimals per $1,000 (31 CFR 356 App. B, I.D.4; the README's yield-bases table)
    assert result["UST-2Y-2026"]["accrued"] == round(2.3125 * 18 / 184, 6) == 0.226223
    # cash flows paid Following on 2024-09-03, 2025-02-28, 2025-09-02, 2026-03-02, on the engine's own curve
    assert result["UST-2Y-2026"]["pv"] == pytest.approx(4_997_656.77, abs=0.01)
    # control: an Aug 31 maturity was already right
    assert result["UST-2Y-2025-AUG31"]["accrued"] == round(2.5 * 18 / 184, 6) == 0.244565


def test_case_02_coupon_dates_and_amounts(sample_market_data: dict[str, Any]) -> None:
    spec = spec_from_dict(_load("02-ust-eom-feb28-maturity-book.json")["instruments"][0])
    engine = PortfolioEngine([spec], sample_market_data)
    bond = build_instrument(spec)
    coupons = [ql.as_coupon(cf) for cf in bond.cashflows() if ql.as_coupon(cf) is not None]
    assert [from_ql_date(c.accrualEndDate()).isoformat() for c in coupons] == [
        "2024-08-31",
        "2025-02-28",
        "2025-08-31",
        "2026-02-28",
    ]
    assert [c.amount() / (spec.face / 100.0) for c in coupons] == pytest.approx([2.3125] * 4, abs=1e-12)
    flows = engine.projected_cashflows(spec.id)
    assert [f["pay_date"] for f in flows] == [
        "2024-09-03",
        "2025-02-28",
        "2025-09-02",
        "2026-03-02",
        "2026-03-02",
    ]


# -- 05: alive until the last cash flow is paid -------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_case_05_bonds_paying_after_the_valuation_date_are_priced(
    sample_market_data: dict[str, Any], engine: str
) -> None:
    result = price_portfolio(_load("05-matured-and-maturing-bonds-book.json"), sample_market_data, engine)
    items = _by_id(result)
    for matured in ("UST-MATURED-2024-02-15", "BOND-MATURES-TODAY"):
        assert items[matured]["ok"] is False and "matured on" in items[matured]["error"]
    # last coupon + redemption, 102.5 per 100, paid Monday 2024-03-18: 1e4 * 102.5 * DF(3 days)
    assert items["CORP-MATURES-2024-03-18"]["pv"] == pytest.approx(1_024_536.15, abs=0.01)
    # Saturday maturity paid Monday: 1e4 * 101.5 * DF(2024-03-18) with DF = 0.9995474640
    assert items["UST-MATURES-SAT-2024-03-16"]["pv"] == pytest.approx(1e4 * 101.5 * 0.9995474640, abs=0.01)
    assert items["UST-91282CJZ5"]["pv"] == pytest.approx(978_166.73, abs=0.01)
    assert result["totals"]["n_ok"] == 3 and result["totals"]["n_failed"] == 2


@pytest.mark.parametrize(
    ("as_of", "alive"), [("2024-03-16", True), ("2024-03-17", True), ("2024-03-18", False)]
)
def test_saturday_maturity_is_alive_until_monday(market: dict[str, Any], as_of: str, alive: bool) -> None:
    market["as_of"] = as_of
    entries = _load("05-matured-and-maturing-bonds-book.json")["instruments"]
    result = _by_id(price_portfolio({"instruments": entries}, market))
    for ident in ("UST-MATURES-SAT-2024-03-16", "CORP-MATURES-2024-03-18"):
        assert result[ident]["ok"] is alive, result[ident]
        if not alive:
            assert "last cash flow paid on 2024-03-18" in result[ident]["error"]


def _compounded_sofr(fixings: dict[str, float], start: date, end: date) -> float:
    """Daily compounded SOFR over [start, end) by hand: each fixing accrues to the next SOFR business day."""
    calendar = ql.UnitedStates(ql.UnitedStates.SOFR)
    factor, day = 1.0, to_ql_date(start)
    while day < to_ql_date(end):
        following = calendar.advance(day, 1, ql.Days)
        factor *= 1.0 + fixings[from_ql_date(day).isoformat()] / 100.0 * (following - day) / 360.0
        day = following
    return factor


@pytest.mark.parametrize("engine", ENGINES)
def test_ois_whose_accrual_ended_is_alive_until_its_lagged_payment(
    sample_market_data: dict[str, Any], engine: str
) -> None:
    entry = {
        "id": "OIS-ENDED-2024-03-14",
        "type": "ois",
        "currency": "USD",
        "notional": 10_000_000,
        "side": "receive_fixed",
        "fixed_rate_pct": 5.0,
        "start_date": "2023-03-14",
        "maturity_date": "2024-03-14",
        "float_index": "SOFR",
    }
    portfolio = PortfolioEngine([spec_from_dict(entry)], sample_market_data, engine=engine)
    assert not portfolio.failures
    fixings = sample_market_data["fixings"]["SOFR"]
    compounded = _compounded_sofr(fixings, date(2023, 3, 14), date(2024, 3, 14))
    # both legs pay 2 SOFR business days after 2024-03-14: Friday 15th, Monday 18th
    net = 1e7 * (0.05 * 366 / 360) - 1e7 * (compounded - 1.0)
    discount = portfolio.curves.curves["USD-SOFR"].discount(3 / 365.0)
    assert portfolio.pv_matrix([0])[0, 0] == pytest.approx(net * discount, abs=1e-6)
    market = copy.deepcopy(sample_market_data)
    market["as_of"] = "2024-03-18"  # paid today: finished
    finished = PortfolioEngine([spec_from_dict(entry)], market, engine=engine)
    assert "last cash flow paid on 2024-03-18" in finished.failures["OIS-ENDED-2024-03-14"]


# -- 16: weekend and holiday valuation dates; one rule set --------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_case_16_saturday_prices_the_healthy_curves(sample_book: dict[str, Any], engine: str) -> None:
    market = _load("16-bad-inputs-market-saturday.json")
    result = price_portfolio(sample_book, market, engine)
    items = _by_id(result)
    assert list(result["curve_failures"]) == ["EUR-EURIBOR-6M"]
    assert (
        "Missing EURIBOR6M6M Actual/360 fixing for March 15th, 2024"
        in result["curve_failures"]["EUR-EURIBOR-6M"]
    )
    for ident in ("IRS-1", "IRS-2"):  # the EURIBOR swaps: their forecast curve failed, with its reason
        assert "curve EUR-EURIBOR-6M quote deposit/6M: bootstrap failed" in items[ident]["error"]
    for ident in ("UST-91282CJZ5", "UST-2Y-2026", "UST-30Y-2053", "BILL-2024-06-13", "OIS-ESTR-1"):
        assert items[ident]["ok"], items[ident]
    # the seasoned SOFR swap needs Friday's SOFR fixing (published Monday): its own reason, not the curve's
    assert items["OIS-SOFR-1"]["error"] == (
        "instrument OIS-SOFR-1: missing SOFR fixing for 2024-03-15 (add it to the snapshot's fixings)"
    )
    market["fixings"]["SOFR"]["2024-03-15"] = 5.31
    items = _by_id(price_portfolio(sample_book, market, engine))
    assert all(item["ok"] for item in items.values() if item["currency"] == "USD")


def test_good_friday_prices_the_curves_that_build(
    market: dict[str, Any], sample_book: dict[str, Any]
) -> None:
    market["as_of"] = "2024-03-29"  # Good Friday: a US-GOVT, US-SOFR and TARGET holiday
    result = price_portfolio(sample_book, market)
    items = _by_id(result)
    assert set(result["curve_failures"]) == {"EUR-EURIBOR-6M"}
    assert all(items[i]["ok"] for i in ("UST-91282CJZ5", "UST-2Y-2026", "UST-30Y-2053", "BILL-2024-06-13"))
    assert "depends on a curve that could not be built" in items["IRS-1"]["error"]
    assert not any(pillar.startswith("EUR-EURIBOR-6M/") for pillar in result["pillars"])
    assert result["totals"]["by_currency"]["USD"]["pv"] == pytest.approx(
        sum(items[i]["pv"] for i in items if items[i]["ok"] and items[i]["currency"] == "USD")
    )


def test_live_engine_recovers_a_failed_curve_when_the_fixing_arrives(market: dict[str, Any]) -> None:
    market["as_of"] = "2024-03-16"
    swap = spec_from_dict(
        {
            "id": "IRS-EUR",
            "type": "swap",
            "currency": "EUR",
            "notional": 10_000_000,
            "side": "pay_fixed",
            "fixed_rate_pct": 2.9,
            "start_date": "2024-03-19",
            "maturity_date": "2029-03-19",
            "fixed_frequency": "annual",
            "fixed_day_count": "30/360",
            "float_index": "EURIBOR6M",
            "float_spread_bp": 0.0,
            "discount_curve": "EUR-ESTR",
            "forecast_curve": "EUR-EURIBOR-6M",
        }
    )
    engine = PortfolioEngine([swap], market)
    assert "EUR-EURIBOR-6M" in engine.curves.failures and "IRS-EUR" in engine.failures
    # on a Saturday the 6M deposit is Friday's EURIBOR fixing: once published, the curve builds
    deposit = next(c for c in market["curves"] if c["name"] == "EUR-EURIBOR-6M")["quotes"][0]
    assert deposit["instrument"] == "deposit"
    market["fixings"]["EURIBOR6M"]["2024-03-15"] = deposit["rate_pct"]
    assert engine.update_market(market) is True
    assert not engine.curves.failures and engine.ids == ("IRS-EUR",)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("tenor", "maturity"), [("2Y", "2026-02-28"), ("3Y", "2027-02-28"), ("5Y", "2029-02-28")]
)
def test_month_end_ois_reprices_its_curve_quote(
    market: dict[str, Any], engine: str, tenor: str, maturity: str
) -> None:
    """An OIS starting on a month end (settlement 2024-02-29) rolls on month ends like the curve's own OIS
    helper: at the quoted rate it is worth 0 (without the EOM flag it is off by ~0.19 per 1M at 5Y)."""
    market["as_of"] = "2024-02-27"
    sofr = next(c for c in market["curves"] if c["name"] == "USD-SOFR")
    rate = next(q["rate_pct"] for q in sofr["quotes"] if q["tenor"] == tenor)
    entry = {
        "id": f"OIS-{tenor}",
        "type": "ois",
        "currency": "USD",
        "notional": 1_000_000,
        "side": "receive_fixed",
        "fixed_rate_pct": rate,
        "start_date": "2024-02-29",
        "maturity_date": maturity,
        "float_index": "SOFR",
    }
    portfolio = PortfolioEngine([spec_from_dict(entry)], market, engine=engine)
    assert abs(portfolio.pv_matrix([0])[0, 0]) < 1e-6
