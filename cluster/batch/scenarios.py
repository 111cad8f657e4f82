"""Historical one-day scenarios: the quote moves between consecutive business days, applied to today.

Scenario k is the move between business days ``d[k-1]`` and ``d[k]``: every quote of today's snapshot is
shifted by ``quote(d[k]) − quote(d[k-1])`` in absolute terms (percentage points, same curve, instrument and
tenor). A quote missing on either day (a market not yet covered, a tenor not quoted then) is not moved and
counted in :attr:`HistoricalMove.skipped`. Fixings and FX stay at today's values: VaR here is interest-rate
risk of today's book.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from cluster.batch.days import markets_on
from core.messages import split_quote_key
from market_replay import day_quotes
from pricing.market import MarketSnapshot, Quote

__all__ = ["HistoricalMove", "QuoteId", "closing_quotes", "historical_moves", "quote_ids", "shift_snapshot"]

#: (curve, instrument, tenor) of one quote, e.g. ("USD-SOFR", "ois", "10Y")
QuoteId = tuple[str, str, str]


@dataclass(frozen=True)
class HistoricalMove:
    start: date
    end: date
    shifts: Mapping[QuoteId, float]  # percentage points
    skipped: int

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def closing_quotes(day: date) -> dict[QuoteId, float]:
    """Every closing quote (percent) of the markets covering ``day``."""
    out: dict[QuoteId, float] = {}
    for market in markets_on(day):
        for curve, quotes in day_quotes(market, day).curves.items():
            for key, rate in quotes.items():
                instrument, tenor = split_quote_key(key)
                out[(curve, instrument, tenor)] = rate
    return out


def quote_ids(snapshot: MarketSnapshot) -> set[QuoteId]:
    return {(c.name, q.instrument, q.tenor) for c in snapshot.curves for q in c.quotes}


def historical_moves(days: Sequence[date], ids: Collection[QuoteId]) -> list[HistoricalMove]:
    """One move per consecutive pair of ``days`` (oldest first), restricted to the quotes ``ids``."""
    quotes = [closing_quotes(day) for day in days]
    moves = []
    for (start, before), (end, after) in zip(
        zip(days[:-1], quotes[:-1], strict=True), zip(days[1:], quotes[1:], strict=True), strict=True
    ):
        shifts = {i: after[i] - before[i] for i in ids if i in before and i in after}
        moves.append(HistoricalMove(start, end, shifts, len(ids) - len(shifts)))
    return moves


def shift_snapshot(snapshot: MarketSnapshot, shifts: Mapping[QuoteId, float]) -> MarketSnapshot:
    """``snapshot`` with each quote moved by its shift (percentage points); same quote set."""
    curves = tuple(
        replace(
            curve,
            quotes=tuple(
                Quote(
                    q.instrument,
                    q.tenor,
                    q.rate + shifts.get((curve.name, q.instrument, q.tenor), 0.0) / 100.0,
                )
                for q in curve.quotes
            ),
        )
        for curve in snapshot.curves
    )
    return replace(snapshot, curves=curves)
