"""Issue 15: nothing of the trading day is lost. The aggregator killed, Redis restarted and the whole engine
restarted in the middle of a day at 10 ticks/s: afterwards P&L since the open, predicted and residual of
every book equal those of an uninterrupted pass over the same quotes (to 1e-9 relative), and after a
Redis restart the last results are readable at once, before any new tick.

Every pass replays the same quotes in a new session of the same day (:func:`same_quotes_again`): its open
is taken at the second tick (the first at which both markets have a value), sent and written before the
stream starts, so conflation of the stream's ticks cannot move it; the P&L then depends only on the open
and each market's last tick, both the same in every pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import ray
from engine_support import Engine
from reliability_support import (
    Stack,
    TickStream,
    assert_final_risk_is_the_reference,
    assert_written_once_in_order_per_market,
    fresh_ticks,
    history_seqs,
    record_figure,
    same_quotes_again,
    wait_for,
)

from cluster.supervisor import AGGREGATOR, CONSUMER, start_engine, stop_engine
from core.keys import ALL_BOOKS, BOOKS_SET
from core.messages import CurveTick
from ui.snapshot import read_snapshot

pytestmark = [pytest.mark.reliability, pytest.mark.ray, pytest.mark.slow]

DAY_TICKS = 62  # 2 to open the session, then 60 streamed at 10 ticks/s (6 s)
FAULT_AFTER_S = 3.0  # mid-stream
PNL_FIELDS = ("pnl_open", "pnl_predicted", "pnl_residual")

Pnl = dict[str, dict[str, float]]  # book -> pnl field -> USD


def _consumer_counters() -> dict[str, int]:
    raw = ray.get(ray.get_actor(CONSUMER).counters.remote(), timeout=60)
    return {k: int(v) for k, v in raw.items() if k.startswith("ticks_") or k == "consumer_restarts"}


def _written(engine: Engine, tick: CurveTick) -> bool:
    return int(engine.status().get(f"seq_{tick.market}", -1)) >= tick.seq


def _pnl(engine: Engine) -> Pnl:
    books = sorted(str(b) for b in engine.redis.smembers(BOOKS_SET))
    return {book: {f: float(engine.summary(book)[f]) for f in PNL_FIELDS} for book in books}


class DayPass:
    """One pass over the day's quotes: open a new session, stream the rest, ``fault`` mid-stream."""

    def __init__(self, engine: Engine, quotes: list[CurveTick]) -> None:
        self.engine = engine
        self.ticks = same_quotes_again(quotes)
        self.opening, self.streamed = self.ticks[:2], self.ticks[2:]
        self.sent: list[CurveTick] = []
        self.caught_up_s = 0.0

    def run(self, fault: Callable[[], Any] = lambda: None) -> Any:
        for tick in self.opening:  # the session's open, each tick written before the next is sent
            self.engine.send(tick)
            wait_for(lambda t=tick: _written(self.engine, t), 120, f"opening tick seq {tick.seq}")
        stream = TickStream(self.engine, self.streamed).start()
        time.sleep(FAULT_AFTER_S)
        outcome = fault()
        self.sent = [*self.opening, *stream.finish()]
        last = [max((t for t in self.sent if t.market == m), key=lambda t: t.seq) for m in ("USD", "EUR")]
        finished = time.monotonic()
        wait_for(lambda: all(_written(self.engine, t) for t in last), 150, "each market's last tick")
        self.caught_up_s = time.monotonic() - finished
        return outcome

    def pnl(self) -> Pnl:
        return _pnl(self.engine)


@pytest.fixture(scope="module")
def quotes() -> list[CurveTick]:
    """A day's real quotes (USD and EUR alternating, moving through the day)."""
    return fresh_ticks(DAY_TICKS)


@pytest.fixture(scope="module")
def uninterrupted(engine: Engine, quotes: list[CurveTick]) -> Pnl:
    """P&L of every book after an uninterrupted pass over the day's quotes (a second one measures how far
    two uninterrupted passes are apart: the scale of "the same")."""
    passes = []
    for _ in range(2):
        day = DayPass(engine, quotes)
        day.run()
        passes.append(day.pnl())
    assert abs(passes[0][ALL_BOOKS]["pnl_open"]) > 1_000.0, "the day's quotes should move the book"
    record_figure(
        "uninterrupted_passes",
        {"relative_difference": _assert_same_pnl(passes[1], passes[0]), "pnl_all_usd": passes[0][ALL_BOOKS]},
    )
    return passes[0]


def _assert_same_pnl(after_fault: Pnl, uninterrupted: Pnl) -> float:
    """Every book's P&L equals the uninterrupted pass's to 1e-9 relative; returns the largest relative
    difference seen.

    "Relative" is to the P&L since the open: the residual is the small difference of actual and
    predicted (here about 1,000 USD against a P&L of millions), and the same quotes do not reprice to
    the last bit after a different history (the consumer's QuantLib bootstrap starts from the previous
    tick's solution, so the curves agree to the solver's accuracy, not to the last bit; two uninterrupted
    passes differ by as much as a pass with a fault, see ``uninterrupted_passes`` in the figures)."""
    assert after_fault.keys() == uninterrupted.keys()
    worst = 0.0
    for book, expected in uninterrupted.items():
        scale = max(abs(expected["pnl_open"]), abs(expected["pnl_predicted"]))
        for name in PNL_FIELDS:
            difference = abs(after_fault[book][name] - expected[name])
            assert difference <= 1e-9 * scale + 1e-6, (book, name, after_fault[book][name], expected[name])
            worst = max(worst, difference / scale if scale else 0.0)
    return worst


