"""The aggregator's single write per tick: the book-level keys of docs/architecture.md §6 in one Redis
transaction (per-position rows are written by the shards, :class:`PositionRowWriter`).

The transaction is guarded by the tick's market position (:mod:`actors.ordering`, hash ``engine:order``):
under ``WATCH`` of it, a tick whose position is not after the stored one of its market is dropped (a
redelivered or stale tick never overwrites newer results; ``seq`` is not trusted for this).
The engine's day state (:mod:`actors.day_state`, hash ``engine:day``) is written in the same transaction,
so results and the state they were computed from never disagree. A Redis outage is retried with
exponential backoff; the caller commits Kafka offsets only after :meth:`RedisRiskWriter.write` returned,
so nothing is acknowledged that is not in Redis. With Redis's append-only file (``appendfsync everysec``)
a Redis crash loses at most the last second of transactions, each one whole.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import redis

from actors.day_state import DayState, DayStep, load_day_state
from actors.kafka_io import EngineTopics
from actors.ordering import Position, TickOrder
from actors.partials import BookSums, InstrumentRisk
from actors.pnl import PnlExplain
from actors.waiting import WaitLog
from core.keys import (
    ALL_BOOKS,
    BOOKS_SET,
    ENGINE_DAY,
    ENGINE_FEED,
    ENGINE_ORDER,
    ENGINE_ROWS,
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
)
from core.logging import get_logger
from core.messages import CurveTick
from core.records import (
    BookSummaryRecord,
    ByTypeRecord,
    CurveQuotesRecord,
    HistoryPointRecord,
    Kr01LadderRecord,
    RecordError,
)
from core.status_record import EngineStatusRecord

__all__ = [
    "PositionRowWriter",
    "RedisRiskWriter",
    "RedisUnavailable",
    "TickUpdate",
    "begin_feed",
    "queue_position_rows",
    "stored_context",
    "stored_order",
]

T = TypeVar("T")
_log = get_logger(__name__)
#: A batch of per-position rows is tried this often (about 6 s with the back-off) before it is dropped.
ROW_ATTEMPTS = 8


class RedisUnavailable(RuntimeError):
    """Redis did not come back within the retry budget; the tick stays uncommitted."""


@dataclass(frozen=True)
class TickUpdate:
    seq: int
    market: str
    as_of: str
    market_time: str
    latency_ms: float
    books: Mapping[str, BookSums]
    pnl: Mapping[str, PnlExplain]
    changed: Sequence[InstrumentRisk]
    removed: Sequence[tuple[str, str]]
    curves_now: Mapping[str, Mapping[str, float]]
    curves_open: Mapping[str, Mapping[str, float]] | None = None
    curves_prev_close: Mapping[str, Mapping[str, float]] | None = None
    derived: Sequence[str] = ()
    stale_reason: str = ""
    status: EngineStatusRecord = field(default_factory=EngineStatusRecord)
    position: Position | None = None  # None: unguarded (a caller that orders ticks itself)
    day: DayStep | None = None  # the engine's day state after this tick, written with it


def stored_order(client: redis.Redis) -> TickOrder:
    """The markets' positions as the last written ticks left them (empty on a fresh engine)."""
    raw: dict[str, str] = client.hgetall(ENGINE_ORDER)  # type: ignore[assignment]
    return TickOrder({market: Position.from_json(text) for market, text in raw.items()})


def stored_context(client: redis.Redis, order: TickOrder) -> dict[str, CurveTick]:
    """Each market's latest written tick of ``order``'s current session (what a shard rebuilt by a new
    engine catches up on, so that the first tick after a restart values the whole book)."""
    ticks = load_day_state(client).last_ticks
    return {
        market: tick
        for market, tick in ticks.items()
        if (where := order.positions.get(market)) is not None and where.session == order.session
    }


