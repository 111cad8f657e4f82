"""Tick ordering and de-duplication per market (actors.ordering): several producers, records from the
future and the past, sessions."""

from __future__ import annotations

import time
from datetime import date, datetime

from actors.intake import conflate, produced_order
from actors.ordering import Position, TickOrder
from core.messages import CurveTick


def _tick(market: str, day: date, minute: int, seq: int, new_session: bool = False) -> CurveTick:
    curve = "USD-UST" if market == "USD" else "EUR-ESTR"
    return CurveTick(
        seq=seq,
        market=market,  # type: ignore[arg-type]
        as_of=day,
        market_time=datetime(day.year, day.month, day.day, 10, minute),
        produced_at_ns=time.time_ns(),
        curves={curve: {"ois/10Y": 3.0}},
        new_session=new_session,
    )


def _admit(order: TickOrder, tick: CurveTick, offset: int) -> bool:
    verdict = order.check(tick, offset)
    if verdict.accept:
        order.accept(tick, verdict)
    return verdict.accept


D = date(2026, 2, 2)


def test_a_huge_seq_from_another_producer_does_not_freeze_later_ticks() -> None:
    order = TickOrder()
    assert _admit(order, _tick("USD", D, 1, seq=10_000_000_000), offset=0)
    assert _admit(order, _tick("USD", D, 2, seq=5), offset=1)  # seq is not the order
    assert _admit(order, _tick("USD", D, 3, seq=6), offset=2)


def test_redelivery_and_the_same_instant_are_duplicates() -> None:
    order = TickOrder()
    tick = _tick("USD", D, 1, seq=1)
    assert _admit(order, tick, offset=10)
    again = order.check(tick, offset=10)
    assert not again.accept and again.duplicate and not again.reason
    other_producer = order.check(_tick("USD", D, 1, seq=99), offset=11)
    assert other_producer.duplicate


def test_the_past_is_refused_with_its_reason_and_the_future_only_when_plausible() -> None:
    order = TickOrder()
    assert _admit(order, _tick("USD", D, 30, seq=1), offset=0)
    earlier_time = order.check(_tick("USD", D, 10, seq=2), offset=1)
    assert not earlier_time.accept and "out of order" in earlier_time.reason
    earlier_day = order.check(_tick("USD", date(2024, 3, 15), 40, seq=3), offset=2)
    assert not earlier_day.accept and "older than the market's current day 2026-02-02" in earlier_day.reason
    assert "new_session" in earlier_day.reason
    far = order.check(_tick("USD", date(2030, 1, 2), 1, seq=4), offset=3)
    assert not far.accept and "implausible" in far.reason
    assert _admit(order, _tick("USD", date(2026, 2, 3), 1, seq=5), offset=4)  # the next business day
    # a market entering late cannot start before the day the others are on
    late = order.check(_tick("EUR", D, 1, seq=6), offset=0)
    assert not late.accept and "before the session's day" in late.reason


def test_a_new_session_goes_back_and_every_market_enters_it_together() -> None:
    order = TickOrder()
    last = date(2026, 2, 27)
    assert _admit(order, _tick("USD", last, 1, seq=1), offset=0)
    assert _admit(order, _tick("EUR", last, 1, seq=2), offset=0)
    assert not order.check(_tick("USD", D, 1, seq=3), offset=1).accept
    start = order.check(_tick("USD", D, 1, seq=3, new_session=True), offset=1)
    assert (
        start.accept
        and start.new_session
        and start.position == Position(1, D, datetime(2026, 2, 2, 10, 1), 1)
    )
    order.accept(_tick("USD", D, 1, seq=3, new_session=True), start)
    # EUR's first tick of the pass is flagged too: it joins the session instead of starting another
    joining = order.check(_tick("EUR", D, 1, seq=4, new_session=True), offset=1)
    assert joining.accept and not joining.new_session and joining.position is not None
    assert joining.position.session == 1
    order.accept(_tick("EUR", D, 1, seq=4, new_session=True), joining)
    assert _admit(order, _tick("USD", D, 2, seq=5), offset=2)
    assert not order.check(_tick("EUR", last, 3, seq=6), offset=2).accept  # the old pass's day: refused


