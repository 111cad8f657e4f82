"""The engine's day state (actors/day_state.py): what a tick changes, and the exact round trip through the
``engine:day`` hash a restarted aggregator reloads."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from actors.day_state import DayState, DayStateError
from actors.partials import BookSums
from actors.pnl import BookOpen
from core.messages import CurveTick


def _tick(seq: int, market: str, rate: float, day: int = 26) -> CurveTick:
    curve, quote = ("USD-UST", "par_bond/10Y") if market == "USD" else ("EUR-ESTR", "ois/10Y")
    return CurveTick(
        seq=seq,
        market=market,  # type: ignore[arg-type]
        as_of=date(2026, 2, day),
        market_time=datetime(2026, 2, day, 10, 0, seq),
        produced_at_ns=0,
        curves={curve: {quote: rate}},
    )


def _books(pv: float, pending: int = 0, pv_change: float = 0.0) -> dict[str, BookSums]:
    sums = BookSums(pv=pv, dv01=1000.0, gamma=10.0, n_ok=2 - pending, n_pending=pending, pv_change=pv_change)
    sums.kr01["USD-UST/10Y"] = 1000.0
    return {"GOVT": sums}


def test_the_open_waits_for_every_position_then_nets_book_changes() -> None:
    first = DayState().advance(_tick(1, "USD", 4.00), 0, _books(100.0, pending=1))
    assert first.state.opens["GOVT"].incomplete
    assert first.curves_open == {"USD-UST": {"par_bond/10Y": 4.0}} and first.curves_prev_close is None
    second = first.state.advance(_tick(2, "EUR", 2.50), 0, _books(5_000.0))
    assert second.state.opens["GOVT"].pv == 5_000.0 and not second.state.opens["GOVT"].incomplete
    # +2bp on the 10Y and a trade worth 700 added: only the market move is P&L
    third = second.state.advance(_tick(3, "USD", 4.02), 0, _books(5_000.0 - 1_990.0 + 700.0, pv_change=700.0))
    assert third.state.opens["GOVT"].pv == 5_700.0
    assert third.pnl["GOVT"].actual == pytest.approx(-1_990.0)
    assert third.pnl["GOVT"].predicted == pytest.approx(-1000.0 * 2 + 0.5 * 10.0 * 4)
    assert third.changed == {"rev", "tick:USD", "curve:USD-UST", "open:GOVT"}
    assert third.state.rev == 3 and second.state.opens["GOVT"].pv == 5_000.0  # the old state is untouched


def test_a_new_day_rolls_the_close_and_the_open() -> None:
    day1 = DayState().advance(_tick(1, "USD", 4.00), 0, _books(100.0)).state
    day1 = day1.advance(_tick(2, "USD", 4.10), 0, _books(90.0)).state
    step = day1.advance(_tick(3, "USD", 4.20, day=27), 0, _books(80.0))
    assert step.curves_prev_close == {"USD-UST": {"par_bond/10Y": 4.10}}
    assert step.curves_open == {"USD-UST": {"par_bond/10Y": 4.20}}
    assert step.pnl["GOVT"].actual == 0.0 and step.state.opens["GOVT"].as_of == "2026-02-27"
    assert "day:USD" in step.changed and step.state.market_day["USD"] == "0:2026-02-27"


def test_a_rejection_stands_until_a_good_tick_of_its_market() -> None:
    state = DayState().advance(_tick(1, "USD", 4.00), 0, _books(100.0)).state
    rejected = state.reject("EUR", "EUR tick seq 2: no bootstrap")
    assert rejected.changed == {"rev", "rejected:EUR"}
    still = rejected.state.advance(_tick(3, "USD", 4.01), 0, _books(99.0))
    assert still.state.stale_reason() == "EUR tick seq 2: no bootstrap" and not still.removed
    cleared = still.state.advance(_tick(4, "EUR", 2.5), 0, _books(99.0))
    assert cleared.removed == {"rejected:EUR"} and cleared.state.stale_reason() == ""


def test_the_hash_round_trip_is_exact_and_partial_writes_take_only_what_changed() -> None:
    state = DayState().advance(_tick(1, "USD", 4.00), 0, _books(100.0, pending=1)).state
    state = state.advance(_tick(2, "EUR", 2.5), 0, _books(0.1 + 0.2)).state  # a float with a long repr
    state = state.reject("USD", "why").state
    back = DayState.from_hash(state.to_hash())
    assert back == state
    assert back.opens["GOVT"] == BookOpen(
        "2026-02-26", 0.1 + 0.2, 10.0, {"USD-UST/10Y": 1000.0},
        {"USD-UST/10Y": 4.0, "EUR-ESTR/10Y": 2.5}, False, 0,
    )  # fmt: skip
    assert set(state.to_hash({"rev", "tick:EUR"})) == {"rev", "tick:EUR"}
    assert DayState.from_hash({}) == DayState()


def test_a_foreign_or_malformed_field_is_named() -> None:
    with pytest.raises(DayStateError, match="'colour' is not part"):
        DayState.from_hash({"colour": "blue"})
    with pytest.raises(DayStateError, match="'open:GOVT' does not parse"):
        DayState.from_hash({"open:GOVT": "{not json"})
