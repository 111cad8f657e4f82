"""Is a user's quote plausible for its curve? Catches rates written as decimals (0.0552 for 5.52 %).

Rates in files are in percent. A spreadsheet that holds decimals writes 0.0552 for 5.52 %, and the
range check (|rate| <= 100 %) lets it through: replayed, it is a curve at 0.06 %. A quote is refused
when it reads as a decimal fraction of a plausible percent level, judged against, in this order:

1. the published (or derived) close of the same curve and pillar on the same day, where the built-in
   history covers them (:func:`market_replay.recipes.day_quotes`);
2. the other quotes of the same curve on the same day (a lone decimal among percent values);
3. with neither: a whole curve reaching 10 years or more whose every quote is in (0, 0.25] %, which no
   USD or EUR curve has ever been (curves at zero were negative at the short end).

"Reads as a decimal": the quote is at most :data:`DECIMAL_MAX_PCT` in size, far from the level
(off by more than 75 % of it) and, times 100, close to it (within 50 % of it); the level is at least
:data:`MIN_LEVEL_PCT`, so that curves near zero never trigger the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from statistics import median

from market_replay.errors import NoMarketData
from market_replay.recipes import day_quotes
from market_replay.rules import Market, tenor_years

__all__ = ["DECIMAL_MAX_PCT", "MIN_LEVEL_PCT", "implausible_quotes"]

#: A decimal fraction of a rate below 25 % is at most 0.25.
DECIMAL_MAX_PCT = 0.25
#: Levels below 1 % are too close to zero to tell a decimal from a low rate.
MIN_LEVEL_PCT = 1.0
_LONG_END_YEARS = 10.0


def _reads_as_decimal(rate: float, level: float) -> bool:
    size = abs(level)
    return (
        size >= MIN_LEVEL_PCT
        and abs(rate) <= DECIMAL_MAX_PCT
        and abs(rate - level) > 0.75 * size
        and abs(100 * rate - level) <= 0.5 * size
    )


def _published(market: Market, day: date) -> Mapping[str, Mapping[str, float]]:
    try:
        return day_quotes(market, day).curves
    except NoMarketData:
        return {}


def implausible_quotes(
    market: Market, day: date, curves: Mapping[str, Mapping[str, float]]
) -> dict[tuple[str, str], str]:
    """``{(curve, "instrument/tenor"): reason}`` for the quotes of one market day that read as decimals.

    ``curves``: curve name -> quote key -> rate in percent, as given by the user.
    """
    published = _published(market, day)
    found: dict[tuple[str, str], str] = {}
    for curve, quotes in curves.items():
        reference = published.get(curve, {})
        for key, rate in quotes.items():
            if key in reference and _reads_as_decimal(rate, reference[key]):
                found[(curve, key)] = (
                    f"rate_pct {rate:g} is implausible for {curve} {key} on {day}: the published close is "
                    f"{reference[key]:.4g} %; rates are in percent (a decimal {rate:g} is {100 * rate:.4g} %)"
                )
        others = [rate for key, rate in quotes.items() if (curve, key) not in found]
        for key, rate in quotes.items():
            if (curve, key) in found or len(others) < 3:
                continue
            level = median(others)
            if _reads_as_decimal(rate, level):
                found[(curve, key)] = (
                    f"rate_pct {rate:g} is implausible for {curve} on {day}: its other quotes are near "
                    f"{level:.4g} %; rates are in percent (a decimal {rate:g} is {100 * rate:.4g} %)"
                )
        left = {key: rate for key, rate in quotes.items() if (curve, key) not in found}
        longest = max((tenor_years(key.split("/", 1)[1]) for key in left), default=0.0)
        if left and longest >= _LONG_END_YEARS and all(0 < rate <= DECIMAL_MAX_PCT for rate in left.values()):
            for key, rate in left.items():
                found[(curve, key)] = (
                    f"rate_pct {rate:g} is implausible for {curve} on {day}: every quote of the curve up to "
                    f"{longest:g}Y is between 0 and {DECIMAL_MAX_PCT} %; rates are in percent "
                    f"(a decimal {rate:g} is {100 * rate:.4g} %)"
                )
    return found
