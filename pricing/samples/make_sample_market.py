"""Build ``market_2024-03-15.json`` from the real series in ``../shared/data`` (rules in README.md).

Run from the repository root: ``python pricing/samples/make_sample_market.py [--data DIR] [--as-of DATE]``.
Standard library only; deterministic.
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

UST_COLUMNS = {
    "1M": "1 Mo",
    "2M": "2 Mo",
    "3M": "3 Mo",
    "4M": "4 Mo",
    "6M": "6 Mo",
    "1Y": "1 Yr",
    "2Y": "2 Yr",
    "3Y": "3 Yr",
    "5Y": "5 Yr",
    "7Y": "7 Yr",
    "10Y": "10 Yr",
    "20Y": "20 Yr",
    "30Y": "30 Yr",
}
MONTHS = {
    "1W": 0.25,
    "1M": 1,
    "2M": 2,
    "3M": 3,
    "4M": 4,
    "6M": 6,
    "1Y": 12,
    "18M": 18,
    "2Y": 24,
    "3Y": 36,
    "5Y": 60,
    "7Y": 84,
    "10Y": 120,
    "15Y": 180,
    "20Y": 240,
    "30Y": 360,
}
#: UST par yield minus SOFR OIS, bp (swap spreads; ``None``: the SOFR fixing itself)
SOFR_SPREAD_BP = {
    "1W": None,
    "1M": None,
    "3M": 5,
    "6M": 5,
    "1Y": 10,
    "2Y": 20,
    "3Y": 25,
    "5Y": 30,
    "7Y": 35,
    "10Y": 40,
    "15Y": 50,
    "20Y": 70,
    "30Y": 80,
}
#: ESTR OIS minus ECB AAA spot, bp, at the ECB tenors; ``None``: the ESTR fixing itself
ESTR_SPREAD_BP = {"1W": None, "1M": None, "3M": 5, "6M": 8, "1Y": 10, "2Y": 8, "5Y": 10, "10Y": 8}
#: beyond 10Y (no ECB tenor): ESTR OIS = ESTR OIS 10Y + this, bp
ESTR_LONG_END_BP = {"15Y": 5, "20Y": 0, "30Y": -15}
#: EURIBOR 6M quote minus ESTR OIS of the same end tenor, bp (6M deposit, FRAs, swaps)
EURIBOR_BASIS_BP = {
    "6M": 12,
    "6X12": 15,
    "12X18": 15,
    "2Y": 15,
    "3Y": 14,
    "5Y": 12,
    "7Y": 11,
    "10Y": 10,
    "15Y": 9,
    "20Y": 8,
    "30Y": 7,
}
FIXING_DAYS = 400


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _interpolate(points: dict[str, float], tenor: str) -> float:
    known = sorted((MONTHS[t], v) for t, v in points.items())
    x = MONTHS[tenor]
    if x <= known[0][0]:
        return known[0][1]
    for (x0, y0), (x1, y1) in pairwise(known):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return known[-1][1]


def build(data: Path, as_of: date) -> dict[str, object]:
    day = as_of.isoformat()
    ust_row = next(r for r in _rows(data / "ust_par_yield_curve_daily.csv") if r["date"] == day)
    ust = {t: float(ust_row[c]) for t, c in UST_COLUMNS.items() if ust_row[c]}
    aaa_row = next(r for r in _rows(data / "ecb_aaa_spot_curve_daily.csv") if r["date"] == day)
    aaa = {t: float(aaa_row[f"SR_{t}"]) for t in ("3M", "6M", "1Y", "2Y", "5Y", "10Y")}
    first = as_of - timedelta(days=FIXING_DAYS)
    sofr = {
        r["date"]: float(r["sofr_pct"])
        for r in _rows(data / "sofr_daily.csv")
        if first.isoformat() <= r["date"] <= day
    }
    estr = {
        r["date"]: float(r["estr_pct"])
        for r in _rows(data / "estr_daily.csv")
        if first.isoformat() <= r["date"] <= day
    }
    derived: list[str] = []

    def quote(curve: str, instrument: str, tenor: str, rate: float, is_derived: bool) -> dict[str, object]:
        if is_derived:
            derived.append(f"{curve}/{instrument}/{tenor}")
        return {"instrument": instrument, "tenor": tenor, "rate_pct": round(rate, 4)}

    ust_quotes = [
        quote("USD-UST", "bill" if MONTHS[t] <= 12 else "par_bond", t, r, False) for t, r in ust.items()
    ]
    sofr_quotes = [quote("USD-SOFR", "deposit", "1D", sofr[day], False)]
    for tenor, spread in SOFR_SPREAD_BP.items():
        rate = sofr[day] if spread is None else _interpolate(ust, tenor) - spread / 100
        sofr_quotes.append(quote("USD-SOFR", "ois", tenor, rate, True))
    estr_ois: dict[str, float] = {}
    for tenor, spread in ESTR_SPREAD_BP.items():
        estr_ois[tenor] = estr[day] if spread is None else aaa[tenor] + spread / 100
    for tenor in ("3Y", "7Y"):
        estr_ois[tenor] = _interpolate({t: v for t, v in estr_ois.items() if t not in ("1W", "1M")}, tenor)
    for tenor, offset in ESTR_LONG_END_BP.items():
        estr_ois[tenor] = estr_ois["10Y"] + offset / 100
    estr_ois = dict(sorted(estr_ois.items(), key=lambda item: MONTHS[item[0]]))
    estr_quotes = [quote("EUR-ESTR", "deposit", "1D", estr[day], False)]
    estr_quotes += [quote("EUR-ESTR", "ois", t, r, True) for t, r in estr_ois.items()]
    euribor_quotes = []
    for tenor, basis in EURIBOR_BASIS_BP.items():
        end = {"6X12": "1Y", "12X18": "18M"}.get(tenor, tenor)
        instrument = "deposit" if tenor == "6M" else "fra" if "X" in tenor else "swap"
        rate = _interpolate({t: v for t, v in estr_ois.items() if t not in ("1W", "1M")}, end) + basis / 100
        euribor_quotes.append(quote("EUR-EURIBOR-6M", instrument, tenor, rate, True))
    euribor_fixings = {d: round(v + EURIBOR_BASIS_BP["6M"] / 100, 3) for d, v in estr.items() if d < day}
    return {
        "as_of": day,
        "fx": {"EURUSD": 1.0890},
        "curves": [
            {"name": "USD-UST", "currency": "USD", "quotes": ust_quotes},
            {"name": "USD-SOFR", "currency": "USD", "index": "SOFR", "quotes": sofr_quotes},
            {"name": "EUR-ESTR", "currency": "EUR", "index": "ESTR", "quotes": estr_quotes},
            {
                "name": "EUR-EURIBOR-6M",
                "currency": "EUR",
                "index": "EURIBOR6M",
                "discount_curve": "EUR-ESTR",
                "quotes": euribor_quotes,
            },
        ],
        "fixings": {
            "SOFR": {d: v for d, v in sofr.items() if d < day},
            "ESTR": {d: v for d, v in estr.items() if d < day},
            "EURIBOR6M": euribor_fixings,
        },
        "derived": [*derived, "fixings/EURIBOR6M"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 3, 15))
    args = parser.parse_args()
    target = Path(__file__).with_name(f"market_{args.as_of.isoformat()}.json")
    target.write_text(json.dumps(build(args.data, args.as_of), indent=1) + "\n")


if __name__ == "__main__":
    main()
