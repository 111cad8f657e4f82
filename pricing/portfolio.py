"""``price_portfolio``: book and market snapshot dicts in, the output JSON dict out (docs/architecture.md §5).

Used by ``riskctl price`` and ``POST /api/v1/price``. A malformed market snapshot (or one where no curve
can be built) raises ``MarketDataError``; one without the FX rate to USD of a currency the book values
raises its subclass ``MissingFxRate`` before valuing (:mod:`pricing.fx`; a currency whose positions all
fail needs none). A curve that cannot be bootstrapped fails only the positions that depend on it; a bad
instrument becomes a result with ``ok=false`` and its reason, the rest of the book is priced.

Each entry of the book is a position (:mod:`pricing.positions`): every instrument is valued once, however
many entries hold it, and an entry's risk is its instrument's times its ``quantity`` (bond analytics, per
100 of face, are the instrument's).

Output::

    {"as_of", "engine", "interpolation", "n_scenarios", "pillars": ["CURVE/TENOR", ...],
     "instruments": [{"id", "type", "currency", "book", "ok", "error", "pv", "dv01", "gamma",
                      "kr01": {"CURVE/TENOR": x},
                      bonds also: "clean_price", "accrued", "dirty_price", "ytm_pct",
                                  "modified_duration", "macaulay_duration", "convexity"}],
     "totals": {"currency": "USD", "pv", "dv01", "gamma", "kr01",       # in USD via the snapshot's fx
                "by_currency": {"EUR": {"pv", "dv01", "gamma", "kr01"}, "USD": {...}},
                "n_ok", "n_failed"},
     "curve_failures": {"CURVE": "why it could not be built"},   # its positions fail, the rest is priced
     "timing_ms"}
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from pricing.conventions import REPORTING_CURRENCY
from pricing.engine import PortfolioEngine
from pricing.errors import SpecError
from pricing.fx import reporting_rate
from pricing.market import MarketSnapshot, parse_market
from pricing.measures import InstrumentMeasures, measures_from_pv_matrix
from pricing.positions import resolve_book

__all__ = ["book_entries", "price_portfolio", "totals"]


def book_entries(book: Mapping[str, Any] | list[Any]) -> list[Any]:
    """The instrument entries of a book: ``{"instruments": [...]}`` or a bare list."""
    entries = book.get("instruments") if isinstance(book, Mapping) else book
    if not isinstance(entries, list):
        raise SpecError('book: expected {"instruments": [...]} or a list of instruments')
    return entries


def _empty_risk() -> dict[str, Any]:
    return {"pv": 0.0, "dv01": 0.0, "gamma": 0.0, "kr01": {}}


def _accumulate(target: dict[str, Any], measures: InstrumentMeasures, factor: float) -> None:
    target["pv"] += measures.pv * factor
    target["dv01"] += measures.dv01 * factor
    target["gamma"] += measures.gamma * factor
    for key, value in measures.kr01.items():
        target["kr01"][key] = target["kr01"].get(key, 0.0) + value * factor


def totals(
    priced: list[tuple[str, InstrumentMeasures]], snapshot: MarketSnapshot, n_failed: int
) -> dict[str, Any]:
    """Totals per currency and in USD (``fx`` pairs like ``EURUSD`` = USD per 1 EUR); raises
    :class:`~pricing.errors.MissingFxRate` when a currency has no rate to USD."""
    by_currency: dict[str, dict[str, Any]] = {}
    for currency, measures in priced:
        _accumulate(by_currency.setdefault(currency, _empty_risk()), measures, 1.0)
    reporting = _empty_risk()
    for currency, measures in priced:
        _accumulate(reporting, measures, reporting_rate(currency, snapshot.fx))
    return {
        "currency": REPORTING_CURRENCY,
        **reporting,
        "by_currency": by_currency,
        "n_ok": len(priced),
        "n_failed": n_failed,
    }


def price_portfolio(
    book: Mapping[str, Any] | list[Any],
    market: Mapping[str, Any],
    engine: str = "fast",
    interpolation: str = "linear_zero",
    *,
    pillar_gamma: bool = False,
) -> dict[str, Any]:
    """Value ``book`` on ``market`` with every risk measure; see the module docstring for the output.

    ``pillar_gamma=True`` adds ``kr_gamma`` (``PV(+1bp) + PV(-1bp) - 2 PV`` per pillar, non-zero entries)
    to each priced instrument, as ORE's per-factor gamma.
    """
    started = time.perf_counter()
    snapshot = parse_market(market)
    entries = book_entries(book)
    resolved = resolve_book(entries)
    errors = resolved.errors
    portfolio = PortfolioEngine(
        resolved.instruments.values(), snapshot, engine=engine, interpolation=interpolation
    )
    valued = {
        spec.currency for ident, spec in resolved.instruments.items() if ident not in portfolio.failures
    }
    for currency in sorted(valued):
        reporting_rate(currency, snapshot.fx)  # refused before valuing: no total without its FX rate
    pv_matrix = portfolio.pv_matrix()
    measures = dict(zip(portfolio.ids, measures_from_pv_matrix(pv_matrix, portfolio.scenarios), strict=True))
    rows = {ident: row for row, ident in enumerate(portfolio.ids)}
    gammas = pv_matrix[:, 3::2] + pv_matrix[:, 4::2] - 2.0 * pv_matrix[:, :1]
    analytics = portfolio.bond_analytics()
    results: list[dict[str, Any]] = []
    priced: list[tuple[str, InstrumentMeasures]] = []
    for position, entry in enumerate(entries):
        raw = entry if isinstance(entry, Mapping) else {}
        ident = raw.get("id")
        result: dict[str, Any] = {
            "id": ident,
            "type": raw.get("type"),
            "currency": raw.get("currency"),
            "book": raw.get("book"),
            "ok": False,
            "error": errors.get(position),
            "pv": None,
            "dv01": None,
            "gamma": None,
            "kr01": {},
        }
        held = resolved.positions.get(position)
        if held is not None:
            instrument = held.instrument_id
            if instrument in portfolio.failures:
                result["error"] = portfolio.failures[instrument]
            else:
                risk = measures[instrument].scaled(held.quantity)
                result.update(ok=True, pv=risk.pv, dv01=risk.dv01, gamma=risk.gamma, kr01=risk.kr01)
                if pillar_gamma:
                    pillars = zip(portfolio.scenarios.pillars, gammas[rows[instrument]], strict=True)
                    result["kr_gamma"] = {
                        key: float(value) * held.quantity for key, value in pillars if key in risk.kr01
                    }
                if instrument in analytics:
                    result.update(asdict(analytics[instrument]))
                priced.append((resolved.instruments[instrument].currency, risk))
        results.append(result)
    return {
        "as_of": snapshot.as_of.isoformat(),
        "engine": engine,
        "interpolation": interpolation,
        "n_scenarios": len(portfolio.scenarios),
        "pillars": list(portfolio.scenarios.pillars),
        "instruments": results,
        "totals": totals(priced, snapshot, len(results) - len(priced)),
        "curve_failures": dict(portfolio.curves.failures),
        "timing_ms": round((time.perf_counter() - started) * 1000.0, 3),
    }
