"""Recipes: the closing quotes of every standard curve of a market for any business day.

Observed values come straight from the real series (``market_replay/data``). A value missing on the
day (holiday, late publication) is the last good value if it is at most
:data:`~market_replay.rules.MAX_CARRY_DAYS` old, listed in ``stale`` (and in ``derived``, since it
was not observed that day). Everything else is derived by the rules of :mod:`market_replay.rules`:

- ``USD-UST``: Treasury bills and par yields. A bill tenor with no recent value is left out (the
  curve is built from the bills that exist). A par tenor with no recent value (20Y before 1993, 30Y
  in 2002-2006, 3Y/5Y/7Y/20Y/30Y after 2026-02-27) is derived: the nearest available tenor's rate
  plus the spread between the two on the latest day both were published, or, if they never were,
  linear interpolation in maturity between the available tenors (flat beyond the ends).
- ``USD-SOFR``: ``deposit/1D`` = SOFR; ``ois/T`` = linear interpolation in maturity of the knots
  (1D: SOFR; each Treasury tenor: its yield + :data:`~market_replay.rules.SOFR_OIS_SPREAD_BP`).
- ``EUR-ESTR``: ``deposit/1D`` = €STR; ``ois/T`` up to 10Y = linear interpolation of the knots
  (1D: €STR; each ECB AAA spot tenor + :data:`~market_replay.rules.ESTR_OIS_SPREAD_BP`); beyond 10Y
  the 5Y->10Y change continued with :data:`~market_replay.rules.EUR_EXTRAPOLATION_WEIGHT`.
- ``EUR-EURIBOR-6M``: ``deposit/6M`` and ``swap/T`` = €STR OIS at the tenor + the basis table.
- ``fx``: ``EURUSD`` = :data:`~market_replay.rules.EURUSD_SPOT` (derived).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from core.messages import split_quote_key
from market_replay.errors import NoMarketData
from market_replay.rules import (
    DERIVED_FIXING_KEY,
    DERIVED_FX_KEY,
    ESTR_OIS_SPREAD_BP,
    EUR_EXTRAPOLATION_WEIGHT,
    EURIBOR6M_BASIS_BP,
    EURUSD_SPOT,
    MARKETS,
    MAX_CARRY_DAYS,
    OIS_TENORS,
    SOFR_OIS_SPREAD_BP,
    SWAP_TENORS,
    Market,
    tenor_years,
)
from market_replay.series import ObservedTable, ecb_aaa_table, estr_table, sofr_table, ust_table

__all__ = ["DayQuotes", "coverage", "day_quotes", "is_market_open"]

_DERIVED_DECIMALS = 6


@dataclass(frozen=True)
class DayQuotes:
    """The closing quote set of one market on one day (rates in percent as quoted).

    ``derived`` holds ``CURVE/instrument/tenor`` of every quote not observed that day (rule-derived
    or carried forward) plus ``FX/EURUSD/spot`` and ``FIXINGS/EURIBOR6M/6M``; ``stale`` holds the
    carried-forward subset.
    """

    market: Market
    as_of: date
    curves: Mapping[str, Mapping[str, float]]
    fx: Mapping[str, float]
    derived: frozenset[str] = field(default_factory=frozenset)
    stale: frozenset[str] = field(default_factory=frozenset)


def coverage(market: Market) -> tuple[date, date]:
    """First and last date for which every series ``market`` needs has data."""
    tables = _market_tables(market)
    return max(t.first_date for t in tables), min(t.last_date for t in tables)


def is_market_open(market: Market, day: date) -> bool:
    """A weekday on which at least one of the market's series published a row."""
    if day.weekday() >= 5:
        return False
    return any(t.has_row(day) for t in _market_tables(market))


def _market_tables(market: Market) -> tuple[ObservedTable, ...]:
    return (ust_table(), sofr_table()) if market == "USD" else (estr_table(), ecb_aaa_table())


def day_quotes(market: Market, day: date) -> DayQuotes:
    """The closing quotes of ``market`` on ``day``; raises :class:`NoMarketData` outside the coverage."""
    if market not in MARKETS:
        raise NoMarketData(f"unknown market {market!r}; known markets: {', '.join(MARKETS)}")
    first, last = coverage(market)
    if not first <= day <= last:
        raise NoMarketData(f"no {market} market data for {day}: the data covers {first} to {last}")
    builder = _Builder(day)
    if market == "USD":
        ust = builder.ust()
        builder.sofr(ust)
    else:
        builder.eur()
    builder.derived.add(DERIVED_FX_KEY)
    return DayQuotes(
        market=market,
        as_of=day,
        curves=builder.curves,
        fx={"EURUSD": EURUSD_SPOT},
        derived=frozenset(builder.derived),
        stale=frozenset(builder.stale),
    )