def test_a_late_tick_of_the_previous_session_does_not_enter_the_new_one() -> None:
    """Markets are separate partitions: the previous pass's last EUR tick may arrive after the USD tick
    that started the new session; it is refused, and EUR's own flagged tick then joins the session."""
    order = TickOrder()
    last = date(2026, 2, 3)
    assert _admit(order, _tick("USD", D, 1, seq=1), offset=0)
    assert _admit(order, _tick("EUR", D, 1, seq=2), offset=0)
    assert _admit(order, _tick("USD", last, 1, seq=3), offset=1)
    assert _admit(order, _tick("USD", D, 2, seq=5, new_session=True), offset=2)
    late = order.check(_tick("EUR", last, 1, seq=4), offset=1)
    assert not late.accept and "from before the session" in late.reason
    assert _admit(order, _tick("EUR", D, 2, seq=6, new_session=True), offset=2)
    assert {p.session for p in order.positions.values()} == {1}
    # a redelivered session start is a duplicate, not a third session
    assert order.check(_tick("USD", D, 1, seq=3, new_session=True), offset=1).duplicate


def test_positions_survive_their_json_and_restore_the_session() -> None:
    position = Position(3, D, datetime(2026, 2, 2, 10, 5), 42)
    assert Position.from_json(position.to_json()) == position
    assert TickOrder({"USD": position}).session == 3


def test_conflation_keeps_the_last_of_each_market_in_arrival_order() -> None:
    ticks = [_tick("USD", D, 1, 9), _tick("EUR", D, 1, 1), _tick("USD", D, 2, 2)]
    result = conflate(ticks)
    assert [t.seq for t in result.latest] == [1, 2]
    assert [t.seq for t in result.skipped] == [9]


def test_a_burst_handed_over_partition_by_partition_is_taken_in_produced_order() -> None:
    """The looped replay's wrap in one poll (the client hands every USD record over, then every EUR one):
    merged by produced_at_ns, every tick is admitted and both markets end in the same new session."""
    first, last = date(2026, 2, 26), date(2026, 2, 27)
    sent = [
        _tick("USD", first, 1, seq=1, new_session=True),
        _tick("EUR", first, 1, seq=2, new_session=True),
        _tick("USD", last, 1, seq=3),
        _tick("EUR", last, 1, seq=4),
        _tick("USD", first, 1, seq=5, new_session=True),
        _tick("EUR", first, 1, seq=6, new_session=True),
    ]
    sent = [t.model_copy(update={"produced_at_ns": 1_000 + k}) for k, t in enumerate(sent)]
    arrived = [(t.market, t, k) for k, t in enumerate(sent) if t.market == "USD"]
    arrived += [(t.market, t, k) for k, t in enumerate(sent) if t.market == "EUR"]
    merged = produced_order(arrived)
    assert [t.seq for t, _ in merged] == [1, 2, 3, 4, 5, 6]
    order = TickOrder()
    assert all(_admit(order, tick, offset) for tick, offset in merged)
    assert {p.session for p in order.positions.values()} == {order.session}
    # taken as handed over, the same burst crosses the markets over the session's start: USD is left
    # behind in a session EUR has already closed
    crossed = TickOrder()
    for _market, tick, offset in arrived:
        _admit(crossed, tick, offset)
    assert len({p.session for p in crossed.positions.values()}) == 2


def test_each_partition_keeps_its_own_order_whatever_the_producers_clocks_say() -> None:
    late_clock = _tick("USD", D, 2, seq=2).model_copy(update={"produced_at_ns": 5})
    early = _tick("USD", D, 1, seq=1).model_copy(update={"produced_at_ns": 9})
    eur = _tick("EUR", D, 1, seq=3).model_copy(update={"produced_at_ns": 7})
    merged = produced_order([("USD", early, 0), ("USD", late_clock, 1), ("EUR", eur, 0)])
    assert sorted(t.seq for t, _ in merged) == [1, 2, 3]
    assert [t.seq for t, _ in merged if t.market == "USD"] == [1, 2]  # Kafka's order, not the clock's
