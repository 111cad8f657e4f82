"""Bond analytics of a position: clean price, accrued, yield, modified and Macaulay duration, convexity.

The yield rules are those of the calculator (:mod:`pricing.yields`, 31 CFR 356 Appendix B and the street
convention): coupon bonds compound at their coupon frequency with simple interest over the fraction of a
period to the next unadjusted coupon date (so simple interest to maturity in the final period); bills and
zero-coupon bonds report the bond-equivalent yield (Treasury bill investment rate) whatever their day count.
So the yield shown for a position is the calculator's yield at that position's clean price.

Values are per 100 of face at the bond's settlement date; durations in years; convexity in years squared.
A bond whose settlement is on or after its (unadjusted) maturity but whose last payment is still due
(a weekend maturity paid on Monday), or whose curve price no yield reproduces, has no yield: ``ytm_pct``
and the durations are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import QuantLib as ql

from pricing.dates import from_ql_date
from pricing.errors import CalculatorError
from pricing.specs import BondSpec
from pricing.yields import (
    COUPONS_PER_YEAR,
    BondTerms,
    YieldRisk,
    bond_price,
    bond_yield,
    bond_yield_from_dirty,
    zero_price,
    zero_yield,
    zero_yield_risk,
)

__all__ = [
    "BondAnalytics",
    "analytics_at_clean_price",
    "analytics_at_yield",
    "analytics_on_curve",
    "bond_terms",
]


@dataclass(frozen=True)
class BondAnalytics:
    clean_price: float
    accrued: float
    dirty_price: float
    ytm_pct: float | None
    modified_duration: float | None
    macaulay_duration: float | None
    convexity: float | None


def bond_terms(spec: BondSpec) -> BondTerms:
    """The calculator's terms of a coupon bond spec (its issue date is the dated date)."""
    return BondTerms(
        coupon_pct=spec.coupon_pct,
        dated_date=spec.issue_date,
        maturity_date=spec.maturity_date,
        frequency=COUPONS_PER_YEAR[spec.frequency],
        day_count=spec.day_count,
    )


def _analytics(clean: float, accrued: float, yield_pct: float, risk: YieldRisk) -> BondAnalytics:
    return BondAnalytics(
        clean_price=clean,
        accrued=accrued,
        dirty_price=clean + accrued,
        ytm_pct=yield_pct,
        modified_duration=risk.modified_duration,
        macaulay_duration=risk.macaulay_duration,
        convexity=risk.convexity,
    )


def analytics_at_yield(spec: BondSpec, yield_pct: float, settlement: date) -> BondAnalytics:
    """Analytics of ``spec`` at ``yield_pct`` (percent) for ``settlement``."""
    if spec.frequency == "once":
        price = zero_price(spec.maturity_date, settlement, yield_pct)
        return _analytics(price, 0.0, yield_pct, zero_yield_risk(spec.maturity_date, settlement, yield_pct))
    quote, risk = bond_price(bond_terms(spec), settlement, yield_pct)
    return _analytics(quote.clean_price, quote.accrued, yield_pct, risk)


def analytics_at_clean_price(spec: BondSpec, clean_price: float, settlement: date) -> BondAnalytics:
    """Analytics of ``spec`` at a clean price per 100 for ``settlement`` (the yield solved)."""
    if spec.frequency == "once":
        yield_pct = zero_yield(spec.maturity_date, settlement, clean_price)
        risk = zero_yield_risk(spec.maturity_date, settlement, yield_pct)
        return _analytics(clean_price, 0.0, yield_pct, risk)
    quote, risk = bond_yield(bond_terms(spec), settlement, clean_price)
    return _analytics(quote.clean_price, quote.accrued, quote.yield_pct, risk)


def analytics_on_curve(bond: ql.Bond, spec: BondSpec, curve: ql.YieldTermStructure) -> BondAnalytics:
    """Analytics at the price implied by ``curve`` (needs the evaluation date set): the dirty price per 100
    at settlement is the curve's; the clean price is that less the calculator's accrued interest."""
    settlement = bond.settlementDate()
    settle = from_ql_date(settlement)
    if settle >= spec.maturity_date:  # QL calls it non tradable; the payments still due are worth this
        still_due = [flow for flow in bond.cashflows() if flow.date() >= settlement]
        value = sum(flow.amount() * curve.discount(flow.date()) for flow in still_due)
        dirty = 100.0 * value / curve.discount(settlement) / abs(spec.face)
        return BondAnalytics(dirty, 0.0, dirty, None, None, None, None)
    clean = float(ql.BondFunctions.cleanPrice(bond, curve, settlement))
    accrued = float(ql.BondFunctions.accruedAmount(bond, settlement))
    try:
        if spec.frequency == "once":
            return analytics_at_clean_price(spec, clean, settle)
        quote, risk = bond_yield_from_dirty(bond_terms(spec), settle, clean + accrued)
    except CalculatorError:  # no yield reproduces the curve's price: report the prices, never fail the book
        return BondAnalytics(clean, accrued, clean + accrued, None, None, None, None)
    return _analytics(quote.clean_price, quote.accrued, quote.yield_pct, risk)
