"""The aggregator against a real Redis: P&L since the open, taken once every position has a value."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from actors.aggregator import AggregatorCore
from actors.ordering import Position
from actors.partials import BookSums, ShardPartial
from core.config import Settings
from core.messages import CurveTick

TEST_DB = 6


@pytest.fixture
def aggregator(settings: Settings) -> Iterator[AggregatorCore]:
    core = AggregatorCore(settings.model_copy(update={"redis_db": TEST_DB}))
    core.writer.client.flushdb()
    yield core
    core.writer.client.flushdb()


def _tick(seq: int, market: str, rate: float) -> CurveTick:
    curve = "USD-UST" if market == "USD" else "EUR-ESTR"
    instrument = "par_bond/10Y" if market == "USD" else "ois/10Y"
    return CurveTick(
        seq=seq,
        market=market,  # type: ignore[arg-type]
        as_of="2026-02-26",  # type: ignore[arg-type]
        market_time=datetime(2026, 2, 26, 10, 0, seq),
        produced_at_ns=time.time_ns(),
        curves={curve: {instrument: rate}},
    )


def _partial(seq: int, pv: float, pending: int, kr01: float = 1000.0) -> ShardPartial:
    sums = BookSums(pv=pv, dv01=kr01, gamma=10.0, n_ok=2 - pending, n_pending=pending)
    sums.kr01["USD-UST/10Y"] = kr01
    return ShardPartial(0, seq, {"GOVT": sums}, (), (), 2, 1.0)


@pytest.mark.redis
def test_open_waits_for_every_position_then_pnl_is_explained(aggregator: AggregatorCore) -> None:
    r = aggregator.writer.client
    aggregator.write(_tick(1, "USD", 4.00), None, [_partial(1, 100.0, pending=1)], 0, 0, 0, {})
    assert float(r.hget("risk:ALL:summary", "pnl_open") or "nan") == 0.0
    # the EUR tick completes the book: its PV jump is not P&L, the open is taken here
    aggregator.write(_tick(2, "EUR", 2.50), None, [_partial(2, 5_000.0, pending=0)], 0, 0, 0, {})
    assert float(r.hget("risk:ALL:summary", "pnl_open") or "nan") == 0.0
    # rates +2bp on the 10Y pillar: predicted = -kr01 * 2 + 0.5 * gamma * 2^2
    aggregator.write(_tick(3, "USD", 4.02), None, [_partial(3, 5_000.0 - 1_990.0, pending=0)], 0, 0, 0, {})
    summary = r.hgetall("risk:ALL:summary")
    assert float(summary["pnl_open"]) == pytest.approx(-1_990.0)
    assert float(summary["pnl_predicted"]) == pytest.approx(-1000.0 * 2 + 0.5 * 10.0 * 4)
    assert float(summary["pnl_residual"]) == pytest.approx(-1_990.0 - (-1_980.0))
    assert r.hgetall("market:USD-UST:open") == {"par_bond/10Y": "4.0"}
    assert r.hgetall("market:USD-UST:now") == {"par_bond/10Y": "4.02"}


@pytest.mark.redis
def test_a_new_session_on_an_earlier_day_opens_pnl_afresh(aggregator: AggregatorCore) -> None:
    """Issue 19 part 4: 2026-02-20 then a new session on 2026-02-10: P&L since the open is 0 there."""
    r = aggregator.writer.client

    def tick(seq: int, day: int, rate: float) -> CurveTick:
        return _tick(seq, "USD", rate).model_copy(
            update={"as_of": date(2026, 2, day), "market_time": datetime(2026, 2, day, 10, 0, seq)}
        )

    def at(seq: int, day: int, session: int) -> Position:
        return Position(session, date(2026, 2, day), datetime(2026, 2, day, 10, 0, seq), seq)

    aggregator.write(tick(1, 20, 4.00), at(1, 20, 0), [_partial(1, 100_000_000.0, pending=0)], 0, 0, 0, {})
    aggregator.write(tick(2, 20, 4.01), at(2, 20, 0), [_partial(2, 99_000_000.0, pending=0)], 0, 0, 0, {})
    assert float(r.hget("risk:ALL:summary", "pnl_open") or "nan") == pytest.approx(-1_000_000.0)
    earlier = tick(3, 10, 3.50)
    aggregator.write(earlier, at(3, 10, 1), [_partial(3, 125_400_000.0, pending=0)], 0, 0, 0, {})
    summary = r.hgetall("risk:ALL:summary")
    assert summary["as_of"] == "2026-02-10"
    assert float(summary["pnl_open"]) == 0.0  # not +25.4M against the open of the 20th
    assert r.hgetall("market:USD-UST:open") == {"par_bond/10Y": "3.5"}


def _at(seq: int) -> Position:
    return Position(0, date(2026, 2, 26), datetime(2026, 2, 26, 10, 0, seq), seq)


def _netted(seq: int, pv: float, pv_change: float) -> ShardPartial:
    partial = _partial(seq, pv, pending=0)
    partial.books["GOVT"].pv_change = pv_change
    return partial


@pytest.mark.redis
def test_a_restarted_aggregator_explains_against_the_same_open(
    aggregator: AggregatorCore, settings: Settings
) -> None:
    """Issue 15: the open (and the netting of a trade added after it) survives the aggregator; the P&L of
    the restarted one equals the uninterrupted P&L to the last bit."""
    aggregator.write(_tick(1, "USD", 4.00), _at(1), [_partial(1, 100.0, pending=1)], 0, 0, 0, {})
    aggregator.write(_tick(2, "EUR", 2.50), _at(2), [_partial(2, 5_000.0, pending=0)], 0, 0, 0, {})
    aggregator.write(_tick(3, "USD", 4.01), _at(3), [_netted(3, 5_000.0 - 995.0 + 700.0, 700.0)], 0, 0, 0, {})
    last = (_tick(4, "USD", 4.02), _at(4), [_partial(4, 5_000.0 - 1_990.0 + 700.0, pending=0)])
    restarted = AggregatorCore(settings.model_copy(update={"redis_db": TEST_DB}))
    restarted.write(*last, 0, 0, 0, {})
    after_restart = restarted.writer.client.hgetall("risk:ALL:summary")
    aggregator.writer.client.hdel("engine:order", "USD")  # the same tick again, uninterrupted this time
    aggregator.write(*last, 0, 0, 0, {})
    uninterrupted = aggregator.writer.client.hgetall("risk:ALL:summary")
    assert float(after_restart["pnl_open"]) == pytest.approx(-1_990.0)
    for field in ("pnl_open", "pnl_predicted", "pnl_residual"):
        assert after_restart[field] == uninterrupted[field]


@pytest.mark.redis
def test_a_refused_tick_changes_no_day_state_and_a_lost_one_is_written_whole(
    aggregator: AggregatorCore,
) -> None:
    r = aggregator.writer.client
    aggregator.write(_tick(1, "USD", 4.00), _at(1), [_partial(1, 100.0, pending=0)], 0, 0, 0, {})
    before = r.hgetall("engine:day")
    # a redelivery carrying a trade's PV change: refused, the open is not moved by it
    refused = aggregator.write(_tick(1, "USD", 4.00), _at(1), [_netted(1, 800.0, 700.0)], 0, 0, 0, {})
    assert refused["written"] is False
    assert r.hgetall("engine:day") == before and aggregator.day.opens["GOVT"].pv == 100.0
    # Redis lost the day state (e.g. an emptied database): the next tick writes all of it, not a part
    r.delete("engine:day")
    aggregator.write(_tick(2, "USD", 4.01), _at(2), [_partial(2, 90.0, pending=0)], 0, 0, 0, {})
    assert r.hgetall("engine:day") == aggregator.day.to_hash()
    assert "open:GOVT" in r.hgetall("engine:day")


@pytest.mark.redis
def test_a_rejected_tick_is_remembered_by_a_restarted_aggregator(
    aggregator: AggregatorCore, settings: Settings
) -> None:
    r = aggregator.writer.client
    aggregator.write(_tick(1, "USD", 4.00), _at(1), [_partial(1, 100.0, pending=0)], 0, 0, 0, {})
    aggregator.mark_stale("EUR", "EUR tick seq 2: bootstrap failed", {})
    restarted = AggregatorCore(settings.model_copy(update={"redis_db": TEST_DB}))
    restarted.write(_tick(3, "USD", 4.01), _at(3), [_partial(3, 90.0, pending=0)], 0, 0, 0, {})
    summary = r.hgetall("risk:ALL:summary")
    assert summary["stale"] == "1" and summary["stale_reason"] == "EUR tick seq 2: bootstrap failed"
    assert r.hget("engine:status", "stale_markets") == "EUR"
