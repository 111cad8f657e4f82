"""Where day quotes come from: the built-in historical recipes or a user's CSV (same interface)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from market_replay.fixings import MARKET_INDICES, recent_fixings
from market_replay.recipes import DayQuotes, coverage, day_quotes, is_market_open
from market_replay.rules import Market

__all__ = ["HistoricalSource", "QuoteSource"]


class QuoteSource(Protocol):
    """Closing quotes per market and business day, plus the fixings known before a day."""

    @property
    def name(self) -> str: ...

    def coverage(self, market: Market) -> tuple[date, date]:
        """First and last date with data; raises ``NoMarketData`` if the market has none."""
        ...

    def is_open(self, market: Market, day: date) -> bool:
        """Whether ``market`` publishes a close on ``day`` (replays emit ticks only on open days)."""
        ...

    def day_quotes(self, market: Market, day: date) -> DayQuotes:
        """The closing quotes of ``market`` on ``day`` (carried forward and flagged if closed)."""
        ...

    def fixings(self, market: Market, before: date) -> dict[str, dict[date, float]]:
        """The recent fixings of the market's indices dated strictly before ``before``."""
        ...


class HistoricalSource:
    """The real series of ``market_replay/data`` through the recipes of :mod:`market_replay.recipes`."""

    name = "historical"

    def coverage(self, market: Market) -> tuple[date, date]:
        return coverage(market)

    def is_open(self, market: Market, day: date) -> bool:
        return is_market_open(market, day)

    def day_quotes(self, market: Market, day: date) -> DayQuotes:
        return day_quotes(market, day)

    def fixings(self, market: Market, before: date) -> dict[str, dict[date, float]]:
        return {index: recent_fixings(index, before) for index in MARKET_INDICES[market]}
