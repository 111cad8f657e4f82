"""The Treasury calculator against the Treasury's own numbers.

- 31 CFR Part 356, Appendix B: the worked examples of sections I (short and long first coupons, accrued
  interest over one and two half-years), II (A-G: regular, short and long first coupons, reopenings) and VI
  (bill price from discount rate, discount rate from price, investment rate up to and beyond a half-year).
- Every official auction of 2010-2020 (``tests/data/treasury_auctions``): notes and bonds priced at their
  high yield give the published price and accrued interest within 1e-6 per 100; every bill's price and
  investment rate as published.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from pricing.calculator import calculate_bill, calculate_bond
from pricing.errors import CalculatorError
from pricing.yields import (
    BondTerms,
    accrued_interest,
    bill_discount_rate,
    bill_investment_rate,
    bill_price_from_discount_rate,
    bill_quote,
    bond_cash_flows,
    bond_price,
    bond_yield,
    year_basis,
    zero_price,
    zero_yield,
    zero_yield_risk,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "treasury_auctions"
D = date


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


NOTES = _rows("notes_bonds_official_2010_2020.csv")
BILLS = _rows("bills_official_2010_2020.csv")


# ---------------------------------------------------------------- Appendix B, section I: interest


def test_short_first_coupon_amount() -> None:
    # 8 3/8 % 2-year note issued 1990-07-02, first interest 1990-12-31: 182 of 184 days; the example
    # multiplies the daily decimal rounded to 9 places ($0.227581522), so it agrees to 182 x 5e-10
    first = bond_cash_flows(BondTerms(8.375, D(1990, 7, 2), D(1992, 6, 30)))[0]
    assert first[0] == D(1990, 12, 31)
    assert first[1] == pytest.approx(8.375 / 2 * 182 / 184, abs=1e-12)
    assert first[1] * 10 == pytest.approx(41.419837004, abs=1e-7)


def test_long_first_coupon_amount() -> None:
    # 7 7/8 % note issued 1990-12-03, first interest 1991-08-15: 74/184 of a coupon plus a full one
    # (the example's daily decimal is rounded to 9 places, as above)
    terms = BondTerms(7.875, D(1990, 12, 3), D(1996, 2, 15), first_coupon_date=D(1991, 8, 15))
    first = bond_cash_flows(terms)[0]
    assert first[0] == D(1991, 8, 15)
    assert first[1] == pytest.approx(7.875 / 2 * (1 + 74 / 184), abs=1e-12)
    assert first[1] * 10 == pytest.approx(55.210597810, abs=1e-7)


def test_accrued_interest_over_one_and_two_half_years() -> None:
    # 6 3/4 % note of 2000-05-15 reopened 2000-08-15: 92 of 184 days = $16.87500 per $1,000
    one = accrued_interest(BondTerms(6.75, D(2000, 5, 15), D(2005, 5, 15)), D(2000, 8, 15))
    assert one == pytest.approx(1.6875, abs=1e-12)
    # 10 3/4 % bond of 1985-07-02 (long first coupon to 1986-02-15) reopened 1985-11-04:
    # 44 days of a 181-day half-year and 81 of a 184-day one = $36.72798 per $1,000
    terms = BondTerms(10.75, D(1985, 7, 2), D(2005, 8, 15), first_coupon_date=D(1986, 2, 15))
    assert accrued_interest(terms, D(1985, 11, 4)) == pytest.approx(3.672798, abs=1e-12)


# ---------------------------------------------------------------- Appendix B, section II: yield -> price

APPENDIX_B_II = [
    # example, terms, settlement, yield %, published price, published accrued
    ("A regular first coupon", BondTerms(8.75, D(1990, 5, 15), D(2020, 5, 15)), D(1990, 5, 15), 8.84,
     99.057893, 0.0),
    ("B short first coupon", BondTerms(8.5, D(1990, 4, 2), D(1992, 3, 31)), D(1990, 4, 2), 8.59,
     99.838183, 0.0),
    ("C long first coupon", BondTerms(8.5, D(1990, 3, 1), D(1995, 5, 15), D(1990, 11, 15)), D(1990, 3, 1),
     8.53, 99.805118, 0.0),
    ("D reopening in a regular period", BondTerms(9.5, D(1985, 11, 15), D(1995, 11, 15)), D(1985, 11, 29),
     9.54, 99.730918, 0.367403),
    ("E reopening in the regular part of a long first coupon",
     BondTerms(10.75, D(1985, 7, 2), D(2005, 8, 15), D(1986, 2, 15)), D(1985, 11, 4), 10.47, 102.214586,
     3.672798),
    ("F reopening in a short first coupon", BondTerms(10.5, D(1983, 5, 16), D(1991, 5, 15)), D(1983, 8, 15),
     10.53, 99.777074, 2.596467),
    ("G reopening in the stub of a long first coupon",
     BondTerms(9.75, D(1988, 10, 15), D(1994, 12, 15), D(1989, 6, 15)), D(1988, 11, 15), 9.79, 99.738045,
     0.825820),
]  # fmt: skip


@pytest.mark.parametrize(("example", "terms", "settle", "yield_pct", "price", "accrued"), APPENDIX_B_II)
def test_appendix_b_section_ii_examples(
    example: str, terms: BondTerms, settle: date, yield_pct: float, price: float, accrued: float
) -> None:
    quote, risk = bond_price(terms, settle, yield_pct)
    assert round(quote.clean_price, 6) == price, example
    assert quote.accrued == pytest.approx(accrued, abs=1e-12), example
    assert quote.dirty_price == pytest.approx(quote.clean_price + quote.accrued, abs=1e-12)
    back, _ = bond_yield(terms, settle, quote.clean_price)
    assert back.yield_pct == pytest.approx(yield_pct, abs=1e-9)
    # durations on the same rule: modified = -dP/dy / P by finite difference, Macaulay < remaining life
    up = bond_price(terms, settle, yield_pct + 1e-4)[0].dirty_price
    down = bond_price(terms, settle, yield_pct - 1e-4)[0].dirty_price
    assert risk.modified_duration == pytest.approx((down - up) / (2e-6 * quote.dirty_price), rel=1e-6)
    life = (terms.maturity_date - settle).days / 365.0
    assert 0.0 < risk.modified_duration < risk.macaulay_duration < life


# ---------------------------------------------------------------- Appendix B, section VI: bills


def test_bill_price_from_discount_rate() -> None:
    assert round(bill_price_from_discount_rate(D(1990, 2, 22), D(1989, 11, 24), 7.61), 6) == 98.0975


def test_bill_discount_rate_from_price() -> None:
    assert round(bill_discount_rate(D(1983, 6, 30), D(1982, 12, 30), 95.934567), 3) == 8.042


def test_bill_investment_rate_up_to_a_half_year() -> None:
    assert round(bill_investment_rate(D(1990, 6, 21), D(1990, 6, 1), 99.559444), 3) == 8.076


def test_bill_investment_rate_beyond_a_half_year() -> None:
    # the quadratic: 52-week bill at 92.265000, r = 364, y = 365 -> .082373244
    assert bill_investment_rate(D(1991, 6, 6), D(1990, 6, 7), 92.265) == pytest.approx(8.2373244, abs=1e-6)


def test_year_basis_follows_the_appendix() -> None:
    assert year_basis(D(2019, 2, 28)) == 365  # to 2020-02-28: no 29 February
    assert year_basis(D(2019, 3, 1)) == 366  # to 2020-03-01: spans 2020-02-29


# ---------------------------------------------------------------- every official auction of 2010-2020

#: The one row whose published accrued interest is not the Appendix's rounding of the exact value: the
#: 2 7/8 % bond 912810RN0 reopened 2015-09-15 accrued 31 of 184 days, exactly $2.421875 per $1,000, which
#: Appendix B (section I.D.4, normal rounding to 5 decimals) makes $2.42188; the Treasury printed $2.42187
#: and subtracted that from the dirty price. Every other reopening whose exact accrued ends in a 5
#: (e.g. $4.765625 of 9128284V9 on 2018-10-15) was rounded up, as the rule says.
TREASURY_ROUNDING = {("912810RN0", "2015-09-15"): 0.242187}


def _terms(row: dict[str, str]) -> BondTerms:
    return BondTerms(
        coupon_pct=float(row["interest_rate_pct"]),
        dated_date=D.fromisoformat(row["dated_date"]),
        maturity_date=D.fromisoformat(row["maturity_date"]),
        first_coupon_date=D.fromisoformat(row["first_int_payment_date"]),
    )


@pytest.mark.parametrize("row", NOTES, ids=[f"{r['cusip']}-{r['issue_date']}" for r in NOTES])
def test_official_note_and_bond_prices(row: dict[str, str]) -> None:
    settle = D.fromisoformat(row["issue_date"])
    quote, _ = bond_price(_terms(row), settle, float(row["high_yield_pct"]))
    published_accrued = float(row["accrued_int_per100"])
    printed = TREASURY_ROUNDING.get((row["cusip"], row["issue_date"]))
    if printed is None:
        assert abs(quote.accrued - published_accrued) <= 1e-6
        assert abs(quote.clean_price - float(row["price_per100"])) <= 1e-6
    else:  # the Treasury's price is the same dirty price less its own (half a unit lower) accrued
        assert published_accrued == printed and quote.accrued == pytest.approx(printed + 1e-6, abs=1e-12)
        assert abs(quote.dirty_price - printed - float(row["price_per100"])) <= 1e-6


def test_official_rows_cover_every_kind_of_first_period() -> None:
    reopenings = [row for row in NOTES if row["reopening"] == "Yes"]
    with_accrued = [row for row in NOTES if float(row["accrued_int_per100"]) > 0]
    assert len(NOTES) == 801 and len(reopenings) > 150 and len(with_accrued) > 300


@pytest.mark.parametrize("row", NOTES[::40], ids=[f"{r['cusip']}-{r['issue_date']}" for r in NOTES[::40]])
def test_official_yield_from_the_published_price(row: dict[str, str]) -> None:
    settle = D.fromisoformat(row["issue_date"])
    quote, _ = bond_yield(_terms(row), settle, float(row["price_per100"]))
    assert round(quote.yield_pct, 3) == float(row["high_yield_pct"])


def test_every_official_bill_price_and_investment_rate() -> None:
    wrong = []
    for row in BILLS:
        maturity, settle = D.fromisoformat(row["maturity_date"]), D.fromisoformat(row["issue_date"])
        quote = bill_quote(maturity, settle, float(row["high_discount_rate_pct"]))
        if abs(quote.price - float(row["price_per100"])) > 5e-7 or round(
            quote.investment_rate_pct, 3
        ) != float(row["high_investment_rate_pct"]):
            wrong.append((row["cusip"], row["issue_date"], quote))
    assert len(BILLS) == 2278 and wrong == []


def test_a_183_day_bill_uses_the_simple_formula() -> None:
    # 912796RW1: 26-week bill issued 2019-01-03, 183 days, y = 365: published 2.573 (simple interest);
    # the quadratic would give 2.572
    assert round(bill_investment_rate(D(2019, 7, 5), D(2019, 1, 3), 98.726625), 3) == 2.573


# ---------------------------------------------------------------- bills and zeros on the engine's basis


def test_bill_bond_equivalent_yield_and_duration_case_13() -> None:
    # 77 days, BEY 1.3998 %: price 100 / (1 + y 77/365), Macaulay 77/365, modified that / (1 + y 77/365)
    maturity, settle = D(2022, 10, 24), D(2022, 8, 8)
    price = zero_price(maturity, settle, 1.3998)
    assert price == pytest.approx(100 / (1 + 0.013998 * 77 / 365), abs=1e-12)
    assert zero_yield(maturity, settle, price) == pytest.approx(1.3998, abs=1e-10)
    risk = zero_yield_risk(maturity, settle, 1.3998)
    assert risk.macaulay_duration == pytest.approx(77 / 365, abs=1e-12)
    assert risk.modified_duration == pytest.approx(0.210338, abs=5e-7)


@pytest.mark.parametrize("days", [30, 150, 183, 200, 300, 364, 365, 400, 1000, 3650, 10950])
def test_zero_durations_never_exceed_the_remaining_life(days: int) -> None:
    settle = D(2024, 3, 18)
    maturity = date.fromordinal(settle.toordinal() + days)
    for yield_pct in (0.01, 4.0, 12.0):
        risk = zero_yield_risk(maturity, settle, yield_pct)
        assert risk.modified_duration < risk.macaulay_duration <= days / 365.0 + 1e-12
        price = zero_price(maturity, settle, yield_pct)
        assert zero_yield(maturity, settle, price) == pytest.approx(yield_pct, abs=1e-9)


def test_street_yield_in_the_final_period_is_simple_interest_to_the_unadjusted_date() -> None:
    # case 15: 0.25 % maturing Saturday 2024-06-15, settle 2024-03-18: E = 183, DSR = 89, dirty 98.77548212
    terms = BondTerms(0.25, D(2021, 6, 15), D(2024, 6, 15))
    settle, dirty = D(2024, 3, 18), 98.77548212
    accrued = accrued_interest(terms, settle)
    assert accrued == pytest.approx(0.125 * 94 / 183, abs=1e-6)
    quote, _ = bond_yield(terms, settle, dirty - accrued)
    expected = ((100 + 0.125) / dirty - 1) * 2 * 183 / 89
    assert quote.yield_pct == pytest.approx(100 * expected, abs=1e-6)
    assert quote.yield_pct == pytest.approx(5.618502, abs=1e-6)


# ---------------------------------------------------------------- rows, as the CLI and HTTP read them


def test_calculator_rows_round_as_the_treasury_publishes() -> None:
    row = {"coupon_pct": "3.375", "dated_date": "2009-11-15", "maturity_date": "2019-11-15",
           "settle_date": "2010-01-15", "yield_pct": "3.754"}  # fmt: skip
    assert calculate_bond(row) == {
        "clean_price": 96.900805, "accrued": 0.568715, "dirty_price": 97.46952, "yield_pct": 3.754,
    }  # fmt: skip
    back = calculate_bond({**row, "yield_pct": "", "clean_price": "96.900805"})
    assert round(back["yield_pct"], 3) == 3.754
    bill = calculate_bill(
        {"maturity_date": "2020-03-12", "settle_date": "2019-12-12", "discount_rate_pct": 1.52}
    )
    assert bill["price"] == 99.615778 and round(bill["investment_rate_pct"], 3) == 1.551
    by_rate = {"maturity_date": "2020-03-12", "settle_date": "2019-12-12",
               "investment_rate_pct": bill["investment_rate_pct"]}  # fmt: skip
    assert calculate_bill(by_rate)["price"] == 99.615778


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"settle_date": "2019-11-15"}, "settle_date"),
        ({"settle_date": "2009-11-14"}, "settle_date"),
        ({"maturity_date": "15/11/2019"}, "maturity_date"),
        ({"coupon_pct": "abc"}, "coupon_pct"),
        ({"coupon_pct": "-1"}, "coupon_pct"),
        ({"yield_pct": "nan"}, "yield_pct"),
        ({"yield_pct": None}, "yield_pct"),
        ({"clean_price": "99"}, "yield_pct"),  # both given
        ({"first_coupon_date": "2010-05-16"}, "first_coupon_date"),
        ({"first_coupon_date": "2010-11-15"}, "first_coupon_date"),  # a regular first period cannot be long
    ],
)
def test_bad_rows_name_the_field(change: dict[str, object], field: str) -> None:
    row: dict[str, object] = {"coupon_pct": 3.375, "dated_date": "2009-11-15", "maturity_date": "2019-11-15",
                              "settle_date": "2010-01-15", "yield_pct": 3.754}  # fmt: skip
    with pytest.raises(CalculatorError) as raised:
        calculate_bond(row | change)
    assert raised.value.field == field
