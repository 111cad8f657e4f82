"""Recipes: real closes, the agreed quote vocabulary, derived/stale flags, holidays and gaps."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market_replay import (
    NoMarketData,
    coverage,
    day_quotes,
    fixing_history,
    generate_ticks,
    is_market_open,
    market_fixing_history,
    recent_fixings,
)
from market_replay.rules import OIS_TENORS, SWAP_TENORS
from market_replay.series import ecb_aaa_table, estr_table, sofr_table, ust_table

OIS_KEYS = {f"ois/{t}" for t in OIS_TENORS}


def test_usd_close_is_the_real_treasury_and_sofr_data() -> None:
    quotes = day_quotes("USD", date(2024, 3, 15))
    ust = quotes.curves["USD-UST"]
    assert ust["par_bond/10Y"] == 4.31 and ust["par_bond/2Y"] == 4.72 and ust["bill/3M"] == 5.48
    assert set(ust) == {f"bill/{t}" for t in ("1M", "2M", "3M", "4M", "6M", "1Y")} | {
        f"par_bond/{t}" for t in ("2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y")
    }
    sofr = quotes.curves["USD-SOFR"]
    assert sofr["deposit/1D"] == 5.31
    assert set(sofr) == {"deposit/1D"} | OIS_KEYS
    assert {f"USD-SOFR/{k}" for k in OIS_KEYS} <= quotes.derived
    assert not any(k.startswith("USD-UST/") for k in quotes.derived)
    assert "USD-SOFR/deposit/1D" not in quotes.derived and not quotes.stale


def test_eur_close_vocabulary_and_derivation_rules() -> None:
    quotes = day_quotes("EUR", date(2024, 3, 15))
    estr, ibor = quotes.curves["EUR-ESTR"], quotes.curves["EUR-EURIBOR-6M"]
    assert estr["deposit/1D"] == 3.909
    assert set(estr) == {"deposit/1D"} | OIS_KEYS
    assert set(ibor) == {"deposit/6M"} | {f"swap/{t}" for t in SWAP_TENORS}
    # 10Y OIS = ECB AAA 10Y spot + 12bp; EURIBOR swaps = OIS + basis table
    aaa_10y = ecb_aaa_table().last_good("10Y", date(2024, 3, 15))
    assert aaa_10y is not None and estr["ois/10Y"] == pytest.approx(aaa_10y.value + 0.12)
    assert ibor["swap/10Y"] == pytest.approx(estr["ois/10Y"] + 0.16)
    assert ibor["deposit/6M"] == pytest.approx(estr["ois/6M"] + 0.25)
    assert {"FX/EURUSD/spot", "FIXINGS/EURIBOR6M/6M"} <= quotes.derived
    assert {f"EUR-EURIBOR-6M/{k}" for k in ibor} <= quotes.derived
    assert quotes.fx == {"EURUSD": 1.10}


def test_holiday_carries_the_last_close_forward_flagged_stale() -> None:
    holiday, before = date(2024, 7, 4), date(2024, 7, 3)
    assert not is_market_open("USD", holiday) and is_market_open("USD", before)
    on_holiday, last = day_quotes("USD", holiday), day_quotes("USD", before)
    assert on_holiday.curves["USD-UST"] == last.curves["USD-UST"]
    ust_keys = {f"USD-UST/{k}" for k in on_holiday.curves["USD-UST"]}
    assert ust_keys | {"USD-SOFR/deposit/1D"} <= on_holiday.stale <= on_holiday.derived


def test_a_missing_value_in_a_published_row_is_carried_and_flagged() -> None:
    # the H.15 10Y stops on 2026-07-30 while the other tenors go on
    quotes = day_quotes("USD", date(2026, 8, 4))
    assert (
        quotes.curves["USD-UST"]["par_bond/10Y"]
        == ust_table().last_good("par_bond/10Y", date(2026, 7, 30)).value
    )  # type: ignore[union-attr]
    assert quotes.stale == {"USD-UST/par_bond/10Y"}


def test_structurally_missing_tenors_are_derived_never_zero() -> None:
    day = date(2026, 3, 16)  # more than MAX_CARRY_DAYS after the last full Treasury curve (2026-02-27)
    quotes = day_quotes("USD", day)
    ust = quotes.curves["USD-UST"]
    assert "bill/1M" not in ust and "bill/4M" not in ust  # bills with no series are left out
    table = ust_table()
    full = date(2026, 2, 27)
    spread = table.last_good("par_bond/3Y", full).value - table.last_good("par_bond/2Y", full).value  # type: ignore[union-attr]
    assert ust["par_bond/3Y"] == pytest.approx(ust["par_bond/2Y"] + spread)
    for tenor in ("3Y", "5Y", "7Y", "20Y", "30Y"):
        assert f"USD-UST/par_bond/{tenor}" in quotes.derived
        assert ust[f"par_bond/{tenor}"] != 0.0
    assert "USD-UST/par_bond/2Y" not in quotes.derived and not quotes.stale


@pytest.mark.parametrize(
    ("market", "day"), [("USD", date(2018, 4, 2)), ("EUR", date(2021, 8, 6)), ("USD", date(2030, 1, 2))]
)
def test_outside_the_data_is_a_clear_error(market: str, day: date) -> None:
    with pytest.raises(NoMarketData, match="covers"):
        day_quotes(market, day)  # type: ignore[arg-type]


_SOURCE_VALUES = {
    "USD-SOFR/deposit/1D": (sofr_table(), "SOFR"),
    "EUR-ESTR/deposit/1D": (estr_table(), "ESTR"),
}


@settings(max_examples=60, deadline=None)
@given(market=st.sampled_from(["USD", "EUR"]), offset=st.integers(min_value=0, max_value=4000))
def test_every_quote_is_observed_that_day_or_flagged(market: str, offset: int) -> None:
    first, last = coverage(market)  # type: ignore[arg-type]
    day = date.fromordinal(min(first.toordinal() + offset, last.toordinal()))
    quotes = day_quotes(market, day)  # type: ignore[arg-type]
    ust = ust_table()
    for curve, values in quotes.curves.items():
        for key, rate in values.items():
            assert math.isfinite(rate)
            flag = f"{curve}/{key}"
            if flag in quotes.derived:
                continue
            # not flagged: it must be the value published for exactly that day
            if curve == "USD-UST":
                index = ust.index_at_or_before(day)
                assert ust.dates[index] == day and ust.value_on(key, index) == rate
            else:
                table, column = _SOURCE_VALUES[flag]
                observed = table.last_good(column, day)
                assert observed is not None and observed.observed_on == day and observed.value == rate


def test_fixings_tail_in_ticks_and_full_history_for_snapshots() -> None:
    day = date(2024, 3, 15)
    tail = recent_fixings("SOFR", day)
    assert len(tail) == 10 and max(tail) < day and tail[date(2024, 3, 14)] == 5.31
    history = fixing_history("SOFR", day)
    assert min(history) == date(2018, 4, 3) and max(history) == date(2024, 3, 14)
    assert set(tail.items()) <= set(history.items())
    euribor = fixing_history("EURIBOR6M", day)
    assert min(euribor) >= date(2020, 3, 31) and max(euribor) < day
    assert all(-1.0 < rate < 5.0 for rate in euribor.values())
    with pytest.raises(NoMarketData, match="known indices"):
        fixing_history("LIBOR", day)


def test_a_tick_plus_the_market_fixing_history_prices_seasoned_trades() -> None:
    from pricing import price_portfolio

    seasoned_ois = {
        "id": "OIS-SOFR", "type": "ois", "currency": "USD", "notional": 50000000, "side": "receive_fixed",
        "fixed_rate_pct": 4.8, "start_date": "2023-09-15", "maturity_date": "2026-09-15",
        "fixed_frequency": "annual", "fixed_day_count": "ACT/360", "float_index": "SOFR",
        "discount_curve": "USD-SOFR", "book": "SWAPS",
    }  # fmt: skip
    tick = next(s.tick for s in generate_ticks(date(2024, 3, 15), date(2024, 3, 15), markets=["USD"]))
    snapshot = tick.to_market_snapshot()
    assert len(snapshot["fixings"]["SOFR"]) == 10  # a tick carries only the recent tail
    snapshot["fixings"].update(market_fixing_history("USD", tick.as_of))
    result = price_portfolio({"instruments": [seasoned_ois]}, snapshot)
    assert result["instruments"][0]["ok"], result["instruments"][0]["error"]
