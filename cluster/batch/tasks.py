"""The unit of work of one Ray task (plain functions: :mod:`cluster.batch.jobs` wraps them in Ray).

- :func:`value_day`: the book on one day's closing snapshot (``price_portfolio``), totals per book in USD.
- :func:`scenario_pnl`: builds one :class:`pricing.PortfolioEngine` on today's snapshot (each instrument
  once, however many positions hold it), then values the book in each historical scenario of its chunk
  by ``update_market`` (``setValue`` + re-bootstrap) and returns the P&L per book and scenario in USD at
  today's FX.

Positions whose terms are invalid or cannot be priced are counted in ``failures`` and left out of every
sum, never dropped silently (docs/architecture.md section 4).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from cluster.batch.days import markets_on
from cluster.batch.errors import BatchError
from cluster.batch.scenarios import QuoteId, shift_snapshot
from core.config import get_settings
from core.keys import ALL_BOOKS
from market_replay import market_snapshot
from pricing import PortfolioEngine, PricingError, parse_market, price_portfolio, resolve_book
from pricing.errors import MissingFxRate
from pricing.fx import reporting_rate
from pricing.positions import Position

__all__ = ["UNBOOKED", "BookRisk", "DayRisk", "ScenarioPnl", "scenario_pnl", "usd_per_unit", "value_day"]

UNBOOKED = "UNBOOKED"


@dataclass
class BookRisk:
    """Totals of one book in USD."""

    pv: float = 0.0
    dv01: float = 0.0
    gamma: float = 0.0
    kr01: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    n_ok: int = 0
    n_failed: int = 0


@dataclass(frozen=True)
class DayRisk:
    day: date
    books: Mapping[str, BookRisk]  # includes ALL
    quotes: Mapping[str, float]  # CURVE/TENOR -> rate_pct of the day's close
    failures: Mapping[str, str]


@dataclass(frozen=True)
class ScenarioPnl:
    books: Mapping[str, np.ndarray]  # book (and ALL) -> P&L in USD per scenario of the chunk
    base_pv: Mapping[str, float]
    failures: Mapping[str, str]
    build_seconds: float = 0.0  # the engine's construction (QuantLib instruments -> cashflow tables)
    scenario_seconds: float = 0.0  # every scenario: update_market + valuation


def usd_per_unit(currency: str, fx: Mapping[str, float]) -> float:
    """USD per unit of ``currency`` (:func:`pricing.fx.reporting_rate`); a missing rate is a
    :class:`BatchError` naming the pairs (the day or run fails, never a NaN total)."""
    try:
        return reporting_rate(currency, fx)
    except MissingFxRate as exc:
        raise BatchError(f"market snapshot: {exc}") from exc


def value_day(entries: Sequence[Mapping[str, Any]], day: date) -> DayRisk:
    """The book valued on ``day``'s closing snapshot, exactly as ``riskctl price`` would."""
    snapshot = market_snapshot(day, markets=markets_on(day))
    try:
        result = price_portfolio(
            {"instruments": list(entries)}, snapshot, interpolation=get_settings().interpolation
        )
    except MissingFxRate as exc:
        raise BatchError(f"{day}: {exc}") from exc
    books: dict[str, BookRisk] = defaultdict(BookRisk)
    failures: dict[str, str] = {}
    for item in result["instruments"]:
        risk = books[item.get("book") or UNBOOKED]
        if not item["ok"]:
            risk.n_failed += 1
            failures[str(item["id"])] = str(item["error"])
            continue
        rate = usd_per_unit(item["currency"], snapshot["fx"])
        risk.n_ok += 1
        risk.pv += item["pv"] * rate
        risk.dv01 += item["dv01"] * rate
        risk.gamma += item["gamma"] * rate
        for key, value in item["kr01"].items():
            risk.kr01[key] += value * rate
    totals = result["totals"]
    books[ALL_BOOKS] = BookRisk(
        totals["pv"],
        totals["dv01"],
        totals["gamma"],
        dict(totals["kr01"]),
        totals["n_ok"],
        totals["n_failed"],
    )
    quotes = {
        f"{c['name']}/{q['tenor']}": float(q["rate_pct"]) for c in snapshot["curves"] for q in c["quotes"]
    }
    return DayRisk(day, dict(books), quotes, failures)


def scenario_pnl(
    entries: Sequence[Mapping[str, Any]],
    today: Mapping[str, Any],
    moves: Sequence[tuple[str, Mapping[QuoteId, float]]],
) -> ScenarioPnl:
    """P&L (USD) per book of today's book in each ``(label, shifts)`` move, by full revaluation.

    Each instrument is valued once however many entries (positions) hold it; a position's P&L is its
    instrument's times its signed quantity."""
    resolved = resolve_book(entries)
    failures = {str(entries[index].get("id")): reason for index, reason in resolved.errors.items()}
    snapshot = parse_market(today)
    started = time.perf_counter()
    engine = PortfolioEngine(
        resolved.instruments.values(), snapshot, engine="fast", interpolation=get_settings().interpolation
    )
    instrument_row = {ident: row for row, ident in enumerate(engine.ids)}
    held: list[tuple[int, Position]] = []  # (entry index, position) of the priced positions
    for index, position in resolved.positions.items():
        if position.instrument_id in instrument_row:
            held.append((index, position))
        else:
            failures[str(entries[index].get("id"))] = engine.failures[position.instrument_id]
    if not held:
        return ScenarioPnl({ALL_BOOKS: np.zeros(len(moves))}, {ALL_BOOKS: 0.0}, failures)
    instrument_rows = np.asarray([instrument_row[p.instrument_id] for _, p in held], dtype=np.int64)
    quantities = np.asarray([p.quantity for _, p in held])
    rates = np.asarray([usd_per_unit(engine.specs[p.instrument_id].currency, snapshot.fx) for _, p in held])
    unit_base = engine.pv_matrix([0])[:, 0]
    built = time.perf_counter()
    unit_pnl = np.empty((len(instrument_row), len(moves)))
    for column, (label, shifts) in enumerate(moves):
        try:
            engine.update_market(shift_snapshot(snapshot, shifts))
        except PricingError as exc:
            raise BatchError(f"scenario {label}: the shifted curves cannot be built: {exc}") from exc
        unit_pnl[:, column] = engine.pv_matrix([0])[:, 0] - unit_base
    valued = time.perf_counter()
    base = unit_base[instrument_rows] * quantities
    usd = unit_pnl[instrument_rows] * quantities[:, None] * rates[:, None]
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, (_, position) in enumerate(held):
        rows_of[position.book or UNBOOKED].append(row)
    books = {book: usd[rows].sum(axis=0) for book, rows in rows_of.items()}
    books[ALL_BOOKS] = usd.sum(axis=0)
    base_pv = {book: float((base[rows] * rates[rows]).sum()) for book, rows in rows_of.items()}
    base_pv[ALL_BOOKS] = float((base * rates).sum())
    return ScenarioPnl(books, base_pv, failures, built - started, valued - built)
