"""Market snapshot parsing and validation (the JSON of docs/architecture.md section 5).

:func:`parse_market` turns the snapshot dict into a frozen :class:`MarketSnapshot` with rates as decimals,
or raises :class:`~pricing.errors.MarketDataError` naming the curve and the quote. Curve metadata
(currency, index, discount curve) defaults from :data:`~pricing.conventions.CURVES`; when given it must
agree. The ``derived`` list is passed through untouched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from pricing.conventions import CURVES, INDICES
from pricing.dates import parse_fra_tenor, parse_iso_date, parse_tenor
from pricing.errors import MarketDataError

__all__ = ["MAX_RATE_PCT", "MIN_RATE_PCT", "CurveQuotes", "MarketSnapshot", "Quote", "parse_market"]

#: Quotes outside this range (percent) are feed errors, not markets.
MIN_RATE_PCT = -10.0
MAX_RATE_PCT = 40.0


@dataclass(frozen=True)
class Quote:
    """One curve quote; ``rate`` is a decimal (``0.0425`` for 4.25%)."""

    instrument: str
    tenor: str
    rate: float


@dataclass(frozen=True)
class CurveQuotes:
    name: str
    currency: str
    index: str | None
    discount_curve: str | None
    quotes: tuple[Quote, ...]

    def pillar_key(self, quote: Quote) -> str:
        """The risk factor key ``CURVE/TENOR`` of one of this curve's quotes."""
        return f"{self.name}/{quote.tenor}"


@dataclass(frozen=True)
class MarketSnapshot:
    as_of: date
    curves: tuple[CurveQuotes, ...]
    fixings: Mapping[str, Mapping[date, float]] = field(default_factory=dict)  # decimals
    fx: Mapping[str, float] = field(default_factory=dict)
    derived: tuple[str, ...] = ()

    def curve(self, name: str) -> CurveQuotes:
        for curve in self.curves:
            if curve.name == name:
                return curve
        raise MarketDataError(f"curve {name} is not in the market snapshot of {self.as_of}")

    @property
    def curve_names(self) -> tuple[str, ...]:
        return tuple(curve.name for curve in self.curves)

    @property
    def quote_set(self) -> tuple[tuple[str, str, str], ...]:
        """(curve, instrument, tenor) of every quote: equal quote sets need only new quote values."""
        return tuple((c.name, q.instrument, q.tenor) for c in self.curves for q in c.quotes)

    @property
    def rates(self) -> dict[str, float]:
        """``CURVE/TENOR`` -> rate (decimal) for every quote."""
        return {c.pillar_key(q): q.rate for c in self.curves for q in c.quotes}


