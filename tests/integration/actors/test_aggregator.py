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
