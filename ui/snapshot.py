"""What the dashboard shows, read from Redis through the typed records of :mod:`core.records` and
:mod:`core.status_record` (the key grammar of :mod:`core.keys`; two round trips).

A record the engine has not written yet is ``None`` (shown as a dash, never as zero). A hash that does not
hold its record (:class:`core.records.RecordError`) is left out and its error kept in the snapshot's
``errors``: the dashboard shows it as a reason not to trust the view, it never crashes on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

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
from core.records import (
    BookSummaryRecord,
    ByTypeRecord,
    CurveQuotesRecord,
    HistoryPointRecord,
    InstrumentRiskRecord,
    Kr01LadderRecord,
    RecordError,
)
from core.status_record import EngineStatusRecord

__all__ = [
    "CURVE_SNAPSHOTS",
    "Contributor",
    "CurveSnapshot",
    "Headline",
    "Snapshot",
    "parse_timestamp",
    "read_books",
    "read_headline",
    "read_instrument_risk",
    "read_snapshot",
]

CURVE_SNAPSHOTS = ("now", "open", "prev_close")
R = TypeVar("R")


def parse_timestamp(value: str | None) -> float | None:
    """Unix seconds from a decimal string (seconds) or an ISO 8601 date-time; None if neither."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class Contributor:
    """One of the book's largest DV01 positions (``dv01_rank`` joined with its ``risk:instr:{id}``;
    ``risk`` is None when that row is gone or unreadable)."""

    instrument_id: str
    abs_dv01_usd: float
    risk: InstrumentRiskRecord | None


@dataclass(frozen=True)
class CurveSnapshot:
    """A curve's quotes (``instrument/tenor`` -> rate_pct) now, at the open and at the previous close."""

    name: str
    quotes: dict[str, dict[str, float]]
    derived: frozenset[str] = frozenset()
    rejected: bool = False


@dataclass(frozen=True)
class Headline:
    """The cheap read of every refresh: the book's summary (None before its first tick), the engine
    status, and the records that could not be read (one message each)."""

    summary: BookSummaryRecord | None
    engine: EngineStatusRecord
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """Everything on the live tabs for one book, as of ``read_at`` (Unix seconds, wall clock)."""

    book: str
    read_at: float
    summary: BookSummaryRecord | None
    engine: EngineStatusRecord
    books: tuple[str, ...] = ()
    dv01_by_book: dict[str, float] = field(default_factory=dict)
    by_type: ByTypeRecord = field(default_factory=lambda: ByTypeRecord({}))
    kr01: dict[str, float] = field(default_factory=dict)
    contributors: tuple[Contributor, ...] = ()
    curves: tuple[CurveSnapshot, ...] = ()
    history: tuple[HistoryPointRecord, ...] = ()
    errors: tuple[str, ...] = ()

    def by_type_measure(self, measure: str) -> dict[str, float]:
        """``{"bond": 12.0, "swap": -3.0}`` from the ``TYPE:MEASURE`` hash."""
        return self.by_type.measure(measure)


class _Records:
    """Parses hashes into records, keeping the error of each one that does not hold its record."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def parse(self, key: str, parse: Callable[[Mapping[str, str]], R], raw: Mapping[str, str]) -> R | None:
        if not raw:
            return None
        try:
            return parse(raw)
        except RecordError as error:
            self.errors.append(f"{key}: {error.problem}")
            return None

    def engine(self, raw: Mapping[str, str]) -> EngineStatusRecord:
        return self.parse(ENGINE_STATUS, EngineStatusRecord.from_hash, raw) or EngineStatusRecord()


def _sorted_books(names: set[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda name: (name != "ALL", name)))


def read_books(client: redis.Redis) -> tuple[str, ...]:
    """Book names with ``ALL`` first, then alphabetical."""
    return _sorted_books(set(client.smembers(BOOKS_SET)))  # type: ignore[arg-type]


def read_headline(client: redis.Redis, book: str) -> Headline:
    """The book's summary and the engine status (one round trip)."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(book_summary_key(book))
    pipe.hgetall(ENGINE_STATUS)
    summary, engine = pipe.execute()
    records = _Records()
    parsed = records.parse(book_summary_key(book), BookSummaryRecord.from_hash, summary)
    return Headline(parsed, records.engine(engine), tuple(records.errors))


