"""The tick pipeline: dates -> day quotes -> intraday paths -> ``CurveTick`` messages.

Lazy from end to end: one day of one market is in memory at a time, so any date range (and
``loop=True``, which never ends) runs in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from core.messages import CurveTick
from market_replay.errors import ReplayConfigError
from market_replay.intraday import SESSION_SECONDS, brownian_bridge, day_rng, tick_time
from market_replay.recipes import DayQuotes
from market_replay.rules import DEFAULT_TICKS_PER_DAY, INTRADAY_VOL_BP, MARKETS, Market
from market_replay.sources import HistoricalSource, QuoteSource

__all__ = [
    "DEFAULT_TICKS_PER_DAY",
    "DayTicks",
    "ScheduledTick",
    "generate_ticks",
    "previous_close",
    "weekdays",
]

#: How far back to look for the previous close of a market (covers any holiday cluster).
_PREVIOUS_CLOSE_LOOKBACK_DAYS = 14
_INTRADAY_DECIMALS = 4


@dataclass(frozen=True)
class ScheduledTick:
    """A tick and its session time since the replay's first session opened (see ``schedule``)."""

    replay_offset_s: float
    tick: CurveTick


def weekdays(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def previous_close(source: QuoteSource, market: Market, day: date) -> DayQuotes | None:
    """The close of the last open day before ``day``, or ``None`` at the start of the data."""
    first = source.coverage(market)[0]
    candidate = day - timedelta(days=1)
    while candidate >= max(first, day - timedelta(days=_PREVIOUS_CLOSE_LOOKBACK_DAYS)):
        if source.is_open(market, candidate):
            return source.day_quotes(market, candidate)
        candidate -= timedelta(days=1)
    return None


def generate_ticks(
    start: date,
    end: date,
    *,
    markets: Sequence[Market] = MARKETS,
    ticks_per_day: int = DEFAULT_TICKS_PER_DAY,
    seed: int = 0,
    first_seq: int = 0,
    loop: bool = False,
    source: QuoteSource | None = None,
    new_session: bool = False,
) -> Iterator[ScheduledTick]:
    """Every tick of ``markets`` from ``start`` to ``end`` (inclusive), in send order.

    On each weekday open for a market, ``ticks_per_day`` ticks walk a Brownian bridge from the
    previous close to the day's close (the last tick is the close exactly); markets alternate tick
    by tick. ``seq`` starts at ``first_seq`` and increases by one per tick over all markets.
    ``loop`` replays the range again and again (``seq`` and the session clock keep increasing); each
    market's first tick of every pass after the first is flagged ``new_session`` (the engine refuses an
    earlier day otherwise); ``new_session`` flags them on the first pass too (a replay that goes back).
    Raises :class:`ReplayConfigError` for a bad range or settings, ``NoMarketData`` if the source
    does not cover the range.
    """
    source = source or HistoricalSource()
    _check(start, end, markets, ticks_per_day, first_seq, source)
    seq = first_seq
    replayed_days = 0
    passes = 0
    while True:
        restarting = set(markets) if passes or new_session else set()
        passes += 1
        for day in weekdays(start, end):
            open_markets = [m for m in markets if source.is_open(m, day)]
            if not open_markets:
                continue
            day_ticks = [DayTicks(source, m, day, ticks_per_day, seed) for m in open_markets]
            for k in range(1, ticks_per_day + 1):
                offset = (replayed_days + k / ticks_per_day) * SESSION_SECONDS
                for producer in day_ticks:
                    tick = producer.tick(k, seq)
                    if tick.market in restarting:
                        restarting.discard(tick.market)
                        tick = tick.model_copy(update={"new_session": True})
                    yield ScheduledTick(offset, tick)
                    seq += 1
            replayed_days += 1
        if not loop:
            return
        if replayed_days == 0:
            raise ReplayConfigError(f"no open market day from {start} to {end}: nothing to loop over")


def _check(
    start: date, end: date, markets: Sequence[Market], ticks_per_day: int, first_seq: int, source: QuoteSource
) -> None:
    if start > end:
        raise ReplayConfigError(f"--from {start} is after --to {end}")
    if ticks_per_day < 1:
        raise ReplayConfigError(f"ticks per day must be at least 1, got {ticks_per_day}")
    if first_seq < 0:
        raise ReplayConfigError(f"first seq must be >= 0, got {first_seq}")
    if not markets or any(m not in MARKETS for m in markets):
        raise ReplayConfigError(f"markets must be among {', '.join(MARKETS)}, got {list(markets)}")
    for market in markets:
        first, last = source.coverage(market)
        if start < first or end > last:
            raise ReplayConfigError(
                f"{source.name}: {market} data covers {first} to {last}; {start} to {end} is outside it"
            )


class DayTicks:
    """One market's ticks of one day: the bridge paths, computed once; ``tick(k, seq)`` for k in 1..N.

    ``k = 0`` is the session open, on the previous close (not emitted by the replay).
    """

    def __init__(self, source: QuoteSource, market: Market, day: date, ticks_per_day: int, seed: int) -> None:
        close = source.day_quotes(market, day)
        before = previous_close(source, market, day)
        self.close = close
        self.ticks_per_day = ticks_per_day
        self.keys = [(curve, key) for curve, quotes in close.curves.items() for key in quotes]
        end = np.array([close.curves[c][k] for c, k in self.keys], dtype=np.float64)
        start = np.array(
            [
                before.curves.get(c, {}).get(k, close.curves[c][k]) if before else close.curves[c][k]
                for c, k in self.keys
            ],
            dtype=np.float64,
        )
        vol = np.array(
            [0.0 if f"{c}/{k}" in close.stale else INTRADAY_VOL_BP / 100.0 for c, k in self.keys],
            dtype=np.float64,
        )
        path = brownian_bridge(start, end, vol, ticks_per_day, day_rng(seed, market, day))
        rounded = np.round(path, _INTRADAY_DECIMALS)
        rounded[0], rounded[-1] = path[0], path[-1]  # the two closes stay exact
        self.rows: list[list[float]] = rounded.tolist()
        self.fixings = source.fixings(market, day)
        self.derived = sorted(close.derived)
        self.stale = sorted(close.stale)

    def curves_at(self, k: int) -> dict[str, dict[str, float]]:
        curves: dict[str, dict[str, float]] = {}
        for (curve, key), value in zip(self.keys, self.rows[k], strict=True):
            curves.setdefault(curve, {})[key] = value
        return curves

    def tick(self, k: int, seq: int) -> CurveTick:
        close = self.close
        return CurveTick(
            seq=seq,
            market=close.market,
            as_of=close.as_of,
            market_time=tick_time(close.market, close.as_of, k, self.ticks_per_day),
            produced_at_ns=0,
            curves=self.curves_at(k),
            fixings=self.fixings,
            fx=dict(close.fx),
            derived=self.derived,
            stale=self.stale,
        )
