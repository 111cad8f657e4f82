"""Market replay: real historical curves (and users' own quotes) streamed as ``CurveTick`` messages.

Pipeline: dates -> :func:`day_quotes` (recipes over the real series) -> intraday Brownian bridges ->
``CurveTick`` (:func:`generate_ticks`) -> Kafka (:func:`replay_to_kafka`). :func:`market_snapshot`
builds the market snapshot JSON of docs/architecture.md section 5 for one date (and optionally a time).
"""

from __future__ import annotations

from market_replay.errors import (
    DeliveryError,
    MarketReplayError,
    NoMarketData,
    ReplayConfigError,
    UserCsvError,
)
from market_replay.fixings import fixing_history, market_fixing_history, recent_fixings
from market_replay.generator import DEFAULT_TICKS_PER_DAY, ScheduledTick, generate_ticks
from market_replay.recipes import DayQuotes, coverage, day_quotes, is_market_open
from market_replay.schedule import Pace, send_offset
from market_replay.snapshot import market_snapshot
from market_replay.sources import HistoricalSource, QuoteSource
from market_replay.user_csv import CsvIssue, CsvSource, load_user_csv

__all__ = [
    "DEFAULT_TICKS_PER_DAY",
    "CsvIssue",
    "CsvSource",
    "DayQuotes",
    "DeliveryError",
    "HistoricalSource",
    "MarketReplayError",
    "NoMarketData",
    "Pace",
    "QuoteSource",
    "ReplayConfigError",
    "ScheduledTick",
    "UserCsvError",
    "coverage",
    "day_quotes",
    "fixing_history",
    "generate_ticks",
    "is_market_open",
    "load_user_csv",
    "market_fixing_history",
    "market_snapshot",
    "recent_fixings",
    "send_offset",
]
