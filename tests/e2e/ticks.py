"""Writes one tick of risk to Redis in the exact layout of :mod:`core.keys`, as the aggregator does.

A stand-in for the real-time engine while it is being built: the browser tests write a tick, then check
the dashboard shows it. Values are deterministic functions of ``seq`` so that a test can predict them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from core.keys import (
    ALL_BOOKS,
    BOOKS_SET,
    ENGINE_STATUS,
    MARKET_DERIVED,
    RISK_UPDATES_CHANNEL,
    book_by_type_key,
    book_dv01_rank_key,
    book_history_key,
    book_kr01_key,
    book_summary_key,
    instrument_risk_key,
    market_curve_key,
    risk_factor_key,
)

__all__ = ["CURVES", "STANDARD_BOOK", "Position", "write_tick"]

CURVES: dict[str, dict[str, float]] = {
    "USD-UST": {"par_bond/1Y": 4.80, "par_bond/2Y": 4.55, "par_bond/5Y": 4.20, "par_bond/10Y": 4.25},
    "USD-SOFR": {"ois/1M": 5.31, "ois/1Y": 5.00, "ois/5Y": 4.05, "ois/10Y": 3.95},
    "EUR-ESTR": {"ois/1W": 3.90, "ois/1Y": 3.60, "ois/5Y": 2.70, "ois/10Y": 2.55},
    "EUR-EURIBOR-6M": {"deposit/6M": 3.88, "swap/2Y": 3.40, "swap/5Y": 2.95, "swap/10Y": 2.80},
}
DERIVED = {"USD-SOFR/ois/10Y", "EUR-EURIBOR-6M/swap/10Y"}


@dataclass(frozen=True)
class Position:
    """An instrument's risk at seq 0, in USD (the tick moves it with ``seq``)."""

    instrument_id: str
    type: str
    book: str
    currency: str
    pv: float
    dv01: float
    curve: str


STANDARD_BOOK = (
    Position("UST-10Y", "bond", "GOVT", "USD", 98_765_432.10, 85_432.17, "USD-UST"),
    Position("UST-2Y", "bond", "GOVT", "USD", 49_876_543.21, 9_321.55, "USD-UST"),
    Position("IRS-EUR-10Y", "swap", "SWAPS", "EUR", -1_234_567.89, -41_234.56, "EUR-EURIBOR-6M"),
    Position("OIS-USD-5Y", "ois", "SWAPS", "USD", 345_678.90, 22_345.67, "USD-SOFR"),
)


def _scaled(position: Position, seq: int) -> tuple[float, float, float]:
    """PV, DV01 and gamma of a position at ``seq`` (each tick moves rates by 0.5bp)."""
    pv = position.pv + 0.5 * seq * position.dv01
    dv01 = position.dv01 * (1 + 0.001 * seq)
    return pv, dv01, dv01 * 0.0021


def _kr01(position: Position, dv01: float) -> dict[str, float]:
    tenors = [key.rpartition("/")[2] for key in CURVES[position.curve]]
    weights = [0.1, 0.2, 0.3, 0.4]
    return {
        risk_factor_key(position.curve, tenor): dv01 * w for tenor, w in zip(tenors, weights, strict=True)
    }


