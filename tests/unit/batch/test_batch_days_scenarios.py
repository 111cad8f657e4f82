"""Business days with data, historical moves and shifted snapshots (no services)."""

from __future__ import annotations

from datetime import date

import pytest

from cluster.batch.days import business_days, business_days_before, check_business_day, markets_on
from cluster.batch.errors import BadRequest
from cluster.batch.jobs import var_days
from cluster.batch.scenarios import closing_quotes, historical_moves, quote_ids, shift_snapshot
from market_replay import market_snapshot
from pricing import parse_market


def test_business_days_skip_weekends_and_bad_ranges_say_why() -> None:
    assert business_days(date(2026, 7, 30), date(2026, 8, 3)) == [
        date(2026, 7, 30),
        date(2026, 7, 31),
        date(2026, 8, 3),
    ]
    with pytest.raises(BadRequest, match="is after"):
        business_days(date(2026, 7, 31), date(2026, 7, 1))
    with pytest.raises(BadRequest, match="no business day"):
        business_days(date(2026, 8, 1), date(2026, 8, 2))
    with pytest.raises(BadRequest, match="the data covers 2018-04-03 to 2026-08-05"):
        business_days(date(2027, 1, 1), date(2027, 2, 1))
    with pytest.raises(BadRequest, match="weekend or market holiday"):
        check_business_day(date(2026, 8, 1))


def test_markets_follow_their_coverage() -> None:
    assert markets_on(date(2019, 6, 3)) == ("USD",)
    assert markets_on(date(2024, 6, 3)) == ("USD", "EUR")


def test_var_days_are_n_plus_one_business_days_ending_on_the_date() -> None:
    days = var_days(date(2026, 7, 31), 500)
    assert len(days) == 501 and days[-1] == date(2026, 7, 31)
    assert all(d.weekday() < 5 for d in days) and days == sorted(set(days))
    with pytest.raises(BadRequest, match="business days of history"):
        business_days_before(date(2018, 4, 10), 30)
    with pytest.raises(BadRequest, match="--scenarios"):
        var_days(date(2026, 7, 31), 0)


def test_a_move_is_the_quote_change_between_consecutive_days_applied_to_every_quote_of_today() -> None:
    today = parse_market(market_snapshot(date(2024, 3, 15)))
    days = [date(2024, 3, 13), date(2024, 3, 14)]
    (move,) = historical_moves(days, quote_ids(today))
    before, after = closing_quotes(days[0]), closing_quotes(days[1])
    assert move.label == "2024-03-13/2024-03-14" and move.skipped == 0
    shifted = shift_snapshot(today, move.shifts)
    assert shifted.quote_set == today.quote_set and shifted.fixings is today.fixings
    for curve, moved in zip(today.curves, shifted.curves, strict=True):
        for quote, new in zip(curve.quotes, moved.quotes, strict=True):
            key = (curve.name, quote.instrument, quote.tenor)
            assert new.rate - quote.rate == pytest.approx((after[key] - before[key]) / 100.0, abs=1e-15)


def test_quotes_missing_on_either_day_are_not_moved_and_are_counted() -> None:
    today = parse_market(market_snapshot(date(2024, 3, 15)))
    # EUR data starts on 2021-08-09: a move out of 2021-08-06 has no EUR quotes the day before
    (move,) = historical_moves([date(2021, 8, 6), date(2021, 8, 9)], quote_ids(today))
    ids = quote_ids(today)
    eur = [key for key in ids if key[0].startswith("EUR-")]
    assert not any(key in move.shifts for key in eur)
    assert move.skipped == len(ids) - len(move.shifts) >= len(eur)  # also USD tenors not quoted in 2021