def _curve_names(engine: EngineStatusRecord, kr01: Mapping[str, float], derived: set[str]) -> list[str]:
    if engine.curves:
        return list(engine.curves)
    names = {split_risk_factor_key(key)[0] for key in kr01}
    names.update(item.partition("/")[0] for item in derived if "/" in item)
    return sorted(names)


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
    summary_raw, engine_raw, book_names, kr01_raw, by_type_raw, ranked, entries, derived = pipe.execute()
    records = _Records()
    summary = records.parse(book_summary_key(book), BookSummaryRecord.from_hash, summary_raw)
    engine = records.engine(engine_raw)
    books = _sorted_books(book_names)
    ladder = records.parse(book_kr01_key(book), Kr01LadderRecord.from_hash, kr01_raw)
    kr01 = dict(ladder.kr01) if ladder is not None else {}
    by_type = records.parse(book_by_type_key(book), ByTypeRecord.from_hash, by_type_raw) or ByTypeRecord({})
    curve_names = _curve_names(engine, kr01, derived)

    pipe = client.pipeline(transaction=False)
    for name in books:
        pipe.hgetall(book_summary_key(name))
    for instrument_id, _score in ranked:
        pipe.hgetall(instrument_risk_key(instrument_id))
    for curve in curve_names:
        for when in CURVE_SNAPSHOTS:
            pipe.hgetall(market_curve_key(curve, when))
    replies = iter(pipe.execute())

    dv01_by_book = {}
    for name in books:
        raw = next(replies)
        book_summary = (
            summary
            if name == book
            else records.parse(book_summary_key(name), BookSummaryRecord.from_hash, raw)
        )
        if book_summary is not None:
            dv01_by_book[name] = book_summary.dv01
    contributors = tuple(
        Contributor(
            instrument_id,
            float(score),
            records.parse(instrument_risk_key(instrument_id), InstrumentRiskRecord.from_hash, next(replies)),
        )
        for instrument_id, score in ranked
    )
    curves = []
    for curve in curve_names:
        quotes = {}
        for when in CURVE_SNAPSHOTS:
            record = records.parse(market_curve_key(curve, when), CurveQuotesRecord.from_hash, next(replies))
            quotes[when] = dict(record.quotes) if record is not None else {}
        marked = frozenset(item.partition("/")[2] for item in derived if item.partition("/")[0] == curve)
        curves.append(CurveSnapshot(curve, quotes, marked, curve in (engine.rejected_curves or ())))
    entry_records = _Records()  # one message for the stream, however many entries are unreadable
    points = [
        entry_records.parse(
            f"{book_history_key(book)} entry {entry_id}", HistoryPointRecord.from_hash, fields
        )
        for entry_id, fields in reversed(entries)
    ]
    if entry_records.errors:
        more = len(entry_records.errors) - 1
        records.errors.append(entry_records.errors[0] + (f" (and {more} more entries)" if more else ""))
    return Snapshot(
        book=book,
        read_at=time.time(),
        summary=summary,
        engine=engine,
        books=books,
        dv01_by_book=dv01_by_book,
        by_type=by_type,
        kr01=kr01,
        contributors=contributors,
        curves=tuple(curves),
        history=tuple(point for point in points if point is not None),
        errors=tuple(records.errors),
    )


def read_instrument_risk(client: redis.Redis, instrument_id: str) -> InstrumentRiskRecord | None:
    """The instrument's latest risk, None before its first tick; raises
    :class:`core.records.RecordError` (naming the field) when the hash does not hold the record."""
    raw: dict[str, str] = client.hgetall(instrument_risk_key(instrument_id))  # type: ignore[assignment]
    return InstrumentRiskRecord.from_hash(raw) if raw else None
