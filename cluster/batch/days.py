"""Business days with market data: the dates the batch jobs value and the days historical moves span.

A business day is a weekday on which at least one market whose data covers that date published quotes
(:func:`market_replay.is_market_open`). On a holiday of only one market the other market's day counts;
the closed market's quotes are its last close (so its move that day is zero).
"""

from __future__ import annotations

from datetime import date, timedelta

from cluster.batch.errors import BadRequest
from market_replay import coverage, is_market_open
from market_replay.rules import MARKETS, Market

__all__ = ["business_days", "business_days_before", "check_business_day", "data_range", "markets_on"]


def markets_on(day: date) -> tuple[Market, ...]:
    """The markets whose data covers ``day`` (USD from 2018-04-03, EUR from 2021-08-09)."""
    return tuple(m for m in MARKETS if coverage(m)[0] <= day <= coverage(m)[1])


def data_range() -> tuple[date, date]:
    """The first and last date any market has data for."""
    spans = [coverage(m) for m in MARKETS]
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _is_business_day(day: date) -> bool:
    return any(is_market_open(m, day) for m in markets_on(day))


def business_days(start: date, end: date) -> list[date]:
    """Every business day in ``[start, end]``; raises :class:`BadRequest` when there is none."""
    first, last = data_range()
    if start > end:
        raise BadRequest(f"bad date range: --from {start} is after --to {end}")
    if end < first or start > last:
        raise BadRequest(f"no market data between {start} and {end}: the data covers {first} to {last}")
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    found = [d for d in days if first <= d <= last and _is_business_day(d)]
    if not found:
        raise BadRequest(f"no business day with market data between {start} and {end} (weekend or holidays)")
    return found


def check_business_day(day: date) -> None:
    """Raise :class:`BadRequest` unless ``day`` is a business day with market data."""
    first, last = data_range()
    if not first <= day <= last:
        raise BadRequest(f"no market data on {day}: the data covers {first} to {last}")
    if not _is_business_day(day):
        raise BadRequest(f"no market data on {day} (weekend or market holiday); choose a business day")


def business_days_before(day: date, count: int) -> list[date]:
    """The ``count`` business days before ``day`` (not included), oldest first."""
    first = data_range()[0]
    found: list[date] = []
    cursor = day - timedelta(1)
    while len(found) < count:
        if cursor < first:
            raise BadRequest(
                f"{day} has only {len(found)} business days of history before it (data starts {first}); "
                f"ask for at most {len(found)} or choose a later date"
            )
        if _is_business_day(cursor):
            found.append(cursor)
        cursor -= timedelta(1)
    return found[::-1]
