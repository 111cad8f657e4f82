"""A deterministic generated swap book: EUR 6M IRS on the dual curve and USD SOFR OIS.

The same ``(as_of, count, seed)`` always gives the same swaps, and a longer book starts with the
shorter one (swap ``k`` depends only on ``k``, the date and the seed), so seeding more is additive.
About 60% are EUR IRS (fixed annual 30/360 against EURIBOR 6M, forecast on ``EUR-EURIBOR-6M``,
discounted on ``EUR-ESTR``) and 40% USD OIS (fixed annual ACT/360 against SOFR on ``USD-SOFR``).
A third are seasoned (started up to five years before ``as_of``, so they need past fixings), the rest
start two days after ``as_of`` (moved off weekends; holidays are not checked).
Fixed rates are a plausible level for the tenor plus noise, so PVs are of a realistic size.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

__all__ = ["IRS_SHARE", "generate_swaps"]

IRS_SHARE = 0.6
_TENORS_YEARS = (2, 3, 5, 7, 10, 12, 15, 20, 30)
_NOTIONALS = (1e6, 5e6, 10e6, 25e6, 50e6, 100e6)
#: Rough level (percent) by currency: short end and slope per year of tenor, capped at 15 years.
_LEVEL = {"EUR": (2.0, 0.05), "USD": (3.6, 0.02)}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _swap(as_of: date, number: int, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{as_of.isoformat()}:{number}")
    is_irs = rng.random() < IRS_SHARE
    currency = "EUR" if is_irs else "USD"
    tenor = rng.choice(_TENORS_YEARS)
    if rng.random() < 1 / 3:
        start = _weekday(as_of - timedelta(days=rng.randint(30, 5 * 365)))
    else:
        start = _weekday(as_of + timedelta(days=2))
    maturity = _add_years(start, tenor)
    while maturity <= as_of:  # a seasoned short swap: lengthen it so that it is still alive
        tenor += 1
        maturity = _add_years(start, tenor)
    base, slope = _LEVEL[currency]
    rate = round(base + slope * min(tenor, 15) + rng.gauss(0, 0.35), 4)
    swap: dict[str, Any] = {
        "id": f"{'IRS' if is_irs else 'OIS'}-{number:06d}",
        "type": "swap" if is_irs else "ois",
        "currency": currency,
        "notional": rng.choice(_NOTIONALS),
        "side": rng.choice(("pay_fixed", "receive_fixed")),
        "fixed_rate_pct": rate,
        "start_date": start.isoformat(),
        "maturity_date": maturity.isoformat(),
        "fixed_frequency": "annual",
        "fixed_day_count": "30/360" if is_irs else "ACT/360",
    }
    if is_irs:
        swap |= {
            "float_index": "EURIBOR6M",
            "float_spread_bp": 0.0,
            "discount_curve": "EUR-ESTR",
            "forecast_curve": "EUR-EURIBOR-6M",
        }
    else:
        swap |= {"float_index": "SOFR", "discount_curve": "USD-SOFR"}
    return swap


def generate_swaps(as_of: date, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` swaps in the book format of docs/architecture.md section 5 (without ``book``)."""
    return [_swap(as_of, number, seed) for number in range(1, count + 1)]
