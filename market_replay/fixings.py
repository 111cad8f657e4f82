"""Past fixings of the floating indices: SOFR and €STR (real), EURIBOR6M (derived proxy).

A tick carries only the last :data:`~market_replay.rules.FIXINGS_PER_TICK` published fixings of each
index (enough for the current accrual of a daily-reset trade, small enough to keep ticks light);
:func:`fixing_history` gives the full history for snapshots and for consumers that value seasoned
OIS or IBOR trades. Only fixings dated strictly before the valuation date are returned: a rate for a
date is published the next morning (SOFR, €STR) or is not yet needed (EURIBOR for spot start).

EURIBOR6M has no public series here. Its fixing on a TARGET day ``f`` is derived as the €STR
compounded over the :data:`~market_replay.rules.EURIBOR6M_FIXING_WINDOW_DAYS` calendar days before
``f`` (ACT/360, annualised) plus the 6M entry of the EURIBOR/€STR basis table, rounded to 3 decimals.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import date, timedelta
from functools import lru_cache

from market_replay.errors import NoMarketData
from market_replay.rules import (
    EURIBOR6M_BASIS_BP,
    EURIBOR6M_FIXING_WINDOW_DAYS,
    FIXINGS_PER_TICK,
    MARKETS,
    Market,
)
from market_replay.series import ObservedTable, estr_table, sofr_table

__all__ = [
    "DERIVED_INDICES",
    "INDICES",
    "MARKET_INDICES",
    "fixing_history",
    "market_fixing_history",
    "recent_fixings",
]

MARKET_INDICES: dict[Market, tuple[str, ...]] = {"USD": ("SOFR",), "EUR": ("ESTR", "EURIBOR6M")}
INDICES = tuple(index for market in MARKETS for index in MARKET_INDICES[market])
#: Indices whose fixings are derived by rule rather than published.
DERIVED_INDICES = frozenset({"EURIBOR6M"})


def fixing_history(index: str, before: date) -> dict[date, float]:
    """Every fixing of ``index`` (``SOFR``, ``ESTR``, ``EURIBOR6M``) dated strictly before ``before``."""
    dates, values = _series(index)
    end = bisect_left(dates, before)
    return dict(zip(dates[:end], values[:end], strict=True))


def market_fixing_history(market: Market, before: date) -> dict[str, dict[str, float]]:
    """Snapshot-ready full history of every index of ``market``: ``{index: {"YYYY-MM-DD": rate_pct}}``.

    A consumer of ticks merges this into ``CurveTick.to_market_snapshot()["fixings"]`` (once per
    ``as_of``) so that seasoned trades find every past fixing they need.
    """
    return {
        index: {day.isoformat(): rate for day, rate in fixing_history(index, before).items()}
        for index in MARKET_INDICES[market]
    }


def recent_fixings(index: str, before: date, count: int = FIXINGS_PER_TICK) -> dict[date, float]:
    """The last ``count`` fixings of ``index`` dated strictly before ``before``, oldest first."""
    dates, values = _series(index)
    end = bisect_left(dates, before)
    start = max(0, end - count)
    return dict(zip(dates[start:end], values[start:end], strict=True))


def _series(index: str) -> tuple[tuple[date, ...], tuple[float, ...]]:
    if index == "SOFR":
        return _published(sofr_table(), "SOFR")
    if index == "ESTR":
        return _published(estr_table(), "ESTR")
    if index == "EURIBOR6M":
        return _euribor6m_proxy()
    raise NoMarketData(f"no fixings for index {index!r}; known indices: {', '.join(INDICES)}")


def _published(table: ObservedTable, column: str) -> tuple[tuple[date, ...], tuple[float, ...]]:
    pairs = table.items_before(column, date.max)
    return tuple(d for d, _ in pairs), tuple(v for _, v in pairs)


@lru_cache(maxsize=1)
def _euribor6m_proxy() -> tuple[tuple[date, ...], tuple[float, ...]]:
    dates, rates = _published(estr_table(), "ESTR")
    # log growth of one unit compounded at €STR from dates[0] to dates[i] (ACT/360, rate applies
    # until the next published date, i.e. over weekends and holidays too)
    log_growth = [0.0]
    for i in range(len(dates) - 1):
        days = (dates[i + 1] - dates[i]).days
        log_growth.append(log_growth[-1] + math.log1p(rates[i] / 100.0 * days / 360.0))
    window = timedelta(days=EURIBOR6M_FIXING_WINDOW_DAYS)
    basis_pct = EURIBOR6M_BASIS_BP["6M"] / 100.0
    out_dates: list[date] = []
    out_rates: list[float] = []
    for k, fixing_date in enumerate(dates):
        if fixing_date - window < dates[0]:
            continue
        start = bisect_left(dates, fixing_date - window)
        days = (fixing_date - dates[start]).days
        growth = math.exp(log_growth[k] - log_growth[start])
        out_dates.append(fixing_date)
        out_rates.append(round((growth - 1.0) * 360.0 / days * 100.0 + basis_pct, 3))
    return tuple(out_dates), tuple(out_rates)
