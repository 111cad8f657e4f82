"""Deterministic benchmark and test books (docs/architecture.md section 8) and matching synthetic fixings.

``generate_book(size, as_of, seed)`` returns book entries (the JSON of docs/architecture.md §5): about 50%
Treasury-style bonds (one in ten a bill), 30% EUR 6M IRS (dual curve) and 20% USD SOFR OIS; about 60% of
the swaps are seasoned (started before ``as_of``), so they need past fixings: the current IBOR coupon's
fixing (up to 6 months back) and the overnight fixings of the current OIS period (up to a year back).

Fixings: a real snapshot carries real fixings for at least the last 400 calendar days (the sample
``pricing/samples/market_2024-03-15.json`` does). For a synthetic snapshot, ``generate_fixings(market)``
returns flat fixings at each index's short quote for every weekday of the last ``days`` days; merge them
into the snapshot's ``fixings``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pricing.conventions import CURVES, INDICES

__all__ = ["FIXING_HISTORY_DAYS", "generate_book", "generate_fixings"]

FIXING_HISTORY_DAYS = 400
_BOND_TERMS = (2, 3, 5, 7, 10, 20, 30)
_IRS_TENORS = (2, 3, 5, 7, 10, 15, 20, 30)
_OIS_TENORS = (1, 2, 3, 5, 7, 10)


def _add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _bond(rng: random.Random, number: int, as_of: date) -> dict[str, Any]:
    face = 1_000_000.0 * rng.randint(1, 50)
    if rng.random() < 0.1:
        weeks = rng.choice((13, 26, 52))
        issue = as_of - timedelta(weeks=rng.randint(0, weeks - 2)) - timedelta(days=rng.randint(1, 6))
        maturity = issue + timedelta(weeks=weeks)
        coupon, frequency, ident = 0.0, "once", f"BILL-{number:06d}"
    else:
        term = rng.choice(_BOND_TERMS)
        while True:
            issue = date(as_of.year - rng.randint(0, min(term, 10)), rng.randint(1, 12), 15)
            maturity = _add_years(issue, term)
            if issue < as_of and maturity > as_of + timedelta(days=35):
                break
        coupon, frequency, ident = round(rng.uniform(0.25, 5.0) * 8) / 8, "semiannual", f"UST-{number:06d}"
    return {
        "id": ident,
        "type": "bond",
        "currency": "USD",
        "face": face,
        "coupon_pct": coupon,
        "frequency": frequency,
        "day_count": "ACT/ACT-ICMA",
        "issue_date": issue.isoformat(),
        "maturity_date": maturity.isoformat(),
        "discount_curve": "USD-UST",
        "book": "GOVT",
    }


def _start(rng: random.Random, as_of: date, tenor_years: int, max_back_years: int) -> date:
    if rng.random() < 0.6:
        back = rng.randint(30, 365 * min(max_back_years, tenor_years))
        start = as_of - timedelta(days=back)
        if _add_years(start, tenor_years) > as_of + timedelta(days=35):
            return start
    return as_of + timedelta(days=rng.randint(2, 40))


def _irs(rng: random.Random, number: int, as_of: date) -> dict[str, Any]:
    tenor = rng.choice(_IRS_TENORS)
    start = _start(rng, as_of, tenor, 8)
    return {
        "id": f"IRS-{number:06d}",
        "type": "swap",
        "currency": "EUR",
        "notional": 1_000_000.0 * rng.randint(1, 100),
        "side": rng.choice(("pay_fixed", "receive_fixed")),
        "fixed_rate_pct": round(rng.uniform(1.5, 3.8), 4),
        "start_date": start.isoformat(),
        "maturity_date": _add_years(start, tenor).isoformat(),
        "fixed_frequency": "annual",
        "fixed_day_count": "30/360",
        "float_index": "EURIBOR6M",
        "float_spread_bp": rng.choice((0.0, 0.0, 0.0, 5.0, -2.5)),
        "discount_curve": "EUR-ESTR",
        "forecast_curve": "EUR-EURIBOR-6M",
        "book": "SWAPS-EUR",
    }


def _ois(rng: random.Random, number: int, as_of: date) -> dict[str, Any]:
    tenor = rng.choice(_OIS_TENORS)
    start = _start(rng, as_of, tenor, 3)
    return {
        "id": f"OIS-{number:06d}",
        "type": "ois",
        "currency": "USD",
        "notional": 1_000_000.0 * rng.randint(1, 100),
        "side": rng.choice(("pay_fixed", "receive_fixed")),
        "fixed_rate_pct": round(rng.uniform(3.5, 5.2), 4),
        "start_date": start.isoformat(),
        "maturity_date": _add_years(start, tenor).isoformat(),
        "fixed_frequency": "annual",
        "fixed_day_count": "ACT/360",
        "float_index": "SOFR",
        "discount_curve": "USD-SOFR",
        "book": "SWAPS-USD",
    }


def generate_book(size: int, as_of: date, seed: int = 0) -> list[dict[str, Any]]:
    """``size`` instruments, ~50% bonds, ~30% EUR IRS, ~20% SOFR OIS; the same for the same arguments."""
    rng = random.Random(f"{seed}/{as_of.isoformat()}/{size}")
    book = []
    for number in range(size):
        draw = rng.random()
        make = _bond if draw < 0.5 else _irs if draw < 0.8 else _ois
        book.append(make(rng, number, as_of))
    return book


def generate_fixings(
    market: Mapping[str, Any], days: int = FIXING_HISTORY_DAYS
) -> dict[str, dict[str, float]]:
    """Flat fixings (percent) for every weekday of the ``days`` before the snapshot date.

    Each index of a curve in the snapshot fixes at that curve's deposit quote (its first quote if it has
    no deposit). Meant for synthetic snapshots; real snapshots carry real fixings.
    """
    as_of = date.fromisoformat(str(market["as_of"]))
    fixings: dict[str, dict[str, float]] = {}
    for curve in market["curves"]:
        index = CURVES[curve["name"]].index
        if index is None or INDICES[index].forecast_curve != curve["name"]:
            continue
        quotes = curve["quotes"]
        level = next((q["rate_pct"] for q in quotes if q["instrument"] == "deposit"), quotes[0]["rate_pct"])
        series = {}
        for back in range(1, days + 1):
            day = as_of - timedelta(days=back)
            if day.weekday() < 5:
                series[day.isoformat()] = float(level)
        fixings[index] = series
    return fixings