def _rate_pct(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MarketDataError(f"{where}: rate_pct {value!r} is not a number (percent, e.g. 4.25)")
    rate = float(value)
    if not math.isfinite(rate) or not MIN_RATE_PCT <= rate <= MAX_RATE_PCT:
        raise MarketDataError(
            f"{where}: rate_pct {value!r} is absurd (expected a finite percent in "
            f"[{MIN_RATE_PCT}, {MAX_RATE_PCT}]; rates are quoted in percent, 4.25 = 4.25%)"
        )
    return rate


def _check_tenor(curve: str, instrument: str, tenor: object, index: str | None) -> str:
    where = f"curve {curve} quote {instrument}/{tenor}"
    if not isinstance(tenor, str) or not tenor:
        raise MarketDataError(f"curve {curve} quote {instrument}: missing tenor")
    try:
        if instrument == "fra":
            parse_fra_tenor(tenor)
        else:
            parse_tenor(tenor)
    except ValueError as exc:
        raise MarketDataError(f"{where}: {exc}") from None
    if instrument == "deposit" and index is not None and tenor != INDICES[index].tenor:
        raise MarketDataError(
            f"{where}: a deposit on curve {curve} must have the tenor of its index {index} "
            f"({INDICES[index].tenor})"
        )
    return tenor


def _parse_curve(entry: object, position: int) -> CurveQuotes:
    if not isinstance(entry, Mapping):
        raise MarketDataError(f"curves[{position}]: expected an object with name and quotes")
    name = entry.get("name")
    if not isinstance(name, str) or name not in CURVES:
        raise MarketDataError(
            f"curves[{position}]: unknown curve {name!r} (known: {', '.join(sorted(CURVES))})"
        )
    convention = CURVES[name]
    for key, expected in (
        ("currency", convention.currency),
        ("index", convention.index),
        ("discount_curve", convention.discount_curve),
    ):
        if key in entry and entry[key] != expected:
            raise MarketDataError(
                f"curve {name}: {key} {entry[key]!r} disagrees with its convention {expected!r}"
            )
    raw_quotes = entry.get("quotes")
    if not isinstance(raw_quotes, list) or not raw_quotes:
        raise MarketDataError(f"curve {name}: no quotes (expected a non-empty list)")
    quotes: list[Quote] = []
    seen: set[str] = set()
    for raw in raw_quotes:
        if not isinstance(raw, Mapping):
            raise MarketDataError(f"curve {name}: quote {raw!r} is not an object")
        instrument = raw.get("instrument")
        if instrument not in convention.quote_instruments:
            raise MarketDataError(
                f"curve {name} quote {instrument}/{raw.get('tenor')}: unknown instrument {instrument!r} "
                f"for this "
                f"curve (allowed: {', '.join(sorted(convention.quote_instruments))})"
            )
        assert isinstance(instrument, str)
        tenor = _check_tenor(name, instrument, raw.get("tenor"), convention.index)
        if tenor in seen:
            raise MarketDataError(f"curve {name} quote {instrument}/{tenor}: duplicate tenor {tenor}")
        seen.add(tenor)
        rate_pct = _rate_pct(raw.get("rate_pct"), f"curve {name} quote {instrument}/{tenor}")
        quotes.append(Quote(instrument, tenor, rate_pct / 100.0))
    return CurveQuotes(name, convention.currency, convention.index, convention.discount_curve, tuple(quotes))


def _parse_fixings(raw: object) -> Mapping[str, Mapping[date, float]]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise MarketDataError("fixings: expected an object {INDEX: {YYYY-MM-DD: rate_pct}}")
    fixings: dict[str, Mapping[date, float]] = {}
    for index, series in raw.items():
        if index not in INDICES:
            raise MarketDataError(f"fixings: unknown index {index!r} (known: {', '.join(sorted(INDICES))})")
        if not isinstance(series, Mapping):
            raise MarketDataError(f"fixings {index}: expected an object {{YYYY-MM-DD: rate_pct}}")
        parsed: dict[date, float] = {}
        for day, value in series.items():
            try:
                fixing_date = parse_iso_date(day, f"fixings {index}")
            except ValueError as exc:
                raise MarketDataError(str(exc)) from None
            parsed[fixing_date] = _rate_pct(value, f"fixings {index} {day}") / 100.0
        fixings[index] = MappingProxyType(parsed)
    return MappingProxyType(fixings)


def _parse_fx(raw: object) -> Mapping[str, float]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise MarketDataError('fx: expected an object such as {"EURUSD": 1.089}')
    fx: dict[str, float] = {}
    for pair, spot in raw.items():
        if (
            not isinstance(pair, str)
            or len(pair) != 6
            or isinstance(spot, bool)
            or not isinstance(spot, int | float)
            or not math.isfinite(spot)
            or spot <= 0
        ):
            raise MarketDataError(
                f"fx {pair!r}: spot {spot!r} must be a positive number for a pair like EURUSD"
            )
        fx[pair] = float(spot)
    return MappingProxyType(fx)


def parse_market(market: Mapping[str, Any] | MarketSnapshot) -> MarketSnapshot:
    """Validate a market snapshot dict; raises ``MarketDataError`` naming the curve and the quote."""
    if isinstance(market, MarketSnapshot):
        return market
    if not isinstance(market, Mapping):
        raise MarketDataError("market snapshot: expected a JSON object with as_of, curves, fixings, fx")
    try:
        as_of = parse_iso_date(market.get("as_of"), "market snapshot as_of")
    except ValueError as exc:
        raise MarketDataError(str(exc)) from None
    raw_curves = market.get("curves")
    if not isinstance(raw_curves, list) or not raw_curves:
        raise MarketDataError("market snapshot: curves must be a non-empty list")
    curves = [_parse_curve(entry, position) for position, entry in enumerate(raw_curves)]
    names = [curve.name for curve in curves]
    for name in names:
        if names.count(name) > 1:
            raise MarketDataError(f"curve {name}: appears more than once in the snapshot")
    for curve in curves:
        if curve.discount_curve is not None and curve.discount_curve not in names:
            raise MarketDataError(
                f"curve {curve.name}: its discount curve {curve.discount_curve} is absent from the snapshot "
                f"(add the {curve.discount_curve} quotes or drop {curve.name})"
            )
    derived = market.get("derived") or []
    return MarketSnapshot(
        as_of=as_of,
        curves=tuple(curves),
        fixings=_parse_fixings(market.get("fixings")),
        fx=_parse_fx(market.get("fx")),
        derived=tuple(str(item) for item in derived) if isinstance(derived, list) else (),
    )
