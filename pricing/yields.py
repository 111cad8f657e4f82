"""Yield <-> price of fixed-rate bonds and bills: 31 CFR Part 356, Appendix B, and the street convention.

One rule set, used by the calculator (CLI, HTTP) and by the engine's bond analytics:

- **Coupon bonds** (Appendix B, section II). Coupon dates are the regular grid counted back from maturity in
  steps of ``12 / frequency`` months, unadjusted (a weekend or holiday coupon date stays where it is for the
  yield), on the last day of every month when the maturity is the last day of its month. A first coupon
  period may be regular, short (dated date after the grid date before the first coupon) or long (one extra
  grid period, ``first_coupon_date`` two grid dates after the dated date). With ``i = y / frequency``, the
  settlement date ``s`` inside the grid period ``(g_k, g_k+1]`` and ``f`` = days(s, g_k+1) / days(g_k, g_k+1)
  (days by the bond's day count: actual days, or 30/360 days), every cash flow ``e`` grid periods after
  ``g_k+1`` is discounted by ``1 / ((1 + f i) (1 + i)^e)``: simple interest for the fraction of a period
  and compounding at the coupon frequency beyond. In the final coupon period this is the street
  convention's simple-interest yield to the unadjusted maturity (SIFMA; Appendix B gives the same).
- **Coupon amounts and accrued interest**: ACT/ACT-ICMA (Treasuries) and 30/360 pay ``C / frequency`` per
  regular period; a short first coupon pays ``C / frequency`` times days(dated, first) / days of the grid
  period ending on the first coupon date, a long one that plus a full coupon; accrued interest is the same
  fraction of the coupon up to settlement (Appendix B, section I), rounded to 5 decimals per $1,000.
  Other day counts (ACT/360, ACT/365F, ACT/ACT-ISDA) pay ``C x year fraction`` of the period and accrue
  ``C x year fraction`` to settlement, as QuantLib's fixed-rate coupons do.
- **Bills and zero-coupon bonds** (Appendix B, section VI; bond-equivalent basis): ``r`` days from
  settlement to maturity, ``y`` = 366 if the year following settlement contains a 29 February, else 365.
  Up to a half-year (``r <= 183``: every 183-day bill of 2010-2020 has its investment rate published on
  the simple formula, also with ``y = 365``) ``P = 100 / (1 + i r / y)``; up to a year the Appendix's
  quadratic ``P (1 + i / 2) (1 + (r - y/2) i / y) = 100``. The day count of a zero does not change its yield.
  Beyond a year (zero-coupon bonds, STRIPS) the coupon-bond rule above applies with no coupons, on the
  semiannual grid counted back from maturity. From a discount rate ``d``: ``P = 100 (1 - d r / 360)``.

Prices, accrued interest and redemption are per 100 of face; rates in the public functions are in percent.
Durations are in years (Macaulay: PV-weighted time to each flow, ``(f + e) / frequency``; modified:
``-dP/dy / P`` on the dirty price), convexity in years squared (``d2P/dy2 / P``).
Raises :class:`~pricing.errors.CalculatorError` naming the field for terms or dates that make no bond.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from pricing.errors import CalculatorError

__all__ = [
    "COUPONS_PER_YEAR",
    "BillQuote",
    "BondQuote",
    "BondTerms",
    "YieldRisk",
    "accrued_interest",
    "bill_discount_rate",
    "bill_investment_rate",
    "bill_price_from_discount_rate",
    "bill_price_from_investment_rate",
    "bill_quote",
    "bond_cash_flows",
    "bond_price",
    "bond_yield",
    "bond_yield_from_dirty",
    "coupon_grid",
    "year_basis",
    "zero_price",
    "zero_yield",
    "zero_yield_risk",
]

#: coupons a year of each coupon frequency name of :mod:`pricing.conventions` (``once``: a zero)
COUPONS_PER_YEAR = {"annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}
#: day counts whose regular coupon is exactly ``coupon / frequency`` (the others accrue by year fraction)
_PERIODIC = frozenset({"ACT/ACT-ICMA", "30/360", "30E/360"})
_DAY_COUNTS = frozenset({"ACT/ACT-ICMA", "30/360", "30E/360", "ACT/360", "ACT/365F", "ACT/ACT-ISDA"})
_FREQUENCIES = {1: 12, 2: 6, 4: 3, 12: 1}
_MAX_ITERATIONS = 100
_YIELD_TOLERANCE = 1e-13
#: the longest bill priced with simple interest (the Treasury's investment rates of 2010-2020 show it)
_HALF_YEAR_DAYS = 183


@dataclass(frozen=True)
class BondTerms:
    """Contract terms of a fixed-rate bond: coupon in percent a year, dates, ``frequency`` coupons a year."""

    coupon_pct: float
    dated_date: date
    maturity_date: date
    first_coupon_date: date | None = None
    frequency: int = 2
    day_count: str = "ACT/ACT-ICMA"
    redemption: float = 100.0


@dataclass(frozen=True)
class BondQuote:
    """Per 100 of face at settlement; ``yield_pct`` on the rules of this module."""

    clean_price: float
    accrued: float
    dirty_price: float
    yield_pct: float


@dataclass(frozen=True)
class BillQuote:
    """Price per 100 and the investment rate (bond-equivalent yield) in percent."""

    price: float
    investment_rate_pct: float


@dataclass(frozen=True)
class YieldRisk:
    """Durations in years and convexity in years squared, at a yield (see the module docstring)."""

    modified_duration: float
    macaulay_duration: float
    convexity: float


@dataclass(frozen=True)
class _Flows:
    """Cash flows of a bond after settlement on the discounting rule: ``1 / ((1 + f i) (1 + i)^e)``."""

    amounts: tuple[float, ...]
    exponents: tuple[int, ...]
    fraction: float
    frequency: int
    accrued: float

    @cached_property
    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return np.asarray(self.amounts, dtype=np.float64), np.asarray(self.exponents, dtype=np.float64)


# ---------------------------------------------------------------- dates and day counts


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _add_months(day: date, months: int, end_of_month: bool) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = _last_day(year, month + 1)
    return date(year, month + 1, last if end_of_month else min(day.day, last))


def _days(day_count: str, start: date, end: date) -> float:
    """Days between two dates as the day count counts them (actual days, or 30/360 days)."""
    if day_count not in ("30/360", "30E/360"):
        return float((end - start).days)
    d1, d2 = start.day, end.day
    if day_count == "30E/360":
        d1, d2 = min(d1, 30), min(d2, 30)
    else:  # bond basis (ISDA 30/360): the 31st counts as the 30th, the end only if the start is >= 30
        d1 = min(d1, 30)
        if d1 == 30:
            d2 = min(d2, 30)
    return float(360 * (end.year - start.year) + 30 * (end.month - start.month) + d2 - d1)


def _year_fraction(day_count: str, start: date, end: date) -> float:
    """Year fraction of the non-periodic day counts (ACT/360, ACT/365F, ACT/ACT-ISDA)."""
    if day_count == "ACT/360":
        return (end - start).days / 360.0
    if day_count == "ACT/365F":
        return (end - start).days / 365.0
    total, cursor = 0.0, start
    while cursor < end:  # ACT/ACT-ISDA: days in each calendar year over that year's length
        stop = min(end, date(cursor.year + 1, 1, 1))
        total += (stop - cursor).days / (366.0 if calendar.isleap(cursor.year) else 365.0)
        cursor = stop
    return total


def year_basis(settle: date) -> int:
    """366 if the year following ``settle`` contains a 29 February, else 365 (Appendix B, section VI)."""
    end = _add_months(settle, 12, False)
    for year in (settle.year, end.year):
        if calendar.isleap(year) and settle < date(year, 2, 29) <= end:
            return 366
    return 365


@lru_cache(maxsize=65_536)
def coupon_grid(terms: BondTerms) -> tuple[date, ...]:
    """The regular coupon dates counted back from maturity, from the last one on or before the dated
    date to maturity (unadjusted; end of month when maturity is the last day of its month)."""
    _check_terms(terms)
    step = _FREQUENCIES[terms.frequency]
    maturity = terms.maturity_date
    end_of_month = maturity.day == _last_day(maturity.year, maturity.month)
    grid = [maturity]
    while grid[-1] > terms.dated_date:
        grid.append(_add_months(maturity, -step * len(grid), end_of_month))
    return tuple(reversed(grid))


def _check_terms(terms: BondTerms) -> None:
    if terms.frequency not in _FREQUENCIES:
        raise CalculatorError("frequency", f"{terms.frequency} coupons a year: use 1, 2, 4 or 12")
    if terms.day_count not in _DAY_COUNTS:
        raise CalculatorError("day_count", f"{terms.day_count!r} is not one of {sorted(_DAY_COUNTS)}")
    if not math.isfinite(terms.coupon_pct) or not 0.0 <= terms.coupon_pct <= 100.0:
        raise CalculatorError("coupon_pct", f"{terms.coupon_pct} must be between 0 and 100 (percent a year)")
    if terms.maturity_date <= terms.dated_date:
        raise CalculatorError(
            "maturity_date", f"{terms.maturity_date} must be after the dated date {terms.dated_date}"
        )


def _first_coupon_index(terms: BondTerms, grid: Sequence[date]) -> int:
    """Index in ``grid`` of the first coupon date: 1 (regular or short first coupon) or 2 (long)."""
    if terms.first_coupon_date is None:
        return 1
    if terms.first_coupon_date not in grid[1:]:
        raise CalculatorError(
            "first_coupon_date",
            f"{terms.first_coupon_date} is not a coupon date of a bond maturing {terms.maturity_date} "
            f"(coupon dates: {', '.join(d.isoformat() for d in grid[1:4])}, ...)",
        )
    index = grid.index(terms.first_coupon_date)
    if index > 2 or (index == 2 and grid[0] == terms.dated_date):
        raise CalculatorError(
            "first_coupon_date",
            f"{terms.first_coupon_date} is more than one coupon period plus a stub after the dated date "
            f"{terms.dated_date}",
        )
    return index


# ---------------------------------------------------------------- coupon bonds


def _accrual(terms: BondTerms, grid: Sequence[date], first: int, start: date, end: date, k: int) -> float:
    """Coupon accrued from ``start`` to ``end``, both inside the coupon period ending on ``grid[k]``."""
    dc = terms.day_count
    if dc not in _PERIODIC:
        return terms.coupon_pct * _year_fraction(dc, start, end)

    def share(a: date, b: date, j: int) -> float:  # fraction of the grid period (g_j-1, g_j] from a to b
        return _days(dc, a, b) / _days(dc, grid[j - 1], grid[j])

    regular = terms.coupon_pct / terms.frequency
    if k == first == 2:  # long first coupon: a stub of (g0, g1] and the whole of (g1, g2]
        stub_end = min(end, grid[1])
        head = share(start, stub_end, 1) if start < stub_end else 0.0
        tail = share(max(start, grid[1]), end, 2) if end > grid[1] else 0.0
        return regular * (head + tail)
    return regular * share(start, end, k)


@lru_cache(maxsize=65_536)
def _payments(terms: BondTerms) -> tuple[tuple[date, ...], int, tuple[float, ...]]:
    """(grid, index of the first coupon date, the payment on each grid date: 0 before the first coupon,
    redemption included on the last)."""
    grid = coupon_grid(terms)
    first = _first_coupon_index(terms, grid)
    payments = [0.0] * len(grid)
    for k in range(first, len(grid)):
        periodic = terms.day_count in _PERIODIC and k != first
        start = terms.dated_date if k == first else grid[k - 1]
        payments[k] = (
            terms.coupon_pct / terms.frequency
            if periodic
            else _accrual(terms, grid, first, start, grid[k], k)
        )
    payments[-1] += terms.redemption
    return grid, first, tuple(payments)


def _coupon_flows(terms: BondTerms, settle: date) -> _Flows:
    """The flows of a coupon bond after ``settle`` with the discount fraction and the accrued interest."""
    grid, first, payments = _payments(terms)
    if settle < terms.dated_date:
        raise CalculatorError("settle_date", f"{settle} is before the dated date {terms.dated_date}")
    if settle >= terms.maturity_date:
        raise CalculatorError("settle_date", f"{settle} is on or after maturity {terms.maturity_date}")
    nxt = bisect_right(grid, settle)
    pay = max(nxt, first)
    period_start = terms.dated_date if pay == first else grid[pay - 1]
    dc = terms.day_count
    fraction = _days(dc, settle, grid[nxt]) / _days(dc, grid[nxt - 1], grid[nxt])
    accrued = 0.0
    if settle > period_start:
        accrued = _round_accrued(_accrual(terms, grid, first, period_start, settle, pay))
    exponents = tuple(range(pay - nxt, len(grid) - nxt))
    return _Flows(payments[pay:], exponents, fraction, terms.frequency, accrued)


def _round_accrued(accrued: float) -> float:
    """Per 100, to 5 decimals per $1,000 (6 per 100), half up, as the Treasury rounds it (Appendix B, I);
    the exact value is first rounded to 10 decimals so that a binary float just below a half rounds up."""
    per_thousand = Decimal(repr(round(accrued * 10.0, 10))).quantize(Decimal("0.00001"), ROUND_HALF_UP)
    return float(per_thousand) / 10.0


def _dirty(flows: _Flows, y: float) -> tuple[float, float, float]:
    """Dirty price and its first and second derivatives with respect to the decimal yield ``y``."""
    i = y / flows.frequency
    simple = 1.0 + flows.fraction * i
    if simple <= 0.0 or 1.0 + i <= 0.0:
        raise CalculatorError("yield_pct", f"{100 * y:.6g} % is below -100 % a period")
    a = flows.fraction / simple
    amounts, exponents = flows.arrays
    pv = amounts / (simple * (1.0 + i) ** exponents)
    b = exponents / (1.0 + i)
    price = float(pv.sum())
    first = -float(pv @ (a + b))
    second = float(pv @ ((a + b) ** 2 + a * a + b / (1.0 + i)))
    return price, first / flows.frequency, second / flows.frequency**2


def _solve(flows: _Flows, dirty: float, field: str) -> float:
    """The decimal yield at which the flows are worth ``dirty`` (Newton from 5 %, bisection fallback)."""
    if not math.isfinite(dirty) or dirty <= 0.0:
        raise CalculatorError(field, f"{dirty} must be a positive price per 100")
    low, high = -0.99 * flows.frequency / max(1.0, flows.fraction), 10.0
    # start from the textbook approximation (coupon + pull to par a year) / average of price and par
    amounts, exponents = flows.arrays
    life = max((flows.fraction + float(exponents[-1])) / flows.frequency, 1e-6)
    guess = (float(amounts.sum()) - dirty) / life / (0.5 * (float(amounts[-1]) + dirty))
    y = min(max(guess, 0.5 * low), 1.0)
    for _ in range(_MAX_ITERATIONS):
        value, slope, _second = _dirty(flows, y)
        if value > dirty:
            low = max(low, y)
        else:
            high = min(high, y)
        step = (value - dirty) / slope if slope < 0.0 else math.inf
        candidate = y - step
        if not low < candidate < high:
            candidate = 0.5 * (low + high)
        if abs(candidate - y) < _YIELD_TOLERANCE:
            return candidate
        y = candidate
    raise CalculatorError(field, f"no yield reproduces the price {dirty} (searched {low:.4%} to {high:.4%})")


def _risk(flows: _Flows, y: float) -> YieldRisk:
    price, first, second = _dirty(flows, y)
    i = y / flows.frequency
    amounts, exponents = flows.arrays
    pv = amounts / ((1.0 + flows.fraction * i) * (1.0 + i) ** exponents)
    pv_time = float(pv @ (flows.fraction + exponents)) / flows.frequency
    return YieldRisk(
        modified_duration=-first / price, macaulay_duration=pv_time / price, convexity=second / price
    )


def _check_rate(value: float, field: str) -> float:
    if not math.isfinite(value) or not -50.0 < value < 1000.0:
        raise CalculatorError(field, f"{value} is not a rate in percent between -50 and 1000")
    return value / 100.0


def accrued_interest(terms: BondTerms, settle: date) -> float:
    """Accrued interest per 100 at ``settle`` (Appendix B, section I; rounded as the Treasury rounds it)."""
    return _coupon_flows(terms, settle).accrued


def bond_cash_flows(terms: BondTerms) -> list[tuple[date, float]]:
    """Every payment of a coupon bond per 100 of face (unadjusted dates; the last one with redemption)."""
    grid = coupon_grid(terms)
    flows = _coupon_flows(terms, terms.dated_date)
    return [(grid[-len(flows.amounts) + k], amount) for k, amount in enumerate(flows.amounts)]


def bond_price(terms: BondTerms, settle: date, yield_pct: float) -> tuple[BondQuote, YieldRisk]:
    """Clean price, accrued and dirty price per 100 of a coupon bond at ``yield_pct``, and its risk."""
    flows = _coupon_flows(terms, settle)
    y = _check_rate(yield_pct, "yield_pct")
    dirty = _dirty(flows, y)[0]
    quote = BondQuote(dirty - flows.accrued, flows.accrued, dirty, yield_pct)
    return quote, _risk(flows, y)


def bond_yield_from_dirty(terms: BondTerms, settle: date, dirty_price: float) -> tuple[BondQuote, YieldRisk]:
    """The yield of a coupon bond worth ``dirty_price`` per 100 at ``settle`` (the clean price is that less
    the accrued interest of this module), and its risk."""
    flows = _coupon_flows(terms, settle)
    y = _solve(flows, dirty_price, "dirty_price")
    quote = BondQuote(dirty_price - flows.accrued, flows.accrued, dirty_price, 100.0 * y)
    return quote, _risk(flows, y)


def bond_yield(terms: BondTerms, settle: date, clean_price: float) -> tuple[BondQuote, YieldRisk]:
    """The yield (percent) at which a coupon bond's clean price per 100 is ``clean_price``, and its risk."""
    flows = _coupon_flows(terms, settle)
    if not math.isfinite(clean_price) or clean_price <= 0.0:
        raise CalculatorError("clean_price", f"{clean_price} must be a positive price per 100")
    y = _solve(flows, clean_price + flows.accrued, "clean_price")
    quote = BondQuote(clean_price, flows.accrued, clean_price + flows.accrued, 100.0 * y)
    return quote, _risk(flows, y)