def begin_feed(client: redis.Redis, topics: EngineTopics) -> bool:
    """A starting engine: True (and nothing changed) when it resumes the feed (curves topic and consumer
    group) that the stored tick order and day state follow, so a restart carries on with the same open,
    the same order and no tick computed twice. Otherwise the order and the day state are dropped (a new
    feed starts a new tick-order session and a new day: its Kafka offsets and days say nothing about the
    old feed's) and the new feed is recorded; returns False."""
    feed = {"topic": topics.curves, "group": topics.group}
    if client.hgetall(ENGINE_FEED) == feed:
        return True
    with client.pipeline(transaction=True) as pipe:
        pipe.delete(ENGINE_ORDER, ENGINE_DAY, ENGINE_FEED)
        pipe.hset(ENGINE_FEED, mapping=feed)  # type: ignore[arg-type]
        pipe.execute()
    return False


class RedisRiskWriter:
    def __init__(
        self,
        redis_url: str,
        history_maxlen: int = 5000,
        max_wait_s: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        self._history_maxlen = history_maxlen
        self._max_wait_s = max_wait_s
        self._sleep = sleep
        self.retries = 0

    @property
    def client(self) -> redis.Redis:
        return self._client

    def write(self, update: TickUpdate) -> bool:
        """Write the tick; False if its market already stands at or after the tick's position (a
        redelivery). Retries outages; raises :class:`RedisUnavailable` after ``max_wait_s``."""
        return self._retrying(lambda: self._write_once(update), f"writing seq {update.seq}")

    def read_day(self) -> DayState:
        """The stored day state (:func:`actors.day_state.load_day_state`), waiting out an outage."""
        return self._retrying(lambda: load_day_state(self._client), "reading the day state")

    def write_stale(self, reason: str, status: EngineStatusRecord, day: DayStep | None = None) -> None:
        """A rejected tick: every book that has a summary flagged stale with ``reason`` (a book with no
        risk yet gets none: the status's ``stale_markets`` says it), the status and the day state after
        the rejection, in one transaction. Retries outages."""
        self._retrying(lambda: self._write_stale_once(reason, status, day), "flagging the books stale")

    def _retrying(self, attempt: Callable[[], T], what: str) -> T:
        """``attempt()`` until Redis answers; the wait is logged (:class:`actors.waiting.WaitLog`: at once,
        then every :data:`actors.waiting.WAIT_LOG_S` s, and when Redis is back)."""
        delay = 0.05
        deadline = time.monotonic() + self._max_wait_s
        wait = WaitLog(f"Redis, {what}")
        while True:
            try:
                result = attempt()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if time.monotonic() + delay > deadline:
                    raise RedisUnavailable(
                        f"Redis unreachable for {self._max_wait_s:.0f} s {what}: {exc}"
                    ) from exc
                wait.still(f"{type(exc).__name__}: {exc}")
                self.retries += 1
                self._sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                wait.over()
                return result

    def write_status(self, status: EngineStatusRecord) -> None:
        """Engine status outside a tick (start-up, rejected tick, conflation counters)."""
        if fields := status.to_hash():
            self._client.hset(ENGINE_STATUS, mapping=fields)  # type: ignore[arg-type]

    def _write_once(self, update: TickUpdate) -> bool:
        with self._client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(ENGINE_ORDER, ENGINE_DAY)  # type: ignore[no-untyped-call]
                    if update.position is not None:
                        stored = pipe.hget(ENGINE_ORDER, update.market)
                        if stored is not None and update.position <= Position.from_json(str(stored)):
                            pipe.unwatch()
                            return False
                    whole = update.day is not None and self._day_diverged(pipe, update.day)
                    pipe.multi()
                    self._queue(pipe, update)
                    if update.day is not None:
                        _queue_day(pipe, update.day, whole)
                    if update.position is not None:
                        pipe.hset(ENGINE_ORDER, update.market, update.position.to_json())
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def _write_stale_once(self, reason: str, status: EngineStatusRecord, day: DayStep | None) -> None:
        with self._client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(ENGINE_DAY, BOOKS_SET)  # type: ignore[no-untyped-call]
                    books = sorted(str(book) for book in pipe.smembers(BOOKS_SET))
                    if books:  # read-modify-write of each summary: a concurrent write restarts it
                        pipe.watch(*(book_summary_key(book) for book in books))  # type: ignore[no-untyped-call]
                    whole = day is not None and self._day_diverged(pipe, day)
                    flagged = {book: _flag_stale(pipe, book, reason) for book in books}
                    pipe.multi()
                    for book, summary in flagged.items():
                        if summary is not None:
                            pipe.hset(book_summary_key(book), mapping=summary)  # type: ignore[arg-type]
                    if fields := status.to_hash():
                        pipe.hset(ENGINE_STATUS, mapping=fields)  # type: ignore[arg-type]
                    if day is not None:
                        _queue_day(pipe, day, whole)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    @staticmethod
    def _day_diverged(pipe: redis.client.Pipeline, day: DayStep) -> bool:
        """True when the stored day state is not the one ``day`` follows (Redis lost its last writes, was
        emptied, or another writer moved it): then the whole state is written, not only the changes."""
        stored = pipe.hget(ENGINE_DAY, "rev")
        stored_rev = int(str(stored)) if stored is not None else 0
        return stored_rev != day.state.rev - 1

    def _queue(self, pipe: redis.client.Pipeline, u: TickUpdate) -> None:
        computed_at = round(time.time(), 3)
        for book, sums in u.books.items():
            pnl = u.pnl.get(book, PnlExplain(0.0, 0.0, 0.0))
            summary = BookSummaryRecord(
                pv=sums.pv, dv01=sums.dv01, gamma=sums.gamma, pnl_open=pnl.actual,
                pnl_predicted=pnl.predicted, pnl_residual=pnl.residual, n_ok=sums.n_ok,
                n_failed=sums.n_failed, n_pending=sums.n_pending, seq=u.seq, market=u.market,
                market_time=u.market_time, as_of=u.as_of, computed_at=computed_at, latency_ms=u.latency_ms,
                stale=bool(u.stale_reason), stale_reason=u.stale_reason,
                pv_by_currency=dict(sums.pv_by_currency),
            ).to_hash()  # fmt: skip
            pipe.hset(book_summary_key(book), mapping=summary)  # type: ignore[arg-type]
            pipe.delete(book_kr01_key(book), book_by_type_key(book))
            if sums.kr01:
                pipe.hset(book_kr01_key(book), mapping=Kr01LadderRecord(sums.kr01).to_hash())  # type: ignore[arg-type]
            if sums.by_type:
                pipe.hset(book_by_type_key(book), mapping=ByTypeRecord(sums.by_type).to_hash())  # type: ignore[arg-type]
            point = HistoryPointRecord(
                seq=u.seq, market_time=u.market_time, pv=sums.pv, dv01=sums.dv01, gamma=sums.gamma,
                pnl_open=pnl.actual, pnl_predicted=pnl.predicted, pnl_residual=pnl.residual,
                n_pending=sums.n_pending,
            )  # fmt: skip
            pipe.xadd(
                book_history_key(book),
                point.to_hash(),  # type: ignore[arg-type]
                maxlen=self._history_maxlen,
                approximate=True,
            )
        pipe.sadd(BOOKS_SET, *u.books)
        queue_position_rows(pipe, u.changed, u.removed)
        for when, curves in (
            ("now", u.curves_now),
            ("open", u.curves_open),
            ("prev_close", u.curves_prev_close),
        ):
            for curve, quotes in (curves or {}).items():
                key = market_curve_key(curve, when)
                pipe.delete(key)
                if quotes:
                    pipe.hset(key, mapping=CurveQuotesRecord(quotes).to_hash())  # type: ignore[arg-type]
        if u.derived:
            pipe.sadd(MARKET_DERIVED, *u.derived)
        if fields := u.status.to_hash():
            pipe.hset(ENGINE_STATUS, mapping=fields)  # type: ignore[arg-type]
        pipe.publish(
            RISK_UPDATES_CHANNEL, json.dumps({"seq": u.seq, "market": u.market, "market_time": u.market_time})
        )


def _flag_stale(pipe: redis.client.Pipeline, book: str, reason: str) -> dict[str, str] | None:
    """The book's summary flagged stale with ``reason`` (read under WATCH), or None when the book has no
    summary or an unreadable one (its readers already show it as unreadable; the next tick rewrites it)."""
    raw: dict[str, str] = pipe.hgetall(book_summary_key(book))  # type: ignore[assignment]
    if not raw:
        return None
    try:
        summary = BookSummaryRecord.from_hash(raw)
    except RecordError:
        return None
    return replace(summary, stale=True, stale_reason=reason).to_hash()


def _queue_day(pipe: redis.client.Pipeline, day: DayStep, whole: bool) -> None:
    if whole:
        pipe.delete(ENGINE_DAY)
        pipe.hset(ENGINE_DAY, mapping=day.state.to_hash())  # type: ignore[arg-type]
        return
    if day.removed:
        pipe.hdel(ENGINE_DAY, *day.removed)
    pipe.hset(ENGINE_DAY, mapping=day.state.to_hash(day.changed))  # type: ignore[arg-type]


def queue_position_rows(
    pipe: redis.client.Pipeline, changed: Sequence[InstrumentRisk], removed: Sequence[tuple[str, str]]
) -> None:
    """Per-position rows (``risk:instr:{id}``) and the DV01 ranking of the changed and removed positions."""
    for risk in changed:
        record = risk.record
        pipe.hset(instrument_risk_key(record.id), mapping=record.to_hash())  # type: ignore[arg-type]
        for book in (record.book, ALL_BOOKS):
            pipe.zadd(book_dv01_rank_key(book), {record.id: abs(risk.dv01_usd)})
    for instrument_id, book in removed:
        pipe.delete(instrument_risk_key(instrument_id))
        pipe.zrem(book_dv01_rank_key(book), instrument_id)
        pipe.zrem(book_dv01_rank_key(ALL_BOOKS), instrument_id)


class PositionRowWriter:
    """A shard's per-position rows, written off the tick's critical path by one background thread.

    The aggregator's transaction (book totals, ladders, history, the ``risk.updates`` announcement) does
    not wait for them: rows are queued here after the shard returned its partial and written in tick
    order; ``engine:rows`` field ``shard-{k}`` then holds the highest seq whose rows are in Redis. A Redis
    outage is retried with backoff for :data:`ROW_ATTEMPTS` attempts; a batch that still fails (or fails
    otherwise) is dropped with a warning naming it, and the thread goes on with the next one (rows are
    refreshed round-robin, so a lost batch heals by itself).
    """

    def __init__(self, redis_url: str, shard: int) -> None:
        self._client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        self._field = f"shard-{shard}"
        self._highest = -1
        self._queue: queue.Queue[tuple[int, Sequence[InstrumentRisk], Sequence[tuple[str, str]]] | None] = (
            queue.Queue()
        )
        self._thread = threading.Thread(target=self._run, name=f"rows-{shard}", daemon=True)
        self._thread.start()

    def submit(self, seq: int, changed: Sequence[InstrumentRisk], removed: Sequence[tuple[str, str]]) -> None:
        self._queue.put((seq, changed, removed))

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until every submitted row is written; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                seq, changed, removed = item
                self._highest = max(self._highest, seq)
                delay = 0.05
                for attempt in range(ROW_ATTEMPTS):
                    try:
                        with self._client.pipeline(transaction=False) as pipe:
                            queue_position_rows(pipe, changed, removed)
                            pipe.hset(ENGINE_ROWS, self._field, str(self._highest))
                            pipe.execute()
                        break
                    except Exception as exc:  # the thread must outlive any batch: later rows still go
                        retried = isinstance(exc, redis.ConnectionError | redis.TimeoutError)
                        if not retried or attempt == ROW_ATTEMPTS - 1:
                            _log.warning(
                                "position rows not written; the next refreshes of these rows replace them",
                                shard=self._field, seq=seq, rows=len(changed),
                                error=f"{type(exc).__name__}: {exc}",
                            )  # fmt: skip
                            break
                        time.sleep(delay)
                        delay = min(delay * 2, 2.0)
            finally:
                self._queue.task_done()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
