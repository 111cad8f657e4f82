"""Intraday Brownian bridges (exact ends, seeded) and the pure send schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from market_replay import Pace, ReplayConfigError, day_quotes, generate_ticks, send_offset
from market_replay.intraday import SESSION_SECONDS, brownian_bridge, day_rng, tick_time


def test_bridge_starts_and_ends_exactly_and_a_zero_vol_is_a_straight_line() -> None:
    start, end = np.array([4.31, 2.0, 5.0]), np.array([4.35, 1.9, 5.0])
    vol = np.array([0.04, 0.04, 0.0])
    path = brownian_bridge(start, end, vol, 50, day_rng(7, "USD", date(2024, 3, 15)))
    assert path.shape == (51, 3)
    assert list(path[0]) == list(start) and list(path[-1]) == list(end)
    assert np.all(path[:, 2] == 5.0)
    assert np.ptp(path[1:-1, 0]) > 0  # it does move in between


def test_same_seed_same_path_other_seed_or_day_other_path() -> None:
    args = (np.zeros(4), np.ones(4), np.full(4, 0.04), 30)
    same = [brownian_bridge(*args, day_rng(1, "EUR", date(2024, 3, 15))) for _ in range(2)]
    assert np.array_equal(same[0], same[1])
    assert not np.array_equal(same[0], brownian_bridge(*args, day_rng(2, "EUR", date(2024, 3, 15))))
    assert not np.array_equal(same[0], brownian_bridge(*args, day_rng(1, "EUR", date(2024, 3, 14))))


def test_tick_times_span_the_local_session() -> None:
    assert tick_time("USD", date(2024, 3, 15), 0, 540) == datetime(
        2024, 3, 15, 8, tzinfo=ZoneInfo("America/New_York")
    )
    assert tick_time("EUR", date(2024, 3, 15), 540, 540) == datetime(
        2024, 3, 15, 17, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert tick_time("USD", date(2024, 3, 15), 1, 540) - tick_time(
        "USD", date(2024, 3, 15), 0, 540
    ) == timedelta(minutes=1)


def test_generated_days_start_on_the_previous_close_and_end_on_the_close() -> None:
    ticks = [
        s.tick for s in generate_ticks(date(2024, 3, 14), date(2024, 3, 15), markets=["USD"], ticks_per_day=8)
    ]
    assert len(ticks) == 16
    assert ticks[7].curves == {k: dict(v) for k, v in day_quotes("USD", date(2024, 3, 14)).curves.items()}
    assert ticks[15].curves == {k: dict(v) for k, v in day_quotes("USD", date(2024, 3, 15)).curves.items()}
    assert ticks[15].market_time.hour == 17 and ticks[8].as_of == date(2024, 3, 15)


@pytest.mark.parametrize(("speed", "expected_gap_s"), [("1x", 60.0), ("10x", 6.0), ("100x", 0.6)])
def test_send_schedule_honours_the_speed_factor(speed: str, expected_gap_s: float) -> None:
    pace = Pace.parse(speed)
    scheduled = list(generate_ticks(date(2024, 3, 14), date(2024, 3, 15), ticks_per_day=540))
    first = scheduled[0].replay_offset_s
    due = [send_offset(pace, s.replay_offset_s - first, i) for i, s in enumerate(scheduled)]
    assert due[0] == 0.0
    # USD and EUR tick k share a session time; market k+1 comes one market minute later
    usd_due = [d for d, s in zip(due, scheduled, strict=True) if s.tick.market == "USD"]
    gaps = np.diff(np.array(usd_due, dtype=float))
    assert np.allclose(gaps, expected_gap_s)
    # two trading days of 9 h each: the night takes no replay time
    assert usd_due[-1] == pytest.approx((2 * SESSION_SECONDS - 60.0) / pace.speed)  # type: ignore[operator]


def test_rate_and_max_schedules() -> None:
    assert [send_offset(Pace.parse("1x", rate=20.0), 999.0, i) for i in range(3)] == [0.0, 0.05, 0.1]
    assert send_offset(Pace.parse("max"), 123.0, 5) is None


@pytest.mark.parametrize("text", ["fast", "10", "-1x", "0x"])
def test_bad_speed_is_a_clear_error(text: str) -> None:
    with pytest.raises(ReplayConfigError):
        Pace.parse(text)


def test_generator_is_lazy_and_loops_with_increasing_seq() -> None:
    # a loop over the whole data would never end if anything were materialised
    stream = generate_ticks(date(2021, 8, 9), date(2026, 8, 5), ticks_per_day=4, first_seq=100)
    head = list(islice(stream, 20))
    assert [s.tick.seq for s in head] == list(range(100, 120))
    looped = list(
        islice(generate_ticks(date(2024, 3, 15), date(2024, 3, 15), ticks_per_day=3, loop=True), 18)
    )
    seqs = [s.tick.seq for s in looped]
    assert seqs == sorted(set(seqs))
    offsets = [s.replay_offset_s for s in looped]
    assert offsets == sorted(offsets) and offsets[-1] > offsets[5]
    assert looped[5].tick.curves == looped[11].tick.curves  # the same day again, same ticks


def test_holidays_emit_no_ticks_for_the_closed_market_only() -> None:
    ticks = [s.tick for s in generate_ticks(date(2024, 7, 4), date(2024, 7, 4), ticks_per_day=5)]
    assert {t.market for t in ticks} == {"EUR"} and len(ticks) == 5


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [(date(2024, 3, 15), date(2024, 3, 14), "after"), (date(2019, 1, 2), date(2024, 3, 14), "covers")],
)
def test_bad_ranges_fail_before_anything_is_sent(start: date, end: date, match: str) -> None:
    with pytest.raises(ReplayConfigError, match=match):
        next(generate_ticks(start, end))


def test_a_looped_replay_starts_a_new_session_on_each_wrap() -> None:
    """The engine refuses an earlier day unless a tick says a new session starts: every pass after the
    first flags each market's first tick; ``new_session`` flags the first pass too."""
    day = date(2024, 3, 15)
    looped = [s.tick for s in islice(generate_ticks(day, day, ticks_per_day=2, loop=True), 12)]
    flagged = [k for k, tick in enumerate(looped) if tick.new_session]
    assert flagged == [4, 5, 8, 9]  # 2 markets x 2 ticks per pass: the wraps at 4 and 8
    assert {looped[k].market for k in flagged[:2]} == {"USD", "EUR"}
    fresh = [s.tick for s in generate_ticks(day, day, ticks_per_day=2, new_session=True)]
    assert [t.new_session for t in fresh] == [True, True, False, False]