class _Builder:
    def __init__(self, day: date) -> None:
        self.day = day
        self.curves: dict[str, dict[str, float]] = {}
        self.derived: set[str] = set()
        self.stale: set[str] = set()

    def _observed(self, curve: str, key: str, table: ObservedTable, column: str) -> float | None:
        obs = table.last_good(column, self.day)
        if obs is None or (self.day - obs.observed_on).days > MAX_CARRY_DAYS:
            return None
        if obs.observed_on != self.day:
            self.stale.add(f"{curve}/{key}")
            self.derived.add(f"{curve}/{key}")
        return obs.value

    def _carried(self, curve: str, key: str, table: ObservedTable, column: str) -> float:
        """An index fixing: always the last good value (flagged when old); never missing in coverage."""
        obs = table.last_good(column, self.day)
        if obs is None:
            raise NoMarketData(f"{curve} {key}: no {column} value at or before {self.day}")
        if obs.observed_on != self.day:
            self.stale.add(f"{curve}/{key}")
            self.derived.add(f"{curve}/{key}")
        return obs.value

    def _set_derived(self, curve: str, key: str, value: float) -> None:
        self.curves.setdefault(curve, {})[key] = round(value, _DERIVED_DECIMALS)
        self.derived.add(f"{curve}/{key}")

    def ust(self) -> dict[str, float]:
        curve = "USD-UST"
        table = ust_table()
        available: dict[str, float] = {}
        for key in table.columns:
            value = self._observed(curve, key, table, key)
            if value is not None:
                available[key] = value
        if not available:
            raise NoMarketData(f"{curve}: no Treasury yield within {MAX_CARRY_DAYS} days of {self.day}")
        quotes: dict[str, float] = {}
        index = table.index_at_or_before(self.day)
        for key in table.columns:
            if key in available:
                quotes[key] = available[key]
            elif key.startswith("par_bond/"):
                quotes[key] = round(_derive_ust(table, key, available, index), _DERIVED_DECIMALS)
                self.derived.add(f"{curve}/{key}")
        self.curves[curve] = quotes
        return quotes

    def sofr(self, ust: Mapping[str, float]) -> None:
        curve = "USD-SOFR"
        fixing = self._carried(curve, "deposit/1D", sofr_table(), "SOFR")
        self.curves[curve] = {"deposit/1D": fixing}
        knots = [(tenor_years("1D"), fixing)]
        for key, rate in ust.items():
            tenor = split_quote_key(key)[1]
            knots.append((tenor_years(tenor), rate + SOFR_OIS_SPREAD_BP[tenor] / 100.0))
        knots.sort()
        for tenor in OIS_TENORS:
            self._set_derived(curve, f"ois/{tenor}", _interpolate(knots, tenor_years(tenor)))

    def eur(self) -> None:
        curve = "EUR-ESTR"
        fixing = self._carried(curve, "deposit/1D", estr_table(), "ESTR")
        self.curves[curve] = {"deposit/1D": fixing}
        aaa = ecb_aaa_table()
        knots = [(tenor_years("1D"), fixing)]
        knot_by_tenor: dict[str, float] = {}
        for tenor in aaa.columns:
            obs = aaa.last_good(tenor, self.day)
            if obs is None:
                raise NoMarketData(f"{curve}: no ECB AAA {tenor} spot rate at or before {self.day}")
            knot_by_tenor[tenor] = obs.value + ESTR_OIS_SPREAD_BP[tenor] / 100.0
            knots.append((tenor_years(tenor), knot_by_tenor[tenor]))
        knots.sort()
        ois: dict[str, float] = {}
        slope_5_10 = knot_by_tenor["10Y"] - knot_by_tenor["5Y"]
        for tenor in OIS_TENORS:
            if tenor in EUR_EXTRAPOLATION_WEIGHT:
                ois[tenor] = knot_by_tenor["10Y"] + EUR_EXTRAPOLATION_WEIGHT[tenor] * slope_5_10
            else:
                ois[tenor] = _interpolate(knots, tenor_years(tenor))
            self._set_derived(curve, f"ois/{tenor}", ois[tenor])
        ibor = "EUR-EURIBOR-6M"
        self._set_derived(ibor, "deposit/6M", ois["6M"] + EURIBOR6M_BASIS_BP["6M"] / 100.0)
        for tenor in SWAP_TENORS:
            self._set_derived(ibor, f"swap/{tenor}", ois[tenor] + EURIBOR6M_BASIS_BP[tenor] / 100.0)
        self.derived.add(DERIVED_FIXING_KEY)


def _derive_ust(table: ObservedTable, key: str, available: Mapping[str, float], index: int) -> float:
    """A par yield with no recent value: nearest available tenor + their last common spread."""
    years = tenor_years(split_quote_key(key)[1])

    def distance(other: str) -> tuple[float, float]:
        other_years = tenor_years(split_quote_key(other)[1])
        return abs(other_years - years), other_years

    anchor = min(available, key=distance)
    for row in range(index, -1, -1):
        target_value, anchor_value = table.value_on(key, row), table.value_on(anchor, row)
        if target_value is not None and anchor_value is not None:
            return available[anchor] + target_value - anchor_value
    knots = sorted((tenor_years(split_quote_key(k)[1]), v) for k, v in available.items())
    return _interpolate(knots, years)


def _interpolate(knots: list[tuple[float, float]], x: float) -> float:
    """Linear interpolation on sorted ``(x, y)`` knots, flat beyond the ends."""
    if x <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in pairwise(knots):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return knots[-1][1]
