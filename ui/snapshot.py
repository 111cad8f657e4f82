"""What the dashboard shows, read from Redis with the key grammar of :mod:`core.keys` (two round trips).

Redis hashes hold decimal strings; a field the engine has not written yet reads as ``None`` and is shown
as a dash, never as zero.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from core.keys import (
    BOOKS_SET,
    ENGINE_STATUS,
    MARKET_DERIVED,
    book_by_type_key,
    book_dv01_rank_key,
    book_history_key,
    book_kr01_key,
    book_summary_key,
    instrument_risk_key,
    market_curve_key,
    split_risk_factor_key,
)

__all__ = [
    "CURVE_SNAPSHOTS",
    "BookSummary",
    "Contributor",
    "CurveSnapshot",
    "EngineStatus",
    "HistoryPoint",
    "InstrumentRisk",
    "Snapshot",
    "parse_timestamp",
    "read_books",
    "read_headline",
    "read_instrument_risk",
    "read_snapshot",
    "to_float",
]

CURVE_SNAPSHOTS = ("now", "open", "prev_close")


def to_float(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def parse_timestamp(value: str | None) -> float | None:
    """Unix seconds from a decimal string (seconds) or an ISO 8601 date-time; None if neither."""
    number = to_float(value)
    if number is not None:
        return number
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


@dataclass(frozen=True)
class BookSummary:
    """``risk:{book}:summary``: the book's totals of the latest tick (money in USD)."""

    book: str
    fields: dict[str, str]

    def number(self, name: str) -> float | None:
        return to_float(self.fields.get(name))

    @property
    def seq(self) -> int | None:
        value = self.number("seq")
        return None if value is None else int(value)

    @property
    def market_time(self) -> str:
        return self.fields.get("market_time", "")

    @property
    def computed_at(self) -> float | None:
        return parse_timestamp(self.fields.get("computed_at"))

    @property
    def stale(self) -> bool:
        return self.fields.get("stale", "0") == "1"

    @property
    def pv_by_currency(self) -> dict[str, float]:
        amounts: dict[str, float] = {}
        for name, value in self.fields.items():
            amount = to_float(value)
            if name.startswith("pv_") and len(name) == 6 and amount is not None:
                amounts[name[3:]] = amount
        return amounts


@dataclass(frozen=True)
class EngineStatus:
    """``engine:status``: counters and latency percentiles of the real-time engine."""

    fields: dict[str, str]

    def number(self, name: str) -> float | None:
        return to_float(self.fields.get(name))

    @property
    def state(self) -> str:
        return self.fields.get("state", "")

    @property
    def rejected_curves(self) -> tuple[str, ...]:
        return _csv(self.fields.get("rejected_curves"))

    @property
    def curves(self) -> tuple[str, ...]:
        return _csv(self.fields.get("curves"))


@dataclass(frozen=True)
class Contributor:
    """One of the book's largest DV01 positions (``dv01_rank`` joined with ``risk:instr:{id}``)."""

    instrument_id: str
    abs_dv01_usd: float
    fields: dict[str, str]

    def number(self, name: str) -> float | None:
        return to_float(self.fields.get(name))


@dataclass(frozen=True)
class HistoryPoint:
    """One entry of ``risk:{book}:history``."""

    seq: int | None
    market_time: str
    fields: dict[str, str]

    def number(self, name: str) -> float | None:
        return to_float(self.fields.get(name))

    @property
    def partial(self) -> bool:
        """Whether this total was taken before every market had a value (positions still pending)."""
        return (self.number("n_pending") or 0) > 0


@dataclass(frozen=True)
class CurveSnapshot:
    """A curve's quotes (``instrument/tenor`` -> rate_pct) now, at the open and at the previous close."""

    name: str
    quotes: dict[str, dict[str, float]]
    derived: frozenset[str] = frozenset()
    rejected: bool = False


@dataclass(frozen=True)
class InstrumentRisk:
    """``risk:instr:{id}``: one instrument's latest risk in its own currency."""

    instrument_id: str
    fields: dict[str, str]

    def number(self, name: str) -> float | None:
        return to_float(self.fields.get(name))

    @property
    def ok(self) -> bool:
        return self.fields.get("ok", "1") == "1"

    @property
    def kr01(self) -> dict[str, float]:
        return _json_numbers(self.fields.get("kr01"))

    @property
    def cashflows(self) -> list[dict[str, Any]]:
        """Projected cashflows as published by the engine (a JSON list of objects), or []."""
        try:
            rows = json.loads(self.fields.get("cashflows") or "[]")
        except json.JSONDecodeError:
            return []
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _json_numbers(text: str | None) -> dict[str, float]:
    try:
        raw = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    values = {str(k): to_float(str(v)) for k, v in raw.items()}
    return {k: v for k, v in values.items() if v is not None}


