"""Intraday ticks between two daily closes: a seeded Brownian bridge per quote.

Market time: each market trades a session of :data:`SESSION_SECONDS` from 08:00 to 17:00 local time
(New York for USD, Frankfurt for EUR). With ``N`` ticks per day, tick ``k`` (1..N) is at
``08:00 + k * 9h / N``; the path starts (k = 0, not emitted: it is the previous day's last tick) on
the previous close and the last tick (k = N, 17:00) is exactly the day's close. The random numbers
depend only on ``(seed, market, day)``, so a day's ticks are the same whatever range is replayed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from market_replay.rules import MARKETS, Market

__all__ = [
    "MARKET_TIMEZONES",
    "SESSION_CLOSE",
    "SESSION_OPEN",
    "SESSION_SECONDS",
    "brownian_bridge",
    "day_rng",
    "tick_time",
]

SESSION_OPEN: Final = time(8, 0)
SESSION_CLOSE: Final = time(17, 0)
SESSION_SECONDS: Final = 9 * 3600
MARKET_TIMEZONES: Final[dict[Market, ZoneInfo]] = {
    "USD": ZoneInfo("America/New_York"),
    "EUR": ZoneInfo("Europe/Berlin"),
}

FloatArray = npt.NDArray[np.float64]


def tick_time(market: Market, day: date, k: int, ticks_per_day: int) -> datetime:
    """Local market time of tick ``k`` (0 = session open, ``ticks_per_day`` = close) on ``day``."""
    opening = datetime.combine(day, SESSION_OPEN, tzinfo=MARKET_TIMEZONES[market])
    return opening + timedelta(seconds=k * SESSION_SECONDS / ticks_per_day)


def day_rng(seed: int, market: Market, day: date) -> np.random.Generator:
    """The random stream of one market's day: depends only on ``(seed, market, day)``."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, MARKETS.index(market), day.toordinal()]))
    )


def brownian_bridge(
    start: FloatArray, end: FloatArray, vol: FloatArray, steps: int, rng: np.random.Generator
) -> FloatArray:
    """Paths of shape ``(steps + 1, n)``: row 0 is exactly ``start``, row ``steps`` exactly ``end``.

    ``vol`` is the standard deviation per quote over the whole path (a Brownian motion of unit time
    pinned at both ends, scaled by ``vol``); a zero ``vol`` gives the straight line.
    """
    n = start.shape[0]
    times = np.arange(steps + 1, dtype=np.float64) / steps
    walk = np.zeros((steps + 1, n))
    walk[1:] = np.cumsum(rng.standard_normal((steps, n)) * np.sqrt(1.0 / steps), axis=0)
    bridge = walk - times[:, None] * walk[-1]
    path: FloatArray = start + (end - start) * times[:, None] + vol * bridge
    path[0] = start
    path[-1] = end
    return path
