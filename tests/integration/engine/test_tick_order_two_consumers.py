"""The tick-order tests of ``test_tick_order.py`` on an engine with two consumers (one market each): the
ordering, duplicate and session rules hold when a market's ticks and the other market's are consumed by
different consumers, which learn each other's positions and sessions from ``engine:order``."""

from __future__ import annotations

import pytest
import test_tick_order as one_consumer

# collected here again, on this module's engine, in the order of test_tick_order.py (its waits rely on the
# seqs of the earlier tests being lower)
seeded = one_consumer.seeded
test_ticks_are_ordered_per_market_by_day_and_time_not_by_seq = (
    one_consumer.test_ticks_are_ordered_per_market_by_day_and_time_not_by_seq
)
test_a_new_session_goes_back_to_an_earlier_day_with_a_fresh_pnl_open = (
    one_consumer.test_a_new_session_goes_back_to_an_earlier_day_with_a_fresh_pnl_open
)
test_the_looped_replay_wraps_back_to_its_first_day = (
    one_consumer.test_the_looped_replay_wraps_back_to_its_first_day
)


@pytest.fixture(scope="module")
def engine_consumers() -> int:
    return 2
