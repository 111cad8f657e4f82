"""What-if: candidate trades priced on the live market, added to a book's live totals, checked against limits.

The market is the latest computed tick of each market (``market:live``, written by the limit monitor after
the tick's results) with the fixing history merged in as the engine's shards do, so a trade is valued on the
very curves the book's live totals were computed on. Each market's curves and their bumped scenarios are
bootstrapped once per tick and kept (:class:`LiveMarkets`); a what-if then costs the trades' own cashflow
tables and one numpy valuation, not a re-pricing of the book: the book's totals before come from Redis
(``risk:{book}:summary`` and ``risk:{book}:kr01``), read together with the ticks they were computed on.

Risk measures and units are those of :mod:`pricing.measures` (docs/architecture.md §4): per trade in its own
currency, totals in USD with the tick's FX. Nothing is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis

from core.keys import ALL_BOOKS, MARKET_LIVE, book_kr01_key, book_summary_key
from core.limits import BookRisk, Limit, check_limits
from core.messages import CurveTick
from core.records import BookSummaryRecord, Kr01LadderRecord
from market_replay.fixings import market_fixing_history
from pricing import PortfolioEngine, measures_from_pv_matrix, position_from_dict
from pricing.errors import MissingFxRate, PricingError
from pricing.fast import CurveNodes
from pricing.fx import reporting_rate

__all__ = ["LiveMarkets", "NoLiveMarket", "live_snapshot", "whatif"]

#: How long a what-if waits for the book's totals and the live ticks to name the same tick.
_CONSISTENT_WITHIN_S = 2.0


class NoLiveMarket(LookupError):
    """No tick of the market has been computed yet (the engine is not running or has not ticked)."""


def live_snapshot(tick: CurveTick) -> dict[str, Any]:
    """The market snapshot JSON (docs/architecture.md §5) of a computed tick: its quotes, FX and fixings, with
    the fixing history before its day merged under them (as the shards value it); ``riskctl price
    --market`` reads it."""
    raw = tick.to_market_snapshot()
    merged = {index: dict(series) for index, series in market_fixing_history(tick.market, tick.as_of).items()}
    for index, series in raw["fixings"].items():
        merged.setdefault(index, {}).update(series)
    return {**raw, "fixings": merged}


@dataclass
class _Market:
    tick_json: str
    tick: CurveTick
    engine: PortfolioEngine
    nodes: dict[str, CurveNodes]


class LiveMarkets:
    """Per market, an engine without positions on its latest computed tick, and that tick's scenario nodes.

    QuantLib's evaluation date and fixings are process-wide: every use holds :attr:`lock`."""

    def __init__(self, client: redis.Redis, interpolation: str = "linear_zero") -> None:
        self.client = client
        self.interpolation = interpolation
        self.lock = threading.Lock()
        self._markets: dict[str, _Market] = {}

    def _market(self, market: str, tick_json: str) -> _Market:
        cached = self._markets.get(market)
        if cached is not None and cached.tick_json == tick_json:
            return cached
        tick = CurveTick.from_json(tick_json)
        engine = PortfolioEngine([], live_snapshot(tick), interpolation=self.interpolation)
        entry = _Market(tick_json, tick, engine, engine.scenario_nodes())
        self._markets[market] = entry
        return entry

    def price(self, terms: Sequence[Mapping[str, Any]], ticks: Mapping[str, str]) -> list[dict[str, Any]]:
        """Each trade (book-format terms) valued on its currency's live market: ``{"id", "type",
        "currency", "book", "ok", "error", "pv", "dv01", "gamma", "kr01", "fx_to_usd", "seq",
        "market_time"}`` (money in the trade's currency)."""
        results: list[dict[str, Any]] = []
        with self.lock:
            for entry in terms:
                currency = str(entry["currency"])
                if currency not in ticks:
                    raise NoLiveMarket(
                        f"no {currency} tick has been computed yet; start the engine and replay"
                    )
                market = self._market(currency, ticks[currency])
                results.append(_price_one(market, entry))
        return results


def _fx_to_usd(tick: CurveTick, currency: str) -> float:
    try:
        return reporting_rate(currency, tick.fx)
    except MissingFxRate as exc:
        raise NoLiveMarket(f"the {tick.market} tick seq {tick.seq}: {exc}") from exc


def _price_one(market: _Market, entry: Mapping[str, Any]) -> dict[str, Any]:
    tick, engine = market.tick, market.engine
    result: dict[str, Any] = {
        "id": entry["id"],
        "type": entry["type"],
        "currency": entry["currency"],
        "book": entry.get("book"),
        "ok": False,
        "error": None,
        "pv": None,
        "dv01": None,
        "gamma": None,
        "kr01": {},
        "fx_to_usd": _fx_to_usd(tick, str(entry["currency"])),
        "seq": tick.seq,
        "market_time": tick.market_time.isoformat(),
    }
    try:
        spec, position = position_from_dict(entry)
    except PricingError as exc:
        result["error"] = str(exc)
        return result
    engine.add_instruments([spec])
    try:
        if spec.id in engine.failures:
            result["error"] = engine.failures[spec.id]
            return result
        # the engine holds only this trade's instrument (under the lock): one row, valued on the tick's
        # nodes; the trade is a position of its signed quantity in that instrument
        unit = measures_from_pv_matrix(engine.pv_matrix(nodes=market.nodes), engine.scenarios)[0]
        risk = unit.scaled(position.quantity)
        result.update(ok=True, pv=risk.pv, dv01=risk.dv01, gamma=risk.gamma, kr01=risk.kr01)
        return result
    finally:
        engine.remove_instruments([spec.id])


