"""QuantLib index objects built from :data:`~pricing.conventions.INDICES`, and past fixings.

QuantLib keeps fixings in a process-wide ``IndexManager`` keyed by the index's QuantLib name, like the
evaluation date. :func:`load_fixings` replaces the history of every index named in a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import QuantLib as ql

from pricing.conventions import BUSINESS_DAY_RULES, CALENDARS, DAY_COUNTS, INDICES
from pricing.dates import parse_tenor, to_ql_date

__all__ = ["load_fixings", "make_index"]

_CURRENCIES = {"USD": ql.USDCurrency(), "EUR": ql.EURCurrency()}


def make_index(name: str, forecast: ql.YieldTermStructureHandle | None = None) -> ql.IborIndex:
    """The QuantLib index ``name`` (an ``OvernightIndex`` for SOFR and ESTR) forecast on ``forecast``."""
    convention = INDICES[name]
    handle = forecast if forecast is not None else ql.YieldTermStructureHandle()
    currency = _CURRENCIES[convention.currency]
    calendar = CALENDARS[convention.calendar]
    day_count = DAY_COUNTS[convention.day_count]
    if convention.overnight:
        return ql.OvernightIndex(name, convention.fixing_days, currency, calendar, day_count, handle)
    return ql.IborIndex(
        name,
        parse_tenor(convention.tenor),
        convention.fixing_days,
        currency,
        calendar,
        BUSINESS_DAY_RULES[convention.business_day],
        convention.end_of_month,
        day_count,
        handle,
    )


def load_fixings(fixings: Mapping[str, Mapping[date, float]]) -> None:
    """Replace QuantLib's fixing history of each index in ``fixings`` (rates as decimals).

    Dates that are not fixing days of the index calendar can never be looked up by a coupon and are
    skipped.
    """
    for name, series in fixings.items():
        index = make_index(name)
        index.clearFixings()
        for day, rate in sorted(series.items()):
            fixing_date = to_ql_date(day)
            if index.isValidFixingDate(fixing_date):
                index.addFixing(fixing_date, rate, True)
