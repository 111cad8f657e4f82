"""Textbook bond values and the engine's bond analytics on the calculator's yield rules.

Sources:
- Fabozzi, *Bond Markets, Analysis, and Strategies* (ch. 2, pricing a bond): a 20-year 10% semiannual
  coupon bond at a required yield of 11% is worth 91.9770 per 100 (919.77 per 1,000).
- Zero coupon bond (any fixed income text, e.g. Fabozzi ch. 4): with yield ``y`` compounded semiannually
  and ``n`` years, Macaulay duration ``n``, modified ``n / (1 + y/2)``,
  convexity ``n (2n + 1) / 2 / (1 + y/2)^2``.
- Convention cases 13 (bill bond-equivalent yield) and 15 (street yield in the final coupon period) of
  ``tests/data/conventions`` (hand-worked answers in their ``expected.txt``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import QuantLib as ql

from pricing import BondSpec, price_portfolio
from pricing.analytics import analytics_at_clean_price, analytics_at_yield, analytics_on_curve
from pricing.calculator import calculate_instrument
from pricing.instruments import build_instrument

CASES = Path(__file__).resolve().parents[2] / "data" / "conventions"


@pytest.fixture(scope="module")
def sample_result(sample_book: dict[str, Any], sample_market_data: dict[str, Any]) -> dict[str, Any]:
    return price_portfolio(sample_book, sample_market_data)


def _spec(
    coupon_pct: float, years: int, frequency: str = "semiannual", day_count: str = "ACT/ACT-ICMA"
) -> BondSpec:
    issue = date(2020, 1, 15)
    return BondSpec(
        "T", "USD", 100.0, coupon_pct, frequency, day_count, issue, issue.replace(year=issue.year + years),
        "USD-UST", settlement_days=0, calendar="NONE",
    )  # fmt: skip


def test_fabozzi_price_from_yield_and_back() -> None:
    spec = _spec(10.0, 20)
    analytics = analytics_at_yield(spec, 11.0, spec.issue_date)
    assert analytics.clean_price == pytest.approx(91.977, abs=5e-4)  # 919.77 per 1,000, to the cent
    assert analytics.accrued == 0.0
    assert analytics_at_clean_price(spec, 91.9770, spec.issue_date).ytm_pct == pytest.approx(11.0, abs=1e-4)


def test_zero_coupon_duration_and_convexity() -> None:
    spec = _spec(0.0, 10, frequency="once")
    y = 0.05
    analytics = analytics_at_yield(spec, 100 * y, spec.issue_date)
    assert analytics.clean_price == pytest.approx(100 / (1 + y / 2) ** 20, abs=1e-9)
    assert analytics.macaulay_duration == pytest.approx(10.0, abs=1e-9)
    assert analytics.modified_duration == pytest.approx(10 / (1 + y / 2), abs=1e-9)
    assert analytics.convexity == pytest.approx(10 * 21 / 2 / (1 + y / 2) ** 2, abs=1e-6)


@pytest.mark.parametrize("day_count", ["ACT/ACT-ICMA", "ACT/360", "ACT/365F", "30/360", "ACT/ACT-ISDA"])
def test_a_zero_has_the_same_yield_and_durations_on_every_day_count(day_count: str) -> None:
    spec = _spec(0.0, 10, frequency="once", day_count=day_count)
    reference = analytics_at_yield(_spec(0.0, 10, frequency="once"), 4.0, date(2024, 3, 18))
    assert analytics_at_yield(spec, 4.0, date(2024, 3, 18)) == reference
    assert reference.macaulay_duration is not None and reference.macaulay_duration < 5.83


def _run_case(name: str) -> dict[str, dict[str, Any]]:
    book = json.loads((CASES / name / "book.json").read_text())
    market = json.loads((CASES / name / "market.json").read_text())
    result = price_portfolio(book, market)
    return {item["id"]: item for item in result["instruments"]}


def test_case_13_bill_reports_its_bond_equivalent_yield_on_every_day_count() -> None:
    bills = _run_case("13-tbill-bond-equivalent-yield")
    assert len(bills) == 3
    for bill in bills.values():
        assert bill["ok"], bill
        assert bill["clean_price"] == pytest.approx(99.70556918, abs=1e-8)
        assert bill["ytm_pct"] == pytest.approx(1.3998, abs=1e-8)
        assert bill["macaulay_duration"] == pytest.approx(77 / 365, abs=1e-9)
        assert bill["modified_duration"] == pytest.approx(0.210338, abs=5e-7)


def test_case_15_street_yield_in_the_final_period() -> None:
    bonds = _run_case("15-street-yield-last-period-weekend-maturity")
    saturday, wednesday = bonds["UST-0.25-2024-06-15-SAT"], bonds["UST-2.5-2024-05-15-WED"]
    assert saturday["dirty_price"] == pytest.approx(98.77548212, abs=1e-7)
    assert saturday["ytm_pct"] == pytest.approx(5.618502, abs=1e-6)  # E=183, A=94, DSR=89 to Saturday
    assert wednesday["dirty_price"] == pytest.approx(100.37496664, abs=1e-7)
    assert wednesday["ytm_pct"] == pytest.approx(5.471074, abs=1e-6)  # E=182, A=124, DSR=58
    assert saturday["macaulay_duration"] == pytest.approx(89 / 366, abs=1e-9)  # to the unadjusted date


def test_sample_bill_reports_the_bond_equivalent_yield(sample_result: dict[str, Any]) -> None:
    bill = next(i for i in sample_result["instruments"] if i["id"] == "BILL-2024-06-13")
    assert bill["ytm_pct"] == pytest.approx(5.48, abs=5e-5)  # the 3M bill quote it sits on


def test_position_yield_is_the_calculators_yield_at_its_clean_price(sample_result: dict[str, Any]) -> None:
    book = json.loads((Path(__file__).resolve().parents[3] / "pricing" / "samples" / "book.json").read_text())
    terms = {item["id"]: item for item in book["instruments"]}
    checked = 0
    for item in sample_result["instruments"]:
        if item.get("clean_price") is None:
            continue
        row = {"clean_price": item["clean_price"], "settle_date": "2024-03-18"}
        calculator = calculate_instrument(terms[item["id"]], row)
        assert calculator["yield_pct"] == pytest.approx(item["ytm_pct"], abs=1e-6)
        assert calculator["accrued"] == pytest.approx(item["accrued"], abs=1e-12)
        assert calculator["modified_duration"] == pytest.approx(item["modified_duration"], rel=1e-9)
        checked += 1
    assert checked == 4


def test_bill_reports_its_quote_back_in_a_leap_year_window() -> None:
    # case 13 a year earlier: settle Monday 2023-08-07, the year after holds 2024-02-29 (366-day basis)
    book = json.loads((CASES / "13-tbill-bond-equivalent-yield" / "book.json").read_text())
    market = json.loads((CASES / "13-tbill-bond-equivalent-yield" / "market.json").read_text())
    market["as_of"] = "2023-08-04"
    for item in book["instruments"]:
        item.update(issue_date="2023-07-24", maturity_date="2023-10-23")
    result = price_portfolio(book, market)
    for bill in result["instruments"]:
        assert bill["ytm_pct"] == pytest.approx(1.3998, abs=1e-8)
        assert bill["clean_price"] == pytest.approx(100 / (1 + 0.013998 * 77 / 366), abs=1e-8)
        assert bill["macaulay_duration"] == pytest.approx(77 / 366, abs=1e-9)


def test_a_bond_settling_after_its_weekend_maturity_has_no_yield() -> None:
    # matures Saturday 2024-03-16, paid Monday 2024-03-18 = the settlement date of Friday's valuation
    spec = BondSpec(
        "SAT",
        "USD",
        100.0,
        4.0,
        "semiannual",
        "ACT/ACT-ICMA",
        date(2021, 3, 16),
        date(2024, 3, 16),
        "USD-UST",
    )
    ql.Settings.instance().evaluationDate = ql.Date(15, 3, 2024)
    curve = ql.FlatForward(ql.Date(15, 3, 2024), 0.05, ql.Actual365Fixed())
    analytics = analytics_on_curve(build_instrument(spec), spec, curve)
    assert analytics.ytm_pct is None and analytics.modified_duration is None
    assert analytics.dirty_price == pytest.approx(102.0, abs=1e-9)  # last coupon and principal, paid that day