def test_aggregator_killed_mid_day_keeps_the_pnl_since_the_open(
    engine: Engine, stack: Stack, quotes: list[CurveTick], uninterrupted: Pnl
) -> None:
    day = DayPass(engine, quotes)
    before = _consumer_counters()

    def kill() -> float:
        seq_at_kill = int(engine.summary().get("seq", -1))
        ray.kill(ray.get_actor(AGGREGATOR), no_restart=False)
        return wait_for(
            lambda: int(engine.summary().get("seq", -1)) > seq_at_kill, 120, "a tick after the kill"
        )

    recovered_s = day.run(kill)
    worst = _assert_same_pnl(day.pnl(), uninterrupted)
    assert_final_risk_is_the_reference(engine, stack.sessions, day.sent)
    written = history_seqs(engine, day.sent[0].seq)
    assert_written_once_in_order_per_market(written, day.sent)
    after = {k: v - before[k] for k, v in _consumer_counters().items()}
    assert after["consumer_restarts"] == 0  # Ray retried the aggregator's calls; the consumer went on
    record_figure(
        "aggregator_kill",
        {
            "ticks_sent": len(day.sent),
            "pnl_max_relative_difference": worst,
            "first_tick_written_after_kill_s": round(recovered_s, 1),
            "caught_up_after_stream_s": round(day.caught_up_s, 1),
            "redelivered": after["ticks_received"] - len(day.sent),
            "duplicates_refused": after["ticks_duplicate"],
            "conflated": after["ticks_conflated"],
            "written": len(written),
        },
    )


def test_redis_restarted_mid_day_keeps_the_pnl_and_the_last_results_are_read_at_once(
    engine: Engine, stack: Stack, serve_url: str, quotes: list[CurveTick], uninterrupted: Pnl
) -> None:
    day = DayPass(engine, quotes)
    before = _consumer_counters()

    def restart() -> dict[str, Any]:
        last = engine.summary()
        stack.services.down(["redis"])  # SIGTERM: Redis flushes its append-only file and stops
        time.sleep(1.0)
        stack.services.up(["redis"])  # returns once Redis answers PING, i.e. has loaded its data
        back = time.monotonic()
        # the results are there before any tick could be written again: what the dashboard reads (its
        # own Redis read) and what the API answers
        summary = engine.summary()
        dashboard = read_snapshot(engine.redis, ALL_BOOKS)
        response = httpx.get(f"{serve_url}/api/v1/risk/books/{ALL_BOOKS}", timeout=30)
        return {"last": last, "summary": summary, "dashboard": dashboard, "response": response, "back": back}

    outcome = day.run(restart)
    worst = _assert_same_pnl(day.pnl(), uninterrupted)
    last, summary, response = outcome["last"], outcome["summary"], outcome["response"]
    assert summary, "Redis came back empty: the results were not persisted"
    assert int(summary["seq"]) >= int(last["seq"])
    dashboard = outcome["dashboard"]
    assert dashboard.summary is not None and (dashboard.summary.seq or -1) >= int(last["seq"])
    assert dashboard.kr01 and dashboard.history and dashboard.curves and dashboard.engine.reported
    assert dashboard.errors == ()  # every record it read held its record
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["seq"] >= int(last["seq"])
    assert_final_risk_is_the_reference(engine, stack.sessions, day.sent)
    written = history_seqs(engine, day.sent[0].seq)
    assert_written_once_in_order_per_market(written, day.sent)
    after = {k: v - before[k] for k, v in _consumer_counters().items()}
    record_figure(
        "redis_restart_day_state",
        {
            "ticks_sent": len(day.sent),
            "pnl_max_relative_difference": worst,
            "redis_down_s": 1.0,
            "results_readable_at_restart": True,
            "caught_up_after_stream_s": round(day.caught_up_s, 1),
            "redelivered": after["ticks_received"] - len(day.sent),
            "duplicates_refused": after["ticks_duplicate"],
            "consumer_restarts": after["consumer_restarts"],
            "written": len(written),
        },
    )


def test_engine_restarted_mid_day_keeps_the_pnl_and_computes_no_tick_twice(
    engine: Engine, stack: Stack, quotes: list[CurveTick], uninterrupted: Pnl
) -> None:
    day = DayPass(engine, quotes)
    before = _consumer_counters()

    def restart() -> dict[str, Any]:
        started = time.monotonic()
        # what `riskctl stop` then `riskctl run` do: the consumer commits what it finished, then stops
        old = {k: int(v) for k, v in ray.get(ray.get_actor(CONSUMER).stop.remote(), timeout=60).items()
               if k.startswith("ticks_")}  # fmt: skip
        shards = int(engine.status()["shards"])
        assert stop_engine(stack.settings)
        start_engine(stack.settings, n_shards=shards, topics=engine.topics, publish_per_tick=None)
        return {"old": old, "restart_s": time.monotonic() - started}

    outcome = day.run(restart)
    worst = _assert_same_pnl(day.pnl(), uninterrupted)
    assert_final_risk_is_the_reference(engine, stack.sessions, day.sent)
    written = history_seqs(engine, day.sent[0].seq)
    assert_written_once_in_order_per_market(written, day.sent)
    new = _consumer_counters()
    received = outcome["old"]["ticks_received"] - before["ticks_received"] + new["ticks_received"]
    record_figure(
        "engine_restart",
        {
            "ticks_sent": len(day.sent),
            "pnl_max_relative_difference": worst,
            "stop_and_start_s": round(outcome["restart_s"], 1),
            "caught_up_after_stream_s": round(day.caught_up_s, 1),
            "redelivered": received - len(day.sent),
            "duplicates_refused": new["ticks_duplicate"],
            "conflated": outcome["old"]["ticks_conflated"]
            - before["ticks_conflated"]
            + new["ticks_conflated"],
            "written": len(written),
        },
    )
