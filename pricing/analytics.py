"""Bond analytics: clean price, accrued, yield to maturity, modified and Macaulay duration, convexity.

Yields are compounded at the coupon frequency on the bond's day count (street convention); zero coupon
bonds and bills use semiannual compounding (US bond-equivalent basis). Values are per 100 of face at the
bond's settlement date; durations in years; convexity in years squared.
"""

from __future__ import annotations

from dataclasses import dataclass

import QuantLib as ql

from pricing.conventions import DAY_COUNTS, FREQUENCIES
from pricing.specs import BondSpec

__all__ = [
    "BondAnalytics",
    "analytics_at_yield",
    "analytics_on_curve",
    "yield_convention",
    "yield_from_price",
]


@dataclass(frozen=True)
class BondAnalytics:
    clean_price: float
    accrued: float
    dirty_price: float
    ytm_pct: float
    modified_duration: float
    macaulay_duration: float
    convexity: float


def yield_convention(spec: BondSpec) -> tuple[ql.DayCounter, int, int]:
    """(day count, compounding, frequency) of the bond's quoted yield (coupons bring their own ACT/ACT-ICMA
    reference periods, so whole periods count exactly ``1 / frequency`` years)."""
    frequency = ql.Semiannual if spec.frequency == "once" else FREQUENCIES[spec.frequency]
    return DAY_COUNTS[spec.day_count], ql.Compounded, frequency


def yield_from_price(bond: ql.Bond, spec: BondSpec, clean_price: float, settlement: ql.Date) -> float:
    day_count, compounding, frequency = yield_convention(spec)
    price = ql.BondPrice(clean_price, ql.BondPrice.Clean)
    return float(
        ql.BondFunctions.bondYield(bond, price, day_count, compounding, frequency, settlement, 1e-12)
    )


def analytics_at_yield(
    bond: ql.Bond, spec: BondSpec, ytm: float, settlement: ql.Date, compounding: int | None = None
) -> BondAnalytics:
    """Analytics of ``bond`` at the decimal yield ``ytm`` for ``settlement``.

    ``compounding`` (e.g. ``ql.Continuous``) overrides the street convention; Macaulay duration is then
    reported equal to the modified one, which is exact for continuous compounding.
    """
    day_count, street, frequency = yield_convention(spec)
    compounding = street if compounding is None else compounding
    rate = ql.InterestRate(ytm, day_count, compounding, frequency)
    macaulay_type = ql.Duration.Macaulay if compounding == ql.Compounded else ql.Duration.Modified
    clean = ql.BondFunctions.cleanPrice(bond, rate, settlement)
    accrued = ql.BondFunctions.accruedAmount(bond, settlement)
    return BondAnalytics(
        clean_price=float(clean),
        accrued=float(accrued),
        dirty_price=float(clean + accrued),
        ytm_pct=100.0 * ytm,
        modified_duration=float(ql.BondFunctions.duration(bond, rate, ql.Duration.Modified, settlement)),
        macaulay_duration=float(ql.BondFunctions.duration(bond, rate, macaulay_type, settlement)),
        convexity=float(ql.BondFunctions.convexity(bond, rate, settlement)),
    )


def analytics_on_curve(bond: ql.Bond, spec: BondSpec, curve: ql.YieldTermStructure) -> BondAnalytics:
    """Analytics at the clean price implied by ``curve`` (needs the evaluation date set)."""
    settlement = bond.settlementDate()
    clean = float(ql.BondFunctions.cleanPrice(bond, curve, settlement))
    return analytics_at_yield(bond, spec, yield_from_price(bond, spec, clean, settlement), settlement)
