"""Coupon schedules of real month-end Treasury notes of the seeded book against the Treasury's own terms.

The rows below are copied from the Treasury's auction results (FiscalData "Treasury Securities Auctions
Data", public domain; ``../shared/data/treasury_auctions/notes_bonds_official_2010_2020.csv``): dated date,
first interest payment date, maturity, coupon and the accrued interest the Treasury charged from the dated
date to the issue date (per 100, from 5 decimals per $1,000). 31 CFR 356 App. B I.A.1: a note maturing on
the last day of a month pays on the last day of every coupon month.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
import QuantLib as ql

from pricing import BondSpec
from pricing.dates import from_ql_date, to_ql_date
from pricing.instruments import build_instrument

SEEDED = Path(__file__).resolve().parents[3] / "secmaster" / "data" / "ust_notes_bonds_from_auctions.csv"

# cusip, term, dated date, issue date, first interest payment, maturity, coupon %, accrued per 100
OFFICIAL = [
    ("912828MR8", "5-Year", "2010-02-28", "2010-03-01", "2010-08-31", "2015-02-28", 2.375, 0.006454),
    ("912828QF0", "5-Year", "2011-04-30", "2011-05-02", "2011-10-31", "2016-04-30", 2.000, 0.010870),
    ("912828TQ3", "2-Year", "2012-09-30", "2012-10-01", "2013-03-31", "2014-09-30", 0.250, 0.000687),
    ("912828A26", "2-Year", "2013-11-30", "2013-12-02", "2014-05-31", "2015-11-30", 0.250, 0.001374),
    ("9128286F2", "7-Year", "2019-02-28", "2019-02-28", "2019-08-31", "2026-02-28", 2.500, 0.0),
    ("912828ZB9", "7-Year", "2020-02-29", "2020-03-02", "2020-08-31", "2027-02-28", 1.125, 0.006114),
]


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@pytest.fixture(scope="module")
def seeded_maturities() -> dict[str, str]:
    with SEEDED.open(newline="") as handle:
        return {row["cusip"]: row["maturity_date"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("cusip", "term", "dated", "issued", "first_payment", "maturity", "coupon", "accrued"), OFFICIAL
)
def test_month_end_note_pays_like_the_treasury(
    seeded_maturities: dict[str, str],
    cusip: str,
    term: str,
    dated: str,
    issued: str,
    first_payment: str,
    maturity: str,
    coupon: float,
    accrued: float,
) -> None:
    assert seeded_maturities[cusip] == maturity  # a note of the seeded book
    spec = BondSpec(
        id=f"UST-{cusip}",
        currency="USD",
        face=100.0,
        coupon_pct=coupon,
        frequency="semiannual",
        day_count="ACT/ACT-ICMA",
        issue_date=date.fromisoformat(dated),
        maturity_date=date.fromisoformat(maturity),
        discount_curve="USD-UST",
        cusip=cusip,
    )
    ql.Settings.instance().evaluationDate = to_ql_date(date.fromisoformat(dated))
    bond = build_instrument(spec)
    coupons = [c for c in map(ql.as_coupon, bond.cashflows()) if c is not None]
    dates = [from_ql_date(c.accrualEndDate()) for c in coupons]
    assert dates[0].isoformat() == first_payment
    assert dates[-1].isoformat() == maturity
    assert all(_month_end(day) for day in dates), dates
    assert len(dates) == int(term.split("-")[0]) * 2
    # every period is a regular half-year and pays exactly C/2
    assert [c.amount() for c in coupons] == pytest.approx([coupon / 2.0] * len(coupons), abs=1e-12)
    # the accrued interest the Treasury charged on the issue date (rounded to 6 decimals per 100)
    assert bond.accruedAmount(to_ql_date(date.fromisoformat(issued))) == pytest.approx(accrued, abs=6e-7)
