"""ShardBook (no Ray): risk per market from ticks, and scenarios split across a replica give the same
numbers as one process valuing them all."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sample_ticks import SAMPLES, sample_market, sample_tick

from actors.curve_nodes import TickCurves
from actors.shard_book import ShardBook, local_pvs
from core.messages import CurveTick
from pricing import PortfolioEngine, PricingError, price_portfolio


@pytest.fixture(scope="module")
def sample() -> tuple[dict[str, Any], dict[str, Any]]:
    market = sample_market()
    book = json.loads((SAMPLES / "book.json").read_text())
    return market, book


def test_ticks_give_the_risk_of_price_portfolio(sample: tuple[dict[str, Any], dict[str, Any]]) -> None:
    market, book = sample
    shard = ShardBook(0, book["instruments"], publish_per_tick=None)
    first = shard.apply(sample_tick(market, "USD", 1))
    assert sum(b.n_pending for b in first.books.values()) == 3  # the EUR positions wait for a EUR tick
    second = shard.apply(sample_tick(market, "EUR", 2))
    reference = price_portfolio(book, market)
    by_id = {r.record.id: r.record for r in (*first.changed, *second.changed)}
    for item in reference["instruments"]:
        assert by_id[item["id"]].pv == pytest.approx(item["pv"], rel=1e-9)
        assert by_id[item["id"]].dv01 == pytest.approx(item["dv01"], rel=1e-9)
    assert sum(b.pv for b in second.books.values()) == pytest.approx(reference["totals"]["pv"], rel=1e-9)
    assert sum(b.n_pending for b in second.books.values()) == 0


def test_scenarios_split_with_a_replica_equal_one_process(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    market, book = sample
    whole = ShardBook(0, book["instruments"], publish_per_tick=None)
    split = ShardBook(0, book["instruments"], publish_per_tick=None)
    replica = ShardBook(0, book["instruments"], valuing=False)
    ticks = [sample_tick(market, "USD", 1), sample_tick(market, "EUR", 2)]
    context: dict[str, CurveTick] = {}
    parts = 2
    for tick in ticks:

        def assembled(
            market_name: str, engine: PortfolioEngine, nodes: Any, tick: CurveTick = tick
        ) -> np.ndarray:
            chunks = engine.scenarios.chunks(parts)
            out = np.full((len(engine.ids), len(engine.scenarios)), np.nan)
            out[:, chunks[0]] = engine.pv_matrix(chunks[0])
            ids, indices, values = replica.scenario_pvs(tick, context, 1, parts)
            assert ids == engine.ids and indices == chunks[1]
            out[:, indices] = values
            return out

        split.pv_source = assembled
        expected = whole.apply(tick, context)
        got = split.apply(tick, context)
        context[tick.market] = tick
        expected_by_id = {r.record.id: r.record for r in expected.changed}
        assert {r.record.id for r in got.changed} == set(expected_by_id)
        for risk in (r.record for r in got.changed):
            want = expected_by_id[risk.id]
            # the same scenarios re-bootstrapped in another order: equal to float noise (1e-12 of PV)
            assert (risk.pv, risk.dv01, risk.gamma) == pytest.approx(
                (want.pv, want.dv01, want.gamma), abs=1e-6
            )
            for key in risk.kr01.keys() | want.kr01.keys():
                assert risk.kr01.get(key, 0.0) == pytest.approx(want.kr01.get(key, 0.0), abs=1e-6), key


def test_positions_are_published_round_robin_and_totals_stay_exact(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    market, book = sample
    shard = ShardBook(0, book["instruments"], publish_per_tick=2)
    shard.apply(sample_tick(market, "USD", 1))
    first = shard.apply(sample_tick(market, "EUR", 2))
    assert {r.record.id for r in first.changed} == {
        i["id"] for i in book["instruments"] if i["currency"] == "EUR"
    }
    seen: list[set[str]] = []
    for seq in range(3, 7):  # USD has 5 positions: 2 per tick, round-robin
        partial = shard.apply(sample_tick(market, "USD", seq))
        seen.append({r.record.id for r in partial.changed})
        assert all(len(ids) == 2 for ids in seen)
        # cashflows go with new positions only
        assert all(r.record.cashflows is None for r in partial.changed)
        reference = price_portfolio(book, market)["totals"]["pv"]
        assert sum(b.pv for b in partial.books.values()) == pytest.approx(reference, rel=1e-9)
    usd = {i["id"] for i in book["instruments"] if i["currency"] == "USD"}
    assert set().union(*seen[:3]) == usd  # every USD position refreshed within ceil(5 / 2) ticks


def test_a_position_added_mid_stream_is_published_on_its_market_s_next_tick_with_its_cashflows(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    market, book = sample
    by_id = {i["id"]: i for i in book["instruments"]}
    shard = ShardBook(0, [by_id["UST-91282CJZ5"], by_id["IRS-1"]], publish_per_tick=1)
    shard.apply(sample_tick(market, "USD", 1))
    shard.apply(sample_tick(market, "EUR", 2))
    shard.add([by_id["UST-2Y-2026"], by_id["IRS-2"]])  # one new position per market
    # both valued on their market's latest tick when added, and published with the next partial at once
    # (not waiting for their round-robin turn), with their cashflows
    usd = {r.record.id: r.record for r in shard.apply(sample_tick(market, "USD", 3)).changed}
    assert {"UST-2Y-2026", "IRS-2"} <= set(usd) and usd["UST-2Y-2026"].cashflows and usd["IRS-2"].cashflows
    assert len(usd) <= 4  # and at most one round-robin row per market
    for seq, currency in ((4, "EUR"), (5, "USD")):
        again = {r.record.id: r.record for r in shard.apply(sample_tick(market, currency, seq)).changed}
        assert len(again) == 1 and all(r.cashflows is None for r in again.values())  # round-robin only


def test_curves_bootstrapped_once_per_tick_give_the_shard_its_own_numbers(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The consumer bootstraps each tick's bumped curves once (TickCurves) and every shard values on
    those nodes: the same numbers as a shard re-bootstrapping them itself, to the last bit."""
    market, book = sample
    own = ShardBook(0, book["instruments"], publish_per_tick=None)
    shared = ShardBook(0, book["instruments"], publish_per_tick=None)
    curves = TickCurves()
    for seq, currency in enumerate(("USD", "EUR", "USD"), start=1):
        tick = sample_tick(market, currency, seq)
        nodes = curves.nodes(tick)
        assert all(n.values.shape[0] == len(next(iter(nodes.values())).values) for n in nodes.values())
        expected = own.apply(tick)
        got = shared.apply(tick, nodes=nodes)
        expected_by_id = {r.record.id: r.record for r in expected.changed}
        assert {r.record.id for r in got.changed} == set(expected_by_id) != set()
        for risk in (r.record for r in got.changed):
            want = expected_by_id[risk.id]
            assert (risk.pv, risk.dv01, risk.gamma, dict(risk.kr01)) == (
                want.pv,
                want.dv01,
                want.gamma,
                dict(want.kr01),
            )
    reference = price_portfolio(book, market)["totals"]["pv"]
    assert sum(b.pv for b in got.books.values()) == pytest.approx(reference, rel=1e-9)


