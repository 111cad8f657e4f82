"""Trader formatting: separators, signs, currencies, bp, ages; missing values show as a dash."""

from __future__ import annotations

import pytest

from ui.format import (
    MISSING,
    format_age,
    format_bp,
    format_count,
    format_millis,
    format_money,
    format_rate_pct,
    format_signed_money,
    format_time,
)


def test_money_has_thousands_separators_and_currency() -> None:
    assert format_money(147_791_019.4) == "USD 147,791,019"
    assert format_money(-1_250.5, "EUR") == "EUR -1,250"
    assert format_money(159.481, decimals=2) == "USD 159.48"


def test_pnl_is_always_signed() -> None:
    assert format_signed_money(37_970.2) == "USD +37,970"
    assert format_signed_money(-800) == "USD -800"


@pytest.mark.parametrize(
    ("value", "text"),
    [(12.5, "+12.5 bp"), (-0.04, "-0.0 bp"), (1234.0, "+1,234.0 bp")],
)
def test_bp(value: float, text: str) -> None:
    assert format_bp(value) == text


def test_rates_counts_and_latencies() -> None:
    assert format_rate_pct(4.25) == "4.250%"
    assert format_count(1017.0) == "1,017"
    assert format_millis(23.75) == "23.8 ms"
    assert format_millis(1250) == "1.25 s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.42, "0.4 s"), (45.9, "45 s"), (185, "3 min 05 s"), (7620, "2 h 07 min"), (-3, "0.0 s")],
)
def test_age(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


def test_missing_values_are_a_dash() -> None:
    formatters = (format_money, format_signed_money, format_bp, format_rate_pct, format_count)
    assert {f(None) for f in formatters} | {format_millis(None), format_age(None)} == {MISSING}


def test_one_time_format_with_its_zone() -> None:
    assert format_time("2026-02-02T14:12:00-05:00") == "2026-02-02 19:12:00 UTC"
    assert format_time("2026-02-02T18:26:00+00:00") == "2026-02-02 18:26:00 UTC"
    assert format_time("2026-07-31T18:02:03.123456+00:00") == "2026-07-31 18:02:03 UTC"
    assert format_time("2026-02-02T18:26:00") == "2026-02-02 18:26:00 UTC"
    assert format_time(None) == MISSING and format_time("") == MISSING
    assert format_time("soon") == "soon"
