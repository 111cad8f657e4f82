"""Textbook bond values.

Sources:
- Fabozzi, *Bond Markets, Analysis, and Strategies* (ch. 2, pricing a bond): a 20-year 10% semiannual
  coupon bond at a required yield of 11% is worth 91.9770 per 100 (919.77 per 1,000).
- Hull, *Options, Futures, and Other Derivatives* (ch. 4, "Duration", Table 4.6): a 3-year 10% semiannual
  coupon bond at a 12% continuously compounded yield is worth 94.213 with duration 2.653 years.
- Zero coupon bond (any fixed income text, e.g. Fabozzi ch. 4): with yield ``y`` compounded semiannually
  and ``n`` years, Macaulay duration ``n``, modified ``n / (1 + y/2)``,
  convexity ``n (2n + 1) / 2 / (1 + y/2)^2``.
"""

from __future__ import annotations

from datetime import date

import pytest
import QuantLib as ql

from pricing import BondSpec
from pricing.analytics import analytics_at_yield, yield_from_price
from pricing.dates import to_ql_date
from pricing.instruments import build_instrument


def _bond(coupon_pct: float, years: int, frequency: str = "semiannual") -> tuple[BondSpec, ql.Bond, ql.Date]:
    issue = date(2020, 1, 15)
    spec = BondSpec(
        "T",
        "USD",
        100.0,
        coupon_pct,
        frequency,
        "ACT/ACT-ICMA",
        issue,
        issue.replace(year=issue.year + years),
        "USD-UST",
        settlement_days=0,
        calendar="NONE",
    )  # textbooks pay on unadjusted dates
    ql.Settings.instance().evaluationDate = to_ql_date(issue)
    return spec, build_instrument(spec), to_ql_date(issue)


def test_fabozzi_price_from_yield_and_back() -> None:
    spec, bond, settlement = _bond(10.0, 20)
    analytics = analytics_at_yield(bond, spec, 0.11, settlement)
    assert analytics.clean_price == pytest.approx(91.977, abs=5e-4)  # 919.77 per 1,000, to the cent
    assert analytics.accrued == 0.0
    assert yield_from_price(bond, spec, 91.9770, settlement) == pytest.approx(0.11, abs=1e-6)


def test_hull_duration_continuous_yield() -> None:
    spec, bond, settlement = _bond(10.0, 3)
    analytics = analytics_at_yield(bond, spec, 0.12, settlement, compounding=ql.Continuous)
    assert analytics.clean_price == pytest.approx(94.213, abs=5e-4)
    assert analytics.modified_duration == pytest.approx(2.653, abs=5e-4)


def test_zero_coupon_duration_and_convexity() -> None:
    spec, bond, settlement = _bond(0.0, 10, frequency="once")
    y = 0.05
    analytics = analytics_at_yield(bond, spec, y, settlement)
    assert analytics.clean_price == pytest.approx(100 / (1 + y / 2) ** 20, abs=1e-9)
    assert analytics.macaulay_duration == pytest.approx(10.0, abs=1e-9)
    assert analytics.modified_duration == pytest.approx(10 / (1 + y / 2), abs=1e-9)
    assert analytics.convexity == pytest.approx(10 * 21 / 2 / (1 + y / 2) ** 2, abs=1e-6)