def write_tick(
    client: redis.Redis,
    seq: int,
    book: Iterable[Position] = STANDARD_BOOK,
    *,
    market_time: str = "2024-03-15T14:30:00+00:00",
    computed_at: float | None = None,
    rejected_curves: str = "",
    n_pending: int = 0,
) -> dict[str, dict[str, float]]:
    """Write one tick for every book and ``ALL`` in one transaction; returns the totals per book.
    ``n_pending`` > 0 makes it a partial total (a market had no value yet), as after an engine start."""
    positions = list(book)
    totals: dict[str, dict[str, float]] = {}
    kr01: dict[str, dict[str, float]] = {}
    by_type: dict[str, dict[str, float]] = {}
    pipe = client.pipeline(transaction=True)
    for position in positions:
        pv, dv01, gamma = _scaled(position, seq)
        ladder = _kr01(position, dv01)
        pipe.hset(
            instrument_risk_key(position.instrument_id),
            mapping={
                "id": position.instrument_id,
                "book": position.book,
                "type": position.type,
                "currency": position.currency,
                "ok": "1",
                "error": "",
                "pv": repr(pv),
                "dv01": repr(dv01),
                "gamma": repr(gamma),
                "kr01": json.dumps(ladder),
                "seq": str(seq),
                "market_time": market_time,
            },
        )
        for name in (position.book, ALL_BOOKS):
            book_totals = totals.setdefault(name, {"pv": 0.0, "dv01": 0.0, "gamma": 0.0, "n": 0.0})
            book_totals["pv"] += pv
            book_totals["dv01"] += dv01
            book_totals["gamma"] += gamma
            book_totals["n"] += 1
            for key, value in ladder.items():
                kr01.setdefault(name, {})[key] = kr01.get(name, {}).get(key, 0.0) + value
            kinds = by_type.setdefault(name, {})
            for measure, value in (("pv", pv), ("dv01", dv01), ("gamma", gamma)):
                kinds[f"{position.type}:{measure}"] = kinds.get(f"{position.type}:{measure}", 0.0) + value
            pipe.zadd(book_dv01_rank_key(name), {position.instrument_id: abs(dv01)})
    now = time.time() if computed_at is None else computed_at
    pipe.sadd(BOOKS_SET, *totals)
    for name, book_totals in totals.items():
        pnl_open = 0.5 * seq * book_totals["dv01"]
        pnl_predicted = pnl_open * 0.98
        summary = {
            "pv": repr(book_totals["pv"]),
            "dv01": repr(book_totals["dv01"]),
            "gamma": repr(book_totals["gamma"]),
            "pnl_open": repr(pnl_open),
            "pnl_predicted": repr(pnl_predicted),
            "pnl_residual": repr(pnl_open - pnl_predicted),
            "n_ok": str(int(book_totals["n"])),
            "n_failed": "0",
            "n_pending": str(n_pending),
            "seq": str(seq),
            "market": "USD",
            "market_time": market_time,
            "as_of": market_time[:10],
            "computed_at": repr(now),
            "latency_ms": "12.5",
            "stale": "0",
            "stale_reason": "",
        }
        pipe.hset(book_summary_key(name), mapping=summary)
        pipe.delete(book_kr01_key(name), book_by_type_key(name))
        pipe.hset(book_kr01_key(name), mapping={k: repr(v) for k, v in kr01[name].items()})
        pipe.hset(book_by_type_key(name), mapping={k: repr(v) for k, v in by_type[name].items()})
        history = {
            k: summary[k]
            for k in ("pv", "dv01", "gamma", "pnl_open", "pnl_predicted", "pnl_residual", "n_pending")
        }
        pipe.xadd(
            book_history_key(name), {"seq": str(seq), "market_time": market_time, **history}, maxlen=5000
        )
    for curve, quotes in CURVES.items():
        for when, shift in (("now", 0.005 * seq), ("open", 0.0), ("prev_close", -0.03)):
            pipe.hset(market_curve_key(curve, when), mapping={k: repr(v + shift) for k, v in quotes.items()})
    pipe.delete(MARKET_DERIVED)
    pipe.sadd(MARKET_DERIVED, *DERIVED)
    pipe.hset(
        ENGINE_STATUS,
        mapping={
            "state": "running",
            "last_seq": str(seq),
            "last_market_time": market_time,
            "consumer_lag": "3",
            "ticks_processed": str(1000 + seq),
            "ticks_conflated": "17",
            "ticks_rejected": "2",
            "ticks_dlq": "1",
            "latency_p50_ms": "8.25",
            "latency_p95_ms": "23.75",
            "latency_p99_ms": "41.5",
            "shards": "4",
            "instruments": str(len(positions)),
            "updated_at": repr(now),
            "last_error": "",
            "curves": ",".join(CURVES),
            "rejected_curves": rejected_curves,
        },
    )
    pipe.publish(RISK_UPDATES_CHANNEL, json.dumps({"seq": seq, "market": "USD", "market_time": market_time}))
    pipe.execute()
    return totals