def _risk_record(summary: Mapping[str, str], kr01: Mapping[str, str]) -> dict[str, Any]:
    """A book's live totals (zero for a book the engine has no row of yet: no positions)."""
    if not summary:
        return {"pv": 0.0, "dv01": 0.0, "gamma": 0.0, "pnl_open": 0.0, "kr01": {}}
    record = BookSummaryRecord.from_hash(summary)
    return {
        "pv": record.pv,
        "dv01": record.dv01,
        "gamma": record.gamma,
        "pnl_open": record.pnl_open,
        "kr01": dict(sorted(Kr01LadderRecord.from_hash(kr01).kr01.items())),
    }


def _read_live(
    client: redis.Redis, books: Sequence[str]
) -> tuple[dict[str, str], dict[str, dict[str, Any]], bool]:
    """The live ticks and the books' totals, from one consistent moment: the totals' tick (its market and
    seq) must be the live tick of that market, else the monitor has not stored it yet and we read again
    (for at most 2 s; the last element says whether they agreed)."""
    deadline = time.monotonic() + _CONSISTENT_WITHIN_S
    while True:
        with client.pipeline(transaction=True) as pipe:
            pipe.hgetall(MARKET_LIVE)
            for book in books:
                pipe.hgetall(book_summary_key(book))
                pipe.hgetall(book_kr01_key(book))
            replies = cast(list[dict[str, str]], pipe.execute())
        ticks = replies[0]
        if not ticks:
            raise NoLiveMarket("no tick has been computed yet; start the engine (riskctl run) and the replay")
        summaries = {book: replies[1 + 2 * k] for k, book in enumerate(books)}
        kr01s = {book: replies[2 + 2 * k] for k, book in enumerate(books)}
        stamped = [s for s in summaries.values() if s.get("market") in ticks]
        consistent = all(
            CurveTick.from_json(ticks[s["market"]]).seq == int(s.get("seq", -1)) for s in stamped
        )
        if consistent or time.monotonic() > deadline:
            totals = {book: _risk_record(summaries[book], kr01s[book]) for book in books}
            return ticks, totals, consistent
        time.sleep(0.005)


def _plus(before: Mapping[str, Any], trades: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    after = {key: before[key] for key in ("pv", "dv01", "gamma", "pnl_open")}
    kr01 = dict(before["kr01"])
    for trade in trades:
        if not trade["ok"]:
            continue
        fx = trade["fx_to_usd"]
        for measure in ("pv", "dv01", "gamma"):
            after[measure] += trade[measure] * fx
        for key, value in trade["kr01"].items():
            kr01[key] = kr01.get(key, 0.0) + value * fx
    after["kr01"] = dict(sorted(kr01.items()))
    return after


def _as_risk(record: Mapping[str, Any]) -> BookRisk:
    return BookRisk(record["dv01"], record["gamma"], record["pnl_open"], record["kr01"])


def whatif(
    markets: LiveMarkets, terms: Sequence[Mapping[str, Any]], book: str, limits: Sequence[Limit]
) -> dict[str, Any]:
    """Price ``terms`` (book-format trades) on the live market and add them to ``book`` and ``ALL``.

    Returns ``{"book", "same_tick" (the book's totals were computed on the ticks priced on; false only if
    the limit monitor lags by more than 2 s), "markets": {market: {"seq", "as_of", "market_time"}},
    "trades": [per trade, in its currency], "trades_usd": {"pv", "dv01", "gamma", "kr01"},
    "books": {name: {"before", "after"}}
    (USD: pv, dv01, gamma, pnl_open, kr01 ladder), "limits": [per alert key: "book", "measure",
    "limit", "value_before", "value_after", "utilisation_before", "utilisation_after", "level_before",
    "level_after"], "breaches": [the limits at breach after that were not before]}``.
    Raises :class:`NoLiveMarket` when a trade's market has no computed tick."""
    names = [book] if book == ALL_BOOKS else [book, ALL_BOOKS]
    ticks, before, same_tick = _read_live(markets.client, names)
    trades = markets.price(terms, ticks)
    zero = {"pv": 0.0, "dv01": 0.0, "gamma": 0.0, "pnl_open": 0.0, "kr01": {}}
    books = {name: {"before": before[name], "after": _plus(before[name], trades)} for name in names}
    trades_usd = _plus(zero, trades)
    del trades_usd["pnl_open"]
    rows: list[dict[str, Any]] = []
    for name in names:
        now = {c.key: c for c in check_limits(name, _as_risk(books[name]["before"]), limits)}
        for check in check_limits(name, _as_risk(books[name]["after"]), limits):
            old = now.get(check.key)
            rows.append(
                {
                    "book": name,
                    "measure": check.key,
                    "limit": check.limit,
                    "value_before": old.value if old else 0.0,
                    "value_after": check.value,
                    "utilisation_before": old.utilisation if old else 0.0,
                    "utilisation_after": check.utilisation,
                    "level_before": old.level if old else "ok",
                    "level_after": check.level,
                }
            )
    parsed = {market: CurveTick.from_json(text) for market, text in ticks.items()}
    return {
        "book": book,
        "same_tick": same_tick,
        "markets": {
            market: {"seq": t.seq, "as_of": t.as_of.isoformat(), "market_time": t.market_time.isoformat()}
            for market, t in sorted(parsed.items())
        },
        "trades": trades,
        "trades_usd": trades_usd,
        "books": books,
        "limits": rows,
        "breaches": [r for r in rows if r["level_after"] == "breach" and r["level_before"] != "breach"],
    }
