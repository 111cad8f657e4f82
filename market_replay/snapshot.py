"""The market snapshot JSON of docs/architecture.md section 5 for one date (the input of ``riskctl price``).

Without a time the snapshot holds each market's close. With a time ``T`` (local market time of each
market) it holds the last replay tick at or before ``T`` of that day, exactly as the replay with the
same seed and ticks per day would have sent it (before 08:00: the previous close). A market closed
that day (holiday) gives its last close, every quote flagged ``stale``. Fixings are the full history
before the date (:func:`market_replay.fixings.fixing_history`), not the short tail of a tick.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from core.messages import CurveTick
from market_replay.fixings import market_fixing_history
from market_replay.generator import DEFAULT_TICKS_PER_DAY, DayTicks
from market_replay.intraday import SESSION_OPEN, SESSION_SECONDS, tick_time
from market_replay.rules import CURVE_INFO, MARKETS, Market
from market_replay.sources import HistoricalSource, QuoteSource

__all__ = ["market_snapshot", "snapshot_tick"]


def snapshot_tick(
    source: QuoteSource, market: Market, day: date, at: time | None, *, seed: int, ticks_per_day: int
) -> CurveTick:
    """The tick of ``market`` in force on ``day`` at local time ``at`` (``None``: the close)."""
    if not source.is_open(market, day):
        close = source.day_quotes(market, day)
        return CurveTick(
            seq=0,
            market=market,
            as_of=day,
            market_time=tick_time(market, day, ticks_per_day, ticks_per_day),
            produced_at_ns=0,
            curves={curve: dict(quotes) for curve, quotes in close.curves.items()},
            fixings=source.fixings(market, day),
            fx=dict(close.fx),
            derived=sorted(close.derived),
            stale=sorted(close.stale),
        )
    k = ticks_per_day
    if at is not None:
        elapsed = (datetime.combine(day, at) - datetime.combine(day, SESSION_OPEN)).total_seconds()
        k = min(ticks_per_day, max(0, math.floor(elapsed / SESSION_SECONDS * ticks_per_day)))
    return DayTicks(source, market, day, ticks_per_day, seed).tick(k, seq=0)


def market_snapshot(
    day: date,
    at: time | None = None,
    *,
    markets: Sequence[Market] = MARKETS,
    source: QuoteSource | None = None,
    seed: int = 0,
    ticks_per_day: int = DEFAULT_TICKS_PER_DAY,
) -> dict[str, Any]:
    """The docs/architecture.md §5 market snapshot of ``markets`` on ``day`` (at ``at``, else the close).

    Besides ``as_of``, ``fx``, ``curves`` (with ``currency``, ``index``, ``discount_curve``) and
    ``fixings``, it carries ``derived`` and ``stale`` (``CURVE/instrument/tenor`` lists) and
    ``market_times`` (``{market: ISO time of the quotes}``). Raises ``NoMarketData`` outside the data.
    """
    source = source or HistoricalSource()
    snapshot: dict[str, Any] = {
        "as_of": day.isoformat(),
        "fx": {},
        "curves": [],
        "fixings": {},
        "derived": [],
        "stale": [],
        "market_times": {},
    }
    for market in markets:
        tick = snapshot_tick(source, market, day, at, seed=seed, ticks_per_day=ticks_per_day)
        part = tick.to_market_snapshot()
        snapshot["fx"].update(part["fx"])
        for curve in part["curves"]:
            snapshot["curves"].append({"name": curve["name"], **CURVE_INFO.get(curve["name"], {}), **curve})
        snapshot["fixings"].update(market_fixing_history(market, day))
        snapshot["derived"] += part["derived"]
        snapshot["stale"] += part["stale"]
        snapshot["market_times"][market] = tick.market_time.isoformat()
    return snapshot
