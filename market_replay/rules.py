"""The documented, deterministic rules that derive quotes no public series provides.

Every number here is a modelling choice, not market data: the spread and basis levels are round
figures of the right sign and size for 2021-2026, chosen so that the derived curves are plausible
and stable, not to reproduce any vendor's quotes. Every quote built with them is flagged ``derived``.
See ``market_replay/data/README.md`` for the full description.
"""

from __future__ import annotations

import re
from typing import Final, Literal

__all__ = [
    "CURVE_INFO",
    "DEFAULT_TICKS_PER_DAY",
    "DERIVED_FIXING_KEY",
    "DERIVED_FX_KEY",
    "ESTR_OIS_SPREAD_BP",
    "EURIBOR6M_BASIS_BP",
    "EURIBOR6M_FIXING_WINDOW_DAYS",
    "EURUSD_SPOT",
    "EUR_EXTRAPOLATION_WEIGHT",
    "FIXINGS_PER_TICK",
    "INTRADAY_VOL_BP",
    "MARKETS",
    "MARKET_CURVES",
    "MAX_CARRY_DAYS",
    "OIS_TENORS",
    "SOFR_OIS_SPREAD_BP",
    "SWAP_TENORS",
    "Market",
    "tenor_years",
]

Market = Literal["USD", "EUR"]
MARKETS: Final[tuple[Market, ...]] = ("USD", "EUR")

#: Curves of each market, in the order they appear in a tick (docs/architecture.md section 3).
MARKET_CURVES: Final[dict[Market, tuple[str, ...]]] = {
    "USD": ("USD-UST", "USD-SOFR"),
    "EUR": ("EUR-ESTR", "EUR-EURIBOR-6M"),
}

#: Snapshot metadata of each curve (docs/architecture.md section 5).
CURVE_INFO: Final[dict[str, dict[str, str]]] = {
    "USD-UST": {"currency": "USD"},
    "USD-SOFR": {"currency": "USD", "index": "SOFR"},
    "EUR-ESTR": {"currency": "EUR", "index": "ESTR"},
    "EUR-EURIBOR-6M": {"currency": "EUR", "index": "EURIBOR6M", "discount_curve": "EUR-ESTR"},
}

OIS_TENORS: Final = ("1W", "1M", "3M", "6M", "1Y", "2Y", "3Y", "5Y", "7Y", "10Y", "15Y", "20Y", "30Y")
SWAP_TENORS: Final = ("1Y", "2Y", "3Y", "5Y", "7Y", "10Y", "15Y", "20Y", "30Y")

#: A value missing for at most this many calendar days is carried forward (flagged ``stale``);
#: a Treasury tenor missing for longer is structurally absent and derived (see ``recipes``).
MAX_CARRY_DAYS: Final = 7

#: SOFR OIS par rate minus Treasury yield at the same tenor, in bp (negative long-end swap spreads).
SOFR_OIS_SPREAD_BP: Final[dict[str, float]] = {
    "1M": -3.0, "2M": -4.0, "3M": -5.0, "4M": -6.0, "6M": -8.0, "1Y": -10.0, "2Y": -15.0, "3Y": -18.0,
    "5Y": -22.0, "7Y": -28.0, "10Y": -35.0, "20Y": -60.0, "30Y": -75.0,
}  # fmt: skip

#: €STR OIS par rate minus the ECB AAA Svensson spot rate at the same tenor, in bp.
ESTR_OIS_SPREAD_BP: Final[dict[str, float]] = {
    "3M": 5.0, "6M": 5.0, "1Y": 8.0, "2Y": 12.0, "5Y": 15.0, "10Y": 12.0,
}  # fmt: skip

#: Beyond 10Y the €STR curve continues the 5Y->10Y change, damped: r(T) = r10 + w(T) * (r10 - r5).
EUR_EXTRAPOLATION_WEIGHT: Final[dict[str, float]] = {"15Y": 0.6, "20Y": 0.9, "30Y": 1.0}

#: EURIBOR 6M minus €STR OIS at the same tenor, in bp (deposit/6M uses the "6M" entry).
EURIBOR6M_BASIS_BP: Final[dict[str, float]] = {
    "6M": 25.0, "1Y": 24.0, "2Y": 22.0, "3Y": 21.0, "5Y": 19.0, "7Y": 17.0, "10Y": 16.0,
    "15Y": 14.0, "20Y": 12.0, "30Y": 10.0,
}  # fmt: skip

#: EURIBOR6M fixing proxy: €STR compounded over the calendar days before the fixing date, + 6M basis.
EURIBOR6M_FIXING_WINDOW_DAYS: Final = 182

#: No public EUR/USD series is in the data: a constant, flagged derived.
EURUSD_SPOT: Final = 1.10

#: One tick per market minute: 540 ticks over the 9-hour 08:00-17:00 session.
DEFAULT_TICKS_PER_DAY: Final = 540

#: Intraday Brownian bridge volatility per quote, in bp per square root of a trading day.
INTRADAY_VOL_BP: Final = 4.0

#: Published fixings per index carried in each tick (the full history comes from ``fixing_history``).
FIXINGS_PER_TICK: Final = 10

#: Entries of ``derived`` that are not curve quotes.
DERIVED_FX_KEY: Final = "FX/EURUSD/spot"
DERIVED_FIXING_KEY: Final = "FIXINGS/EURIBOR6M/6M"

_TENOR = re.compile(r"^(?P<n>[0-9]+)(?P<unit>[DWMY])$")
_UNIT_YEARS: Final = {"D": 1.0 / 365.0, "W": 7.0 / 365.0, "M": 1.0 / 12.0, "Y": 1.0}


def tenor_years(tenor: str) -> float:
    """``"3M"`` -> 0.25; raises ``ValueError`` naming the tenor if it is not ``<n>D|W|M|Y``."""
    match = _TENOR.match(tenor)
    if match is None:
        raise ValueError(f"tenor {tenor!r} is not of the form <number><D|W|M|Y> (e.g. '3M', '10Y')")
    return int(match["n"]) * _UNIT_YEARS[match["unit"]]
