"""``Aggregator``: reduces the shards' partials of a tick and writes them to Redis in one transaction.

What the tick alone does not carry (each book's open for P&L explain, each market's quotes now / at the
open / at the previous close, the markets' rejections) is the engine's day state
(:class:`actors.day_state.DayState`): written in the same transaction as the tick's results and reloaded
from Redis when the aggregator (re)starts, so a restart changes no P&L. Only the latency window is
memory: a restart resets the percentiles.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import ray

from actors.day_state import DayState
from actors.latency import LatencyWindow, TickTimings
from actors.limit_monitor import TickResults
from actors.ordering import Position
from actors.partials import NewestPartials, ShardPartial, reduce_partials
from actors.redis_sink import RedisRiskWriter, TickUpdate
from core.config import Settings
from core.messages import CurveTick
from core.status_record import EngineStatusRecord, MarketStatus

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
        self._day: DayState | None = None  # loaded from Redis on first use, adopted after each write
        self.newest = NewestPartials()  # several consumers deliver partials out of the shards' order

    @property
    def day(self) -> DayState:
        """The day state the next tick follows: as last written, or as Redis holds it after a (re)start
        or a refused write (waits out a Redis outage)."""
        if self._day is None:
            self._day = self.writer.read_day()
        return self._day

    def _latency_ms(self) -> dict[str, float]:
        """``{stage}_p{q}`` -> ms of the window, and the headline ``latency_p{q}`` (produced -> in Redis)."""
        stats = {name.removesuffix("_ms"): value for name, value in self.latency.percentiles().items()}
        for q in (50, 95, 99):
            if f"total_p{q}" in stats:
                stats[f"latency_p{q}"] = stats[f"total_p{q}"]
        return stats

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
        step = self.day.advance(tick, session, books)
        after = step.state
        # staleness is per market: a good tick of one market leaves another market's rejection standing
        stale_reason = after.stale_reason()
        now = round(time.time(), 3)
        status = replace(
            EngineStatusRecord.from_fields(counters),
            latency_ms=self._latency_ms(),
            state="running",
            last_seq=tick.seq,
            last_market=tick.market,
            last_market_time=tick.market_time.isoformat(),
            # per market: the last written tick (its seq names it on risk.updates) and its day
            markets={
                tick.market: MarketStatus(tick.seq, tick.as_of.isoformat(), tick.market_time.isoformat(), now)
            },
            shards=len(partials),
            instruments=sum(p.n_instruments for p in partials),
            shard_compute_max_ms=round(max((p.compute_ms for p in partials), default=0.0), 3),
            updated_at=now,
            curves=tuple(sorted(after.curves_now)),
            rejected_curves=after.rejected_curves(),
            stale_markets=tuple(sorted(after.rejected)),
        )
        produced = _produced_ns(tick, consumed_ns)
        latency_ms = (time.time_ns() - produced) / 1e6
        update = TickUpdate(
            seq=tick.seq,
            market=tick.market,
            as_of=tick.as_of.isoformat(),
            market_time=tick.market_time.isoformat(),
            latency_ms=latency_ms,
            books=books,
            pnl=step.pnl,
            changed=[risk for p in partials for risk in p.changed],
            removed=[item for p in partials for item in p.removed],
            curves_now={name: dict(q) for name, q in tick.curves.items()},
            curves_open=step.curves_open,
            curves_prev_close=step.curves_prev_close,
            derived=tick.derived,
            status=status,
            position=position,
            stale_reason=stale_reason,
            day=step,
        )
        written = self.writer.write(update)
        # refused (a redelivery, or a retried call whose first attempt was written): Redis holds the newer
        # state, read it again rather than trusting this copy
        self._day = after if written else None
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
        step = self.day.reject(market, reason)
        status = replace(
            EngineStatusRecord.from_fields(counters),
            last_error=reason,
            rejected_curves=step.state.rejected_curves(),
            stale_markets=tuple(sorted(step.state.rejected)),
        )
        self.writer.write_stale(reason, status, step)
        self._day = step.state

    def status(self, counters: Mapping[str, int | float | str]) -> None:
        status = EngineStatusRecord.from_fields(counters)
        self.writer.write_status(
            replace(status, latency_ms=self._latency_ms(), updated_at=round(time.time(), 3))
        )

    def ping(self) -> bool:
        return True


#: The Ray actor: the core itself, restarted on failure (its writes are idempotent, so calls are retried).
Aggregator = ray.remote(max_restarts=-1, max_task_retries=-1)(AggregatorCore)