def _numbers(fields: dict[str, str]) -> dict[str, float]:
    values = {k: to_float(v) for k, v in fields.items()}
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Snapshot:
    """Everything on the live tabs for one book, as of ``read_at`` (Unix seconds, wall clock)."""

    book: str
    read_at: float
    summary: BookSummary | None
    engine: EngineStatus
    books: tuple[str, ...] = ()
    dv01_by_book: dict[str, float] = field(default_factory=dict)
    by_type: dict[str, float] = field(default_factory=dict)
    kr01: dict[str, float] = field(default_factory=dict)
    contributors: tuple[Contributor, ...] = ()
    curves: tuple[CurveSnapshot, ...] = ()
    history: tuple[HistoryPoint, ...] = ()

    def by_type_measure(self, measure: str) -> dict[str, float]:
        """``{"bond": 12.0, "swap": -3.0}`` from the ``TYPE:MEASURE`` hash."""
        result: dict[str, float] = {}
        for key, value in self.by_type.items():
            kind, _, name = key.rpartition(":")
            if name == measure and kind:
                result[kind] = value
        return result


def read_books(client: redis.Redis) -> tuple[str, ...]:
    """Book names with ``ALL`` first, then alphabetical."""
    names: set[str] = set(client.smembers(BOOKS_SET))  # type: ignore[arg-type]
    return tuple(sorted(names, key=lambda name: (name != "ALL", name)))


def read_headline(client: redis.Redis, book: str) -> tuple[BookSummary | None, EngineStatus]:
    """The cheap read done on every refresh: the book's summary and the engine status."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(book_summary_key(book))
    pipe.hgetall(ENGINE_STATUS)
    summary, engine = pipe.execute()
    return (BookSummary(book, summary) if summary else None), EngineStatus(engine)


def _curve_names(engine: EngineStatus, kr01: dict[str, float], derived: set[str]) -> list[str]:
    if engine.curves:
        return list(engine.curves)
    names = {split_risk_factor_key(key)[0] for key in kr01 if "/" in key}
    names.update(item.partition("/")[0] for item in derived if "/" in item)
    return sorted(names)


def _history_point(fields: dict[str, str]) -> HistoryPoint:
    seq = to_float(fields.get("seq"))
    return HistoryPoint(None if seq is None else int(seq), fields.get("market_time", ""), fields)


def read_snapshot(client: redis.Redis, book: str, *, top: int = 10, history: int = 2000) -> Snapshot:
    """Everything the live tabs show for ``book``, in two pipelined round trips."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(book_summary_key(book))
    pipe.hgetall(ENGINE_STATUS)
    pipe.smembers(BOOKS_SET)
    pipe.hgetall(book_kr01_key(book))
    pipe.hgetall(book_by_type_key(book))
    pipe.zrevrange(book_dv01_rank_key(book), 0, top - 1, withscores=True)
    pipe.xrevrange(book_history_key(book), count=history)
    pipe.smembers(MARKET_DERIVED)
    summary, engine_fields, book_names, kr01, by_type, ranked, entries, derived = pipe.execute()
    engine = EngineStatus(engine_fields)
    books = tuple(sorted(book_names, key=lambda name: (name != "ALL", name)))
    kr01_values = _numbers(kr01)
    curve_names = _curve_names(engine, kr01_values, derived)

    pipe = client.pipeline(transaction=False)
    for name in books:
        pipe.hget(book_summary_key(name), "dv01")
    for instrument_id, _score in ranked:
        pipe.hgetall(instrument_risk_key(instrument_id))
    for curve in curve_names:
        for when in CURVE_SNAPSHOTS:
            pipe.hgetall(market_curve_key(curve, when))
    replies = iter(pipe.execute())

    dv01_by_book = {name: to_float(next(replies)) for name in books}
    contributors = tuple(
        Contributor(instrument_id, float(score), next(replies)) for instrument_id, score in ranked
    )
    curves = []
    for curve in curve_names:
        quotes = {when: _numbers(next(replies)) for when in CURVE_SNAPSHOTS}
        marked = frozenset(item.partition("/")[2] for item in derived if item.partition("/")[0] == curve)
        curves.append(CurveSnapshot(curve, quotes, marked, curve in engine.rejected_curves))
    return Snapshot(
        book=book,
        read_at=time.time(),
        summary=BookSummary(book, summary) if summary else None,
        engine=engine,
        books=books,
        dv01_by_book={name: value for name, value in dv01_by_book.items() if value is not None},
        by_type=_numbers(by_type),
        kr01=kr01_values,
        contributors=contributors,
        curves=tuple(curves),
        history=tuple(_history_point(fields) for _id, fields in reversed(entries)),
    )


def read_instrument_risk(client: redis.Redis, instrument_id: str) -> InstrumentRisk | None:
    fields = client.hgetall(instrument_risk_key(instrument_id))
    return InstrumentRisk(instrument_id, fields) if fields else None  # type: ignore[arg-type]