# ---------------------------------------------------------------- bills and zero-coupon bonds


def _zero_flows(maturity: date, settle: date, redemption: float = 100.0) -> _Flows:
    if settle >= maturity:
        raise CalculatorError("settle_date", f"{settle} is on or after maturity {maturity}")
    days, basis = (maturity - settle).days, year_basis(settle)
    if days > basis:  # beyond a year: a zero-coupon bond on the semiannual grid counted back from maturity
        return _coupon_flows(BondTerms(0.0, settle, maturity, redemption=redemption), settle)
    # a 183-day bill counts as a half-year (simple interest); beyond it, one half-year of basis/2 days
    half_years = 0 if days <= _HALF_YEAR_DAYS else 1
    fraction = (days - half_years * basis / 2) / (basis / 2)
    return _Flows((redemption,), (half_years,), fraction, 2, 0.0)


def zero_price(maturity: date, settle: date, yield_pct: float, redemption: float = 100.0) -> float:
    """Price per 100 of a bill or zero-coupon bond at the bond-equivalent yield ``yield_pct``."""
    return _dirty(_zero_flows(maturity, settle, redemption), _check_rate(yield_pct, "yield_pct"))[0]


def zero_yield(maturity: date, settle: date, price: float, redemption: float = 100.0) -> float:
    """Bond-equivalent yield (percent) of a bill or zero-coupon bond priced ``price`` per 100."""
    return 100.0 * _solve(_zero_flows(maturity, settle, redemption), price, "price")


