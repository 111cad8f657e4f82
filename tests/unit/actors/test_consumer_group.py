"""Several tick consumers in one group: partials delivered out of the shards' order, the tick order
learnt from what the other consumers wrote, counters summed over the consumers (no Ray, no Kafka)."""

from __future__ import annotations

from datetime import date, datetime

from actors.consumer import PEER_STALE_S, ConsumerCounters, peer_counters
from actors.ordering import Position, TickOrder
from actors.partials import BookSums, NewestPartials, ShardPartial, reduce_partials

D = date(2026, 2, 2)


def _partial(
    shard: int, seq: int, pv: float, version: tuple[int, int], pv_change: float = 0.0
) -> ShardPartial:
    return ShardPartial(
        shard, seq, {"GOVT": BookSums(pv=pv, n_ok=1, pv_change=pv_change)}, (), (), 1, 1.0, version
    )


def test_a_partial_delivered_after_a_newer_one_of_its_shard_is_superseded() -> None:
    newest = NewestPartials()
    # shard 0 computed the USD tick (version 1), then the EUR tick (version 2, with both markets' latest);
    # the EUR consumer delivers first, the USD consumer second
    eur = newest.merge([_partial(0, 20, pv=300.0, version=(5, 2)), _partial(1, 20, pv=30.0, version=(5, 2))])
    usd = newest.merge([_partial(0, 10, pv=200.0, version=(5, 1)), _partial(1, 10, pv=20.0, version=(5, 1))])
    assert reduce_partials(eur)["ALL"].pv == 330.0
    assert reduce_partials(usd)["ALL"].pv == 330.0  # not back to the state before the EUR tick
    assert [p.seq for p in usd] == [10, 10]  # still the USD tick's delivery


def test_book_changes_of_a_late_partial_count_once() -> None:
    newest = NewestPartials()
    first = newest.merge([_partial(0, 20, pv=300.0, version=(5, 2), pv_change=7.0)])
    late = newest.merge([_partial(0, 10, pv=200.0, version=(5, 1), pv_change=3.0)])
    later = newest.merge([_partial(0, 30, pv=310.0, version=(5, 3))])
    changes = [reduce_partials(parts)["GOVT"].pv_change for parts in (first, late, later)]
    assert changes == [7.0, 3.0, 0.0]  # the late one's change is not dropped, the newest's not repeated
    assert reduce_partials(late)["GOVT"].pv == 300.0


def test_a_restarted_shard_and_unstamped_partials_are_newest() -> None:
    newest = NewestPartials()
    newest.merge([_partial(0, 10, pv=200.0, version=(5, 9))])
    restarted = newest.merge([_partial(0, 11, pv=210.0, version=(6, 1))])  # later incarnation, count from 1
    assert reduce_partials(restarted)["ALL"].pv == 210.0
    direct = newest.merge([_partial(0, 12, pv=1.0, version=(0, 0))])  # a shard book driven directly
    assert reduce_partials(direct)["ALL"].pv == 1.0


def _position(session: int, minute: int, offset: int) -> Position:
    return Position(session, D, datetime(2026, 2, 2, 10, minute), offset)


def test_observe_takes_the_other_consumers_newer_positions_and_their_session() -> None:
    order = TickOrder({"USD": _position(0, 5, 50)})
    moved = order.observe({"USD": _position(0, 3, 30), "EUR": _position(1, 1, 7)})
    assert moved and order.session == 1
    assert order.positions["USD"] == _position(0, 5, 50)  # ticks admitted here are ahead of Redis
    assert order.positions["EUR"] == _position(1, 1, 7)
    assert not order.observe({"EUR": _position(1, 2, 8)})  # same session: nothing to drop
    assert order.positions["EUR"] == _position(1, 2, 8)


def test_counters_are_published_per_consumer_and_summed_over_the_live_ones() -> None:
    now = 1_000_000.0
    status = {
        "ticks_processed@risk-tick-consumer": "40",
        "ticks_conflated@risk-tick-consumer": "3",
        "consumer_lag@risk-tick-consumer": "9",
        "seen_at@risk-tick-consumer": str(now - 1),
        "ticks_processed@risk-tick-consumer-2": "5",  # gone for good: counts stay, its lag does not
        "consumer_lag@risk-tick-consumer-2": "100",
        "seen_at@risk-tick-consumer-2": str(now - PEER_STALE_S - 1),
        "ticks_processed@risk-tick-consumer-1": "999",  # mine: never counted as a peer
        "seen_at@risk-tick-consumer-1": str(now),
        "ticks_processed": "1",
    }
    peers = peer_counters(status, "risk-tick-consumer-1", now)
    assert peers["ticks_processed"] == 45 and peers["ticks_conflated"] == 3
    assert peers["consumer_lag"] == 9 and peers["consumers"] == 1
    counters = ConsumerCounters(ticks_processed=10, consumer_lag=2, name="risk-tick-consumer-1", peers=peers)
    published = counters.as_status()
    assert published["ticks_processed@risk-tick-consumer-1"] == 10
    assert published["ticks_processed"] == 55
    assert published["consumer_lag"] == 11
    assert published["consumers"] == 2
    assert "name" not in published and "peers" not in published


def test_a_single_consumer_publishes_plain_counters_only() -> None:
    published = ConsumerCounters(ticks_processed=4).as_status()
    assert published["ticks_processed"] == 4
    assert not [key for key in published if "@" in key] and "consumers" not in published