def test_a_tick_whose_curves_fail_is_refused_before_any_shard_and_the_market_recovers(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    market, _book = sample
    curves = TickCurves()
    good = sample_tick(market, "USD", 1)
    curves.nodes(good)
    broken_quotes = {name: dict(q) for name, q in good.curves.items()}
    first = next(iter(broken_quotes))
    broken_quotes[first]["swaption/5Y"] = 4.1
    broken = good.model_copy(update={"seq": 2, "curves": broken_quotes})
    with pytest.raises(PricingError, match="swaption"):
        curves.nodes(broken)
    again = curves.nodes(good.model_copy(update={"seq": 3}))
    assert again.keys() == curves.nodes(good).keys()


def test_an_instrument_in_two_books_is_valued_once_per_shard_and_each_position_scaled(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Issue 13 (positions): +2 in one book and -3 in another are one instrument valued once on the shard;
    the positions are exactly 2x and -3x its unit risk (PV, DV01, gamma, kr01, cashflows, book sums)."""
    market, book = sample
    bond = next(e for e in book["instruments"] if e["id"] == "UST-91282CJZ5")
    held = [  # as a whole-portfolio export writes an instrument held in two books
        bond | {"id": f"{bond['id']}@{book}", "instrument_id": bond["id"], "book": book, "quantity": quantity}
        for book, quantity in (("LONGS", 2), ("SHORTS", -3))
    ]
    valued_rows: list[int] = []

    def counting(name: str, engine: PortfolioEngine, nodes: Any) -> np.ndarray:
        matrix = local_pvs(name, engine, nodes)
        valued_rows.append(matrix.shape[0])
        return matrix

    shard = ShardBook(0, held, publish_per_tick=None, pv_source=counting)
    unit_shard = ShardBook(0, [bond | {"book": "UNIT", "quantity": 1}], publish_per_tick=None)
    tick = sample_tick(market, "USD", 1)
    partial = shard.apply(tick)
    (unit,) = [r.record for r in unit_shard.apply(tick).changed]
    assert valued_rows == [1] and shard.markets["USD"].engine is not None
    assert shard.markets["USD"].engine.ids == ("UST-91282CJZ5",) and shard.weight() == unit_shard.weight()
    rows = {r.record.id: r.record for r in partial.changed}
    assert set(rows) == {"UST-91282CJZ5@LONGS", "UST-91282CJZ5@SHORTS"}
    for key, factor in (("UST-91282CJZ5@LONGS", 2.0), ("UST-91282CJZ5@SHORTS", -3.0)):
        risk = rows[key]
        assert (risk.ok, risk.book, risk.type) == (True, key.split("@")[1], "bond")
        assert (risk.pv, risk.dv01, risk.gamma) == (factor * unit.pv, factor * unit.dv01, factor * unit.gamma)
        assert dict(risk.kr01) == {k: factor * v for k, v in unit.kr01.items()} != {}
        assert risk.cashflows is not None and unit.cashflows is not None
        assert [f["amount"] for f in risk.cashflows] == [factor * f["amount"] for f in unit.cashflows]  # type: ignore[operator]
        assert sum(f["pv"] for f in risk.cashflows) == pytest.approx(risk.pv, rel=1e-12)  # type: ignore[misc]
        sums = partial.books[str(risk.book)]
        assert (sums.pv, sums.dv01, sums.n_ok) == (risk.pv, risk.dv01, 1)  # USD: fx 1
    # a new quantity for a held position: the same instrument, rescaled
    shard.add([held[1] | {"quantity": -1}])
    resized = {r.record.id: r.record for r in shard.apply(tick.model_copy(update={"seq": 2})).changed}
    assert resized["UST-91282CJZ5@SHORTS"].pv == pytest.approx(-unit.pv, rel=1e-12)
    assert shard.markets["USD"].engine.ids == ("UST-91282CJZ5",)
    shard.add([held[1]])
    # one position goes: the instrument stays for the other; the last one goes: the instrument too
    shard.remove(["UST-91282CJZ5@LONGS"])
    after = shard.apply(sample_tick(market, "USD", 3))
    assert after.removed == (("UST-91282CJZ5@LONGS", "LONGS"),)
    assert after.books["LONGS"].n_ok == 0  # its last value leaves the book as a book change, not P&L
    assert after.books["LONGS"].pv_change == pytest.approx(-2 * unit.pv, rel=1e-12)
    assert shard.markets["USD"].engine.ids == ("UST-91282CJZ5",)
    assert after.books["SHORTS"].pv == pytest.approx(-3 * unit.pv, rel=1e-12)  # re-bootstrapped: last bits
    shard.remove(["UST-91282CJZ5@SHORTS"])
    assert shard.markets["USD"].engine.ids == () and shard.specs == {} and shard.ids == []


def test_new_terms_for_a_held_instrument_move_every_position_to_them(
    sample: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    market, book = sample
    bond = next(e for e in book["instruments"] if e["id"] == "UST-91282CJZ5")
    shard = ShardBook(
        0, [bond | {"book": "A"}, bond | {"id": "B-ROW", "instrument_id": bond["id"], "book": "B"}]
    )
    first = {r.record.id: r.record for r in shard.apply(sample_tick(market, "USD", 1)).changed}
    assert first["B-ROW"].pv == first[bond["id"]].pv
    shard.add([bond | {"book": "A", "coupon_pct": bond["coupon_pct"] + 1.0}])
    second = shard.apply(sample_tick(market, "USD", 2))
    rows = {r.record.id: r.record for r in second.changed}
    assert rows["B-ROW"].pv == rows[bond["id"]].pv > first["B-ROW"].pv  # both on the richer coupon
    assert second.books["B"].pv_change == pytest.approx(rows["B-ROW"].pv - first["B-ROW"].pv, rel=1e-12)