def zero_yield_risk(maturity: date, settle: date, yield_pct: float) -> YieldRisk:
    """Durations and convexity of a bill or zero at its bond-equivalent yield (Macaulay = days / basis)."""
    return _risk(_zero_flows(maturity, settle), yield_pct / 100.0)


def bill_price_from_discount_rate(maturity: date, settle: date, discount_rate_pct: float) -> float:
    """``100 (1 - d r / 360)``, unrounded (the Treasury rounds to 6 decimals)."""
    if settle >= maturity:
        raise CalculatorError("settle_date", f"{settle} is on or after maturity {maturity}")
    d = _check_rate(discount_rate_pct, "discount_rate_pct")
    price = 100.0 * (1.0 - d * (maturity - settle).days / 360.0)
    if price <= 0.0:
        raise CalculatorError("discount_rate_pct", f"{discount_rate_pct} % gives a price of {price:.6f}")
    return price


def bill_discount_rate(maturity: date, settle: date, price: float) -> float:
    """Discount rate (percent) of a bill priced ``price`` per 100: ``(100 - P) / 100 x 360 / r``."""
    if settle >= maturity:
        raise CalculatorError("settle_date", f"{settle} is on or after maturity {maturity}")
    return (100.0 - price) * 360.0 / (maturity - settle).days


def bill_investment_rate(maturity: date, settle: date, price: float) -> float:
    """Investment rate (bond-equivalent yield, percent) of a bill at ``price`` per 100 (Appendix B, VI)."""
    return zero_yield(maturity, settle, price)


def bill_price_from_investment_rate(maturity: date, settle: date, investment_rate_pct: float) -> float:
    """Price per 100 of a bill at an investment rate (bond-equivalent yield) in percent."""
    return zero_price(maturity, settle, investment_rate_pct)


def bill_quote(maturity: date, settle: date, discount_rate_pct: float) -> BillQuote:
    """Price (rounded to 6 decimals, as the Treasury publishes it) and investment rate from the price."""
    price = round(bill_price_from_discount_rate(maturity, settle, discount_rate_pct), 6)
    return BillQuote(price, bill_investment_rate(maturity, settle, price))
