"""Pure logic of the real-time engine: shard balancing, latency percentiles, P&L explain, reduction."""

from __future__ import annotations

import numpy as np
import pytest

from actors.latency import LatencyWindow, TickTimings
from actors.partials import BookSums, ShardPartial, reduce_partials
from actors.pnl import BookOpen, explain, pillar_quotes
from actors.sharding import assign_shards, least_loaded


def test_shards_balance_cashflows_not_instrument_counts() -> None:
    # one heavy swap (60 cashflows) and twelve bills (1 cashflow each)
    weights = {"swap": 60, **{f"bill{i:02d}": 1 for i in range(12)}}
    shards = assign_shards(weights, 2)
    loads = [sum(weights[i] for i in shard) for shard in shards]
    assert sorted(loads) == [12, 60]
    assert ["swap"] in shards  # by count it would be 7/6, by cost the swap is alone
    assert sorted(i for shard in shards for i in shard) == sorted(weights)


def test_shard_assignment_is_deterministic_and_near_optimal() -> None:
    rng = np.random.default_rng(7)
    weights = {f"i{k}": int(w) for k, w in enumerate(rng.integers(1, 120, size=500))}
    first = assign_shards(weights, 4)
    assert first == assign_shards(dict(reversed(list(weights.items()))), 4)
    loads = [sum(weights[i] for i in shard) for shard in first]
    assert max(loads) <= sum(weights.values()) / 4 + max(weights.values())


def test_each_market_is_balanced_over_the_shards_on_its_own() -> None:
    """A tick revalues one market: balanced only in total, one shard would hold the bonds of USD and the other
    the swaps of EUR, and each tick would be computed by one shard while the other waits."""
    rng = np.random.default_rng(11)
    usd = {f"bond{k}": int(w) for k, w in enumerate(rng.integers(10, 40, size=300))}
    eur = {f"swap{k}": int(w) for k, w in enumerate(rng.integers(40, 90, size=120))}
    weights = {**usd, **eur}
    markets = {**dict.fromkeys(usd, "USD"), **dict.fromkeys(eur, "EUR")}
    shards = assign_shards(weights, 2, markets)
    assert sorted(i for shard in shards for i in shard) == sorted(weights)
    for group in (usd, eur):
        loads = [sum(group.get(i, 0) for i in shard) for shard in shards]
        assert max(loads) - min(loads) <= max(group.values())  # each market split about evenly
    assert assign_shards(weights, 2, markets) == shards  # deterministic


def test_least_loaded_breaks_ties_by_index() -> None:
    assert least_loaded({0: 5, 1: 3, 2: 3}) == 1
    with pytest.raises(ValueError):
        least_loaded({})


def test_latency_percentiles_per_stage() -> None:
    window = LatencyWindow(size=100)
    for k in range(1, 101):  # totals 1..100 ms
        ms = 1_000_000
        window.add(TickTimings(0, 1 * ms // 10, 2 * ms // 10, 3 * ms // 10, k * ms))
    stats = window.percentiles()
    assert stats["total_p50_ms"] == pytest.approx(50.5)
    assert stats["total_p95_ms"] == pytest.approx(95.05)
    assert stats["consume_p99_ms"] == pytest.approx(0.1)
    assert len(window) == 100


def test_pnl_explain_first_and_second_order() -> None:
    opened = BookOpen(
        as_of="2024-03-15",
        pv=1_000_000.0,
        gamma=20.0,
        kr01={"USD-UST/2Y": 100.0, "USD-UST/10Y": 300.0},
        quotes={"USD-UST/2Y": 4.60, "USD-UST/10Y": 4.30},
    )
    now = {"USD-UST/2Y": 4.62, "USD-UST/10Y": 4.32}  # +2bp parallel
    result = explain(999_190.0, now, opened)
    assert result.predicted == pytest.approx(-(100 * 2 + 300 * 2) + 0.5 * 20 * 4)
    assert result.actual == pytest.approx(-810.0)
    assert result.residual == pytest.approx(-810.0 - (-760.0))


def test_pillar_quotes_maps_quote_keys_to_risk_keys() -> None:
    assert pillar_quotes({"EUR-EURIBOR-6M": {"swap/10Y": 2.8, "deposit/6M": 3.9}}) == {
        "EUR-EURIBOR-6M/10Y": 2.8,
        "EUR-EURIBOR-6M/6M": 3.9,
    }


def test_reduce_partials_sums_books_and_builds_all() -> None:
    a = BookSums(pv=10.0, dv01=1.0, n_ok=2)
    a.kr01["USD-UST/2Y"] += 0.5
    b = BookSums(pv=5.0, dv01=2.0, n_failed=1)
    b.kr01["USD-UST/2Y"] += 0.25
    c = BookSums(pv=1.0, n_ok=1)
    c.by_type["swap:pv"] += 1.0
    parts = [
        ShardPartial(0, 7, {"GOVT": a}, (), (), 2, 1.0),
        ShardPartial(1, 7, {"GOVT": b, "SWAPS": c}, (), (), 2, 1.0),
    ]
    books = reduce_partials(parts)
    assert books["GOVT"].pv == 15.0
    assert books["GOVT"].kr01["USD-UST/2Y"] == 0.75
    assert books["ALL"].pv == 16.0
    assert books["ALL"].n_ok == 3 and books["ALL"].n_failed == 1
    assert books["ALL"].by_type == {"swap:pv": 1.0}


def test_book_events_name_the_instruments_whose_positions_change() -> None:
    from actors.book_watcher import affected_instruments

    assert affected_instruments({"entity": "instrument", "key": "UST-1", "data": {}}) == ["UST-1"]
    assert affected_instruments({"entity": "position", "key": "X", "data": {"instrument_id": "IRS-9"}}) == [
        "IRS-9"
    ]
    deleted_book = {
        "entity": "book",
        "type": "deleted",
        "key": "GOVT",
        "data": {"name": "GOVT", "removed_positions": [{"instrument_id": "A"}, {"instrument_id": "B"}]},
    }
    assert affected_instruments(deleted_book) == ["A", "B"]
    assert (
        affected_instruments({"entity": "book", "type": "created", "key": "NEW", "data": {"name": "NEW"}})
        == []
    )
