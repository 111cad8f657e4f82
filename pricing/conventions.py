"""Market conventions as named data: calendars, day counts, frequencies, indices and curves.

Everything here is looked up by name (the names used in books, snapshots, Kafka and Redis), never
scattered as literals. The security master validates instrument fields against these keys:

- ``CURRENCIES``: ``{"USD", "EUR"}``
- ``DAY_COUNTS``: ``"ACT/360"``, ``"ACT/365F"``, ``"ACT/ACT-ICMA"``, ``"ACT/ACT-ISDA"``, ``"30/360"``,
  ``"30E/360"`` -> ``ql.DayCounter`` (ACT/ACT-ICMA takes its reference periods from each coupon; use
  :func:`day_counter` to bind it to a bond schedule)
- ``FREQUENCIES``: ``"annual"``, ``"semiannual"``, ``"quarterly"``, ``"monthly"``, ``"once"`` (zero coupon
  bonds and bills) -> ``ql.Frequency``
- ``CALENDARS``: ``"TARGET"``, ``"US-GOVT"``, ``"US-SOFR"``, ``"US-SETTLEMENT"``, ``"NONE"``
  -> ``ql.Calendar``
- ``BUSINESS_DAY_RULES``: ``"following"``, ``"modified_following"``, ``"preceding"``, ``"unadjusted"``
- ``INDICES``: ``"SOFR"``, ``"ESTR"``, ``"EURIBOR6M"`` -> :class:`IndexConvention`
- ``CURVES``: ``"USD-UST"``, ``"USD-SOFR"``, ``"EUR-ESTR"``, ``"EUR-EURIBOR-6M"`` -> :class:`CurveConvention`
- ``QUOTE_INSTRUMENTS``: the quote instruments a snapshot may use (``deposit``, ``ois``, ``fra``, ``swap``,
  ``bill``, ``par_bond``)

Curve time is measured with ``CURVE_TIME_DAY_COUNT`` (ACT/365F) from the valuation date, for every curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import QuantLib as ql

__all__ = [
    "BUSINESS_DAY_RULES",
    "CALENDARS",
    "CURRENCIES",
    "CURVES",
    "CURVE_TIME_DAY_COUNT",
    "DAY_COUNTS",
    "FREQUENCIES",
    "INDICES",
    "INTERPOLATIONS",
    "QUOTE_INSTRUMENTS",
    "REPORTING_CURRENCY",
    "CurveConvention",
    "IndexConvention",
    "day_counter",
]

CURRENCIES = frozenset({"USD", "EUR"})
REPORTING_CURRENCY = "USD"

DAY_COUNTS: Mapping[str, ql.DayCounter] = MappingProxyType(
    {
        "ACT/360": ql.Actual360(),
        "ACT/365F": ql.Actual365Fixed(),
        "ACT/ACT-ICMA": ql.ActualActual(ql.ActualActual.ISMA),
        "ACT/ACT-ISDA": ql.ActualActual(ql.ActualActual.ISDA),
        "30/360": ql.Thirty360(ql.Thirty360.BondBasis),
        "30E/360": ql.Thirty360(ql.Thirty360.European),
    }
)

CURVE_TIME_DAY_COUNT = "ACT/365F"

FREQUENCIES: Mapping[str, int] = MappingProxyType(
    {
        "annual": ql.Annual,
        "semiannual": ql.Semiannual,
        "quarterly": ql.Quarterly,
        "monthly": ql.Monthly,
        "once": ql.Once,
    }
)

CALENDARS: Mapping[str, ql.Calendar] = MappingProxyType(
    {
        "TARGET": ql.TARGET(),
        "US-GOVT": ql.UnitedStates(ql.UnitedStates.GovernmentBond),
        "US-SOFR": ql.UnitedStates(ql.UnitedStates.SOFR),
        "US-SETTLEMENT": ql.UnitedStates(ql.UnitedStates.Settlement),
        "NONE": ql.NullCalendar(),  # every day a business day (textbook examples, unadjusted schedules)
    }
)

BUSINESS_DAY_RULES: Mapping[str, int] = MappingProxyType(
    {
        "following": ql.Following,
        "modified_following": ql.ModifiedFollowing,
        "preceding": ql.Preceding,
        "unadjusted": ql.Unadjusted,
    }
)

#: ``linear_zero`` = ``PiecewiseLinearZero`` (default),
#: ``loglinear_discount`` = ``PiecewiseLogLinearDiscount``.
#: The fast engine replicates both exactly.
INTERPOLATIONS = ("linear_zero", "loglinear_discount")

QUOTE_INSTRUMENTS = frozenset({"deposit", "ois", "fra", "swap", "bill", "par_bond"})


def day_counter(name: str, schedule: ql.Schedule | None = None) -> ql.DayCounter:
    """The QuantLib day counter called ``name``; ACT/ACT-ICMA is bound to ``schedule`` when given."""
    if name == "ACT/ACT-ICMA" and schedule is not None:
        return ql.ActualActual(ql.ActualActual.ISMA, schedule)
    return DAY_COUNTS[name]


@dataclass(frozen=True)
class IndexConvention:
    """A floating rate index: how it fixes, accrues and which curve forecasts it."""

    name: str
    currency: str
    tenor: str  # "1D" for overnight indices
    overnight: bool
    fixing_days: int
    calendar: str
    day_count: str
    business_day: str
    #: Schedules of swaps on this index (and the curve's own swap/OIS helpers) roll on month ends when
    #: they start or end on the last business day of a month (ISDA/Strata ``EOM``; QuantLib's default for
    #: OIS helpers).
    end_of_month: bool
    forecast_curve: str
    #: OIS swaps on this index pay both legs this many business days after each period end.
    payment_lag_days: int = 0
    #: Swaps against this index: default floating leg frequency.
    float_frequency: str = "annual"


INDICES: Mapping[str, IndexConvention] = MappingProxyType(
    {
        "SOFR": IndexConvention(
            name="SOFR",
            currency="USD",
            tenor="1D",
            overnight=True,
            fixing_days=0,
            calendar="US-SOFR",
            day_count="ACT/360",
            business_day="following",
            end_of_month=True,
            forecast_curve="USD-SOFR",
            payment_lag_days=2,
            float_frequency="annual",
        ),
        "ESTR": IndexConvention(
            name="ESTR",
            currency="EUR",
            tenor="1D",
            overnight=True,
            fixing_days=0,
            calendar="TARGET",
            day_count="ACT/360",
            business_day="following",
            end_of_month=True,
            forecast_curve="EUR-ESTR",
            payment_lag_days=1,
            float_frequency="annual",
        ),
        "EURIBOR6M": IndexConvention(
            name="EURIBOR6M",
            currency="EUR",
            tenor="6M",
            overnight=False,
            fixing_days=2,
            calendar="TARGET",
            day_count="ACT/360",
            business_day="modified_following",
            end_of_month=True,
            forecast_curve="EUR-EURIBOR-6M",
            payment_lag_days=0,
            float_frequency="semiannual",
        ),
    }
)


@dataclass(frozen=True)
class CurveConvention:
    """A named curve: what it is built from and the conventions of its quote instruments.

    ``discount_curve`` names the curve that discounts the curve's own quote instruments when it is not
    the curve itself (dual curve, exogenous discounting); ``None`` means self-discounted.
    """

    name: str
    currency: str
    index: str | None
    discount_curve: str | None
    quote_instruments: frozenset[str]
    calendar: str
    settlement_days: int
    #: fixed leg (swaps, OIS) or coupon (par bonds) conventions of the quote instruments
    fixed_frequency: str
    fixed_day_count: str
    business_day: str
    #: Bills and deposits without an index are quoted on this day count.
    money_market_day_count: str = "ACT/360"


CURVES: Mapping[str, CurveConvention] = MappingProxyType(
    {
        "USD-UST": CurveConvention(
            name="USD-UST",
            currency="USD",
            index=None,
            discount_curve=None,
            quote_instruments=frozenset({"bill", "par_bond"}),
            calendar="US-GOVT",
            settlement_days=1,
            fixed_frequency="semiannual",
            fixed_day_count="ACT/ACT-ICMA",
            business_day="following",
            money_market_day_count="ACT/365F",
        ),
        "USD-SOFR": CurveConvention(
            name="USD-SOFR",
            currency="USD",
            index="SOFR",
            discount_curve=None,
            quote_instruments=frozenset({"deposit", "ois"}),
            calendar="US-SOFR",
            settlement_days=2,
            fixed_frequency="annual",
            fixed_day_count="ACT/360",
            business_day="modified_following",
        ),
        "EUR-ESTR": CurveConvention(
            name="EUR-ESTR",
            currency="EUR",
            index="ESTR",
            discount_curve=None,
            quote_instruments=frozenset({"deposit", "ois"}),
            calendar="TARGET",
            settlement_days=2,
            fixed_frequency="annual",
            fixed_day_count="ACT/360",
            business_day="modified_following",
        ),
        "EUR-EURIBOR-6M": CurveConvention(
            name="EUR-EURIBOR-6M",
            currency="EUR",
            index="EURIBOR6M",
            discount_curve="EUR-ESTR",
            quote_instruments=frozenset({"deposit", "fra", "swap"}),
            calendar="TARGET",
            settlement_days=2,
            fixed_frequency="annual",
            fixed_day_count="30/360",
            business_day="modified_following",
        ),
    }
)
