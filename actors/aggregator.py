"""``Aggregator``: reduces the shards' partials of a tick and writes them to Redis in one transaction.

It keeps what the tick alone does not carry: each book's state at the open (for P&L explain), each
market's quotes now / at the open / at the previous close, and the latency window. Losing it (a restart)
only resets the P&L open and the percentiles; risk itself is recomputed from the next tick.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import ray

from actors.latency import LatencyWindow, TickTimings
from actors.limit_monitor import TickResults
from actors.ordering import Position
from actors.partials import NewestPartials, ShardPartial, reduce_partials
from actors.pnl import BookOpen, PnlExplain, explain, pillar_quotes
from actors.redis_sink import RedisRiskWriter, TickUpdate
from core.config import Settings
from core.keys import ALL_BOOKS, ENGINE_STATUS, book_summary_key
from core.messages import CurveTick

__all__ = ["Aggregator", "AggregatorCore", "WriteResult"]

WriteResult = dict[str, float | int | bool | str]


#: A producer clock this far from ours (or no clock, 0) says nothing about latency: time from consumption.
_CLOCK_SANITY_NS = 3_600 * 10**9


def _produced_ns(tick: CurveTick, consumed_ns: int) -> int:
    if 0 < tick.produced_at_ns <= consumed_ns and consumed_ns - tick.produced_at_ns < _CLOCK_SANITY_NS:
        return tick.produced_at_ns
    return consumed_ns


class AggregatorCore:
    """The aggregator's logic; tests drive it directly, the engine runs it as the :data:`Aggregator` actor."""

    def __init__(self, settings: Settings, history_maxlen: int = 5000, monitor: str | None = None) -> None:
        self.writer = RedisRiskWriter(settings.redis_url, history_maxlen=history_maxlen)
        #: the limit monitor's actor name: each written tick is handed to it after the write (issue 17)
        self.monitor_name = monitor
        self._monitor: Any = None
        self.latency = LatencyWindow()
        self.newest = NewestPartials()  # several consumers deliver partials out of the shards' order
        self.opens: dict[str, BookOpen] = {}
        self.curves_now: dict[str, dict[str, float]] = {}
        self.market_day: dict[str, str] = {}  # market -> session:as_of of its last tick
        self.rejected: dict[str, str] = {}  # market -> why its latest tick was rejected

    def _latency_fields(self) -> dict[str, float]:
        stats = self.latency.percentiles()
        for q in (50, 95, 99):  # the headline figure: produced -> in Redis
            if f"total_p{q}_ms" in stats:
                stats[f"latency_p{q}_ms"] = stats[f"total_p{q}_ms"]
        return stats

    def _rejected_curves(self) -> str:
        return ",".join(
            sorted(c for c in self.curves_now if any(c.startswith(f"{m}-") for m in self.rejected))
        )

    def _roll_market(
        self, tick: CurveTick, session: int
    ) -> tuple[dict[str, dict[str, float]] | None, dict[str, dict[str, float]] | None]:
        """On a market's first tick of a new day or session: (curves at open, previous close) to store,
        else Nones."""
        day = f"{session}:{tick.as_of.isoformat()}"
        if self.market_day.get(tick.market) == day:
            return None, None
        previous = {name: self.curves_now[name] for name in tick.curves if name in self.curves_now}
        self.market_day[tick.market] = day
        return {name: dict(q) for name, q in tick.curves.items()}, (previous or None)

    def write(
        self,
        tick: CurveTick,
        position: Position | None,
        partials: Sequence[ShardPartial],
        consumed_ns: int,
        fanned_ns: int,
        shards_ns: int,
        counters: Mapping[str, int | float | str],
    ) -> WriteResult:
        books = reduce_partials(self.newest.merge(partials))
        session = position.session if position is not None else 0
        opened, prev_close = self._roll_market(tick, session)
        self.curves_now.update({name: dict(q) for name, q in tick.curves.items()})
        quotes_now = pillar_quotes(self.curves_now)
        day = tick.as_of.isoformat()
        pnl: dict[str, PnlExplain] = {}
        for book, sums in books.items():
            current = self.opens.get(book)
            # the open is the first tick of the day (and session) at which every position of the book
            # has a value (right after a start or a new session, positions of the market that has not
            # ticked yet are pending); a new session on an earlier day opens afresh too
            if current is None or (current.session, current.as_of) != (session, day) or current.incomplete:
                current = BookOpen(
                    day,
                    sums.pv,
                    sums.gamma,
                    dict(sums.kr01),
                    dict(quotes_now),
                    incomplete=sums.n_pending > 0,
                    session=session,
                )
                self.opens[book] = current
            else:  # a trade added or removed since the open is not market P&L
                current.pv += sums.pv_change
            pnl[book] = explain(sums.pv, quotes_now, current)
        self.rejected.pop(tick.market, None)
        # staleness is per market: a good tick of one market leaves another market's rejection standing
        stale_reason = "; ".join(self.rejected[m] for m in sorted(self.rejected))
        status: dict[str, str | int | float] = {
            **counters,
            **self._latency_fields(),
            "state": "running",
            "last_seq": tick.seq,
            "last_market": tick.market,
            "last_market_time": tick.market_time.isoformat(),
            # per market: the last written tick (its seq names it on risk.updates) and its day
            f"seq_{tick.market}": tick.seq,
            f"as_of_{tick.market}": day,
            f"market_time_{tick.market}": tick.market_time.isoformat(),
            f"written_at_{tick.market}": round(time.time(), 3),
            "shards": len(partials),
            "instruments": sum(p.n_instruments for p in partials),
            "shard_compute_max_ms": round(max((p.compute_ms for p in partials), default=0.0), 3),
            "updated_at": round(time.time(), 3),
            "curves": ",".join(sorted(self.curves_now)),
            "rejected_curves": self._rejected_curves(),
            "stale_markets": ",".join(sorted(self.rejected)),
        }
        produced = _produced_ns(tick, consumed_ns)
        latency_ms = (time.time_ns() - produced) / 1e6
        update = TickUpdate(
            seq=tick.seq,
            market=tick.market,
            as_of=day,
            market_time=tick.market_time.isoformat(),
            latency_ms=latency_ms,
            books=books,
            pnl=pnl,
            changed=[risk for p in partials for risk in p.changed],
            removed=[item for p in partials for item in p.removed],
            curves_now={name: dict(q) for name, q in tick.curves.items()},
            curves_open=opened,
            curves_prev_close=prev_close,
            derived=tick.derived,
            status=status,
            position=position,
            stale_reason=stale_reason,
        )
        written = self.writer.write(update)
        done = time.time_ns()
        if written:
            self.latency.add(TickTimings(produced, consumed_ns, fanned_ns, shards_ns, done))
            self._after_write(tick, update)
        return {"written": written, "latency_ms": (done - produced) / 1e6, "seq": tick.seq}

    def _after_write(self, tick: CurveTick, update: TickUpdate) -> None:
        """Hand the written tick to the limit monitor without waiting (off the tick's critical path)."""
        if self.monitor_name is None:
            return
        if self._monitor is None:
            self._monitor = ray.get_actor(self.monitor_name)
        self._monitor.on_tick.remote(TickResults.from_update(tick, update))

    def mark_stale(self, market: str, reason: str, counters: Mapping[str, int | float | str]) -> None:
        """A rejected tick: keep the last good risk, flag every book stale with the reason."""
        self.rejected[market] = reason
        client = self.writer.client
        books = client.smembers("risk:books") or {ALL_BOOKS}
        with client.pipeline(transaction=True) as pipe:
            for book in books:
                pipe.hset(book_summary_key(str(book)), mapping={"stale": "1", "stale_reason": reason})
            status = {
                **counters,
                "last_error": reason,
                "rejected_curves": self._rejected_curves(),
                "stale_markets": ",".join(sorted(self.rejected)),
            }
            pipe.hset(ENGINE_STATUS, mapping={k: str(v) for k, v in status.items()})
            pipe.execute()

    def status(self, counters: Mapping[str, int | float | str]) -> None:
        self.writer.write_status({**counters, **self._latency_fields(), "updated_at": round(time.time(), 3)})

    def ping(self) -> bool:
        return True


#: The Ray actor: the core itself, restarted on failure (its writes are idempotent, so calls are retried).
Aggregator = ray.remote(max_restarts=-1, max_task_retries=-1)(AggregatorCore)
