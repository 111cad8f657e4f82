"""A tick's scenario bootstraps split into shares (consumer + curve workers) give the nodes of one
process bootstrapping them all, in the same scenario order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sample_ticks import sample_market, sample_tick

from actors.curve_nodes import TickCurves, join_nodes, split_scenarios
from pricing import PricingError


@pytest.fixture(scope="module")
def market() -> dict[str, Any]:
    return sample_market()


@given(
    costs=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=80),
    parts=st.integers(min_value=1, max_value=5),
    bias=st.integers(min_value=-50, max_value=200),
)
def test_shares_cover_every_scenario_once(costs: list[int], parts: int, bias: int) -> None:
    shares = split_scenarios(costs, parts, bias)
    assert sorted(i for share in shares for i in share) == list(range(len(costs)))
    assert all(share == sorted(share) for share in shares)
    assert 1 <= len(shares) <= parts
    assert all(len(share) > 0 for share in shares)


def test_shares_interleave_and_are_about_equal_in_cost_with_the_head_biased() -> None:
    costs = [0, 30, 30] + [15] * 54  # base, two parallel shifts, 27 pillars up and down
    even = split_scenarios(costs, 2)
    cost = [sum(costs[i] for i in share) for share in even]
    assert abs(cost[0] - cost[1]) <= 15
    # every curve's pillars are spread over both shares (curves differ in cost per node)
    assert {i for i in even[1] if i >= 3 + 27} and {i for i in even[1] if i < 3 + 27}
    head, tail = (sum(costs[i] for i in share) for share in split_scenarios(costs, 2, head_bias=60))
    assert abs((head - tail) - 60) <= 15  # the head takes about 60 units more than the other share
    assert split_scenarios(costs, 1) == [list(range(57))]


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_joined_shares_are_the_nodes_of_one_process(market: dict[str, Any], currency: str) -> None:
    whole, consumer, worker = TickCurves(), TickCurves(), TickCurves()
    for seq, shift in enumerate((0.0, 0.013, -0.021), start=1):
        tick = sample_tick(market, currency, seq, shift)
        expected = whole.nodes(tick)
        shares = split_scenarios(consumer.prepare(tick), 2, head_bias=60)
        assert len(shares) == 2
        joined = join_nodes([consumer.nodes(tick, shares[0]), worker.nodes(tick, shares[1])], shares)
        assert joined.keys() == expected.keys()
        for name, nodes in expected.items():
            assert joined[name].values.shape == nodes.values.shape
            np.testing.assert_array_equal(joined[name].times, nodes.times)
            # QuantLib's solver starts from each process's previous solution: the last bits may differ
            np.testing.assert_allclose(joined[name].values, nodes.values, rtol=0, atol=1e-13)
            # and the shares are not just the base: every bumped scenario moved some curve
        moved = [
            any(not np.array_equal(n.values[k], n.values[0]) for n in joined.values())
            for k in range(1, next(iter(joined.values())).values.shape[0])
        ]
        assert all(moved)


def test_a_share_outside_the_market_scenarios_is_refused(market: dict[str, Any]) -> None:
    curves = TickCurves()
    tick = sample_tick(market, "USD", 1)
    count = len(curves.prepare(tick))
    with pytest.raises(IndexError, match=f"USD has {count} scenarios"):
        curves.nodes(tick, [0, count])


def test_shares_of_different_curves_or_scenarios_do_not_join(market: dict[str, Any]) -> None:
    usd = TickCurves().nodes(sample_tick(market, "USD", 1), [0, 1])
    eur = TickCurves().nodes(sample_tick(market, "EUR", 1), [2])
    with pytest.raises(ValueError, match="different curves"):
        join_nodes([usd, eur], [[0, 1], [2]])
    whole = TickCurves().nodes(sample_tick(market, "USD", 1), [0, 1, 2])
    with pytest.raises(ValueError, match="exactly once"):
        join_nodes([usd, whole], [[0, 1], [0, 1, 2]])


def test_a_broken_tick_fails_in_prepare_and_the_market_recovers(market: dict[str, Any]) -> None:
    curves = TickCurves()
    good = sample_tick(market, "USD", 1)
    costs = curves.prepare(good)
    broken_quotes = {name: dict(q) for name, q in good.curves.items()}
    broken_quotes[next(iter(broken_quotes))]["swaption/5Y"] = 4.1
    with pytest.raises(PricingError, match="swaption"):
        curves.prepare(good.model_copy(update={"seq": 2, "curves": broken_quotes}))
    assert curves.prepare(good.model_copy(update={"seq": 3})) == costs
    assert curves.rebuilds == 2  # built, forgotten after the broken tick, built again
