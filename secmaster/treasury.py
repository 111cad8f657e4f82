"""US Treasury notes and bonds outstanding on a date, from the real auction data (``secmaster/data``).

The auction file has no coupons, so the coupon is set the way the Treasury sets it: the auction's high
yield rounded down to 1/8 %, at least 1/8 %. For the yield we take the daily par yield curve on the
first auction date at the original term: the par tenor itself for standard terms ("10-Year" -> 10 Yr),
linear interpolation between the neighbouring par tenors for other terms ("15-Year 1-Month", the
4-Year note), the nearest available tenor beyond the ends, and the last curve date on or before the
auction date (auctions on days without a curve row). Notes auctioned before the curve starts
(1990-01-02) have no yield and are skipped.

The file does not flag TIPS or FRNs; two heuristics drop the recognisable ones: TIPS (issued from
1997, terms of 5 years or more, maturing on the 15th of Jan/Apr/Jul/Oct, where nominal notes never
mature) and FRNs (2-year terms issued from 2014 that were reopened; nominal 2-year notes never are).
30-year TIPS maturing on Feb 15 cannot be told apart from nominal bonds and stay in.
"""

from __future__ import annotations

import csv
import math
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pricing.identifiers import isin_from_cusip

__all__ = [
    "AUCTIONS_FILE",
    "PAR_CURVE_FILE",
    "ParCurveHistory",
    "TreasuryNote",
    "coupon_from_yield",
    "outstanding_treasuries",
    "term_years",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
AUCTIONS_FILE = DATA_DIR / "ust_notes_bonds_from_auctions.csv"
PAR_CURVE_FILE = DATA_DIR / "ust_par_yield_curve_daily.csv"

#: Par curve columns of note and bond maturities, in years.
_PAR_TENORS = {
    "1 Yr": 1.0,
    "2 Yr": 2.0,
    "3 Yr": 3.0,
    "5 Yr": 5.0,
    "7 Yr": 7.0,
    "10 Yr": 10.0,
    "20 Yr": 20.0,
    "30 Yr": 30.0,
}
_TERM = re.compile(r"^(?:(?P<years>\d+)-Year)?\s*(?:(?P<months>\d+)-Month)?$")
_MIN_COUPON_PCT = 0.125


@dataclass(frozen=True)
class TreasuryNote:
    """One Treasury note or bond with its coupon set by the Treasury rule."""

    cusip: str
    isin: str
    security_type: str
    original_term: str
    first_auction_date: date
    issue_date: date
    maturity_date: date
    auction_yield_pct: float
    coupon_pct: float


def term_years(term: str) -> float:
    """``"10-Year"`` -> 10.0, ``"9-Year 10-Month"`` -> 9.833..."""
    match = _TERM.match(term.strip())
    if match is None or not (match["years"] or match["months"]):
        raise ValueError(f"original term {term!r} is not of the form 'N-Year M-Month'")
    return int(match["years"] or 0) + int(match["months"] or 0) / 12


def coupon_from_yield(yield_pct: float) -> float:
    """The Treasury's rule: the high yield rounded down to the nearest 1/8 %, at least 1/8 %."""
    eighths = math.floor(round(yield_pct * 8, 9))
    return max(eighths / 8, _MIN_COUPON_PCT)


class ParCurveHistory:
    """Daily par yields (percent) by date and tenor in years, read once from the Treasury file."""

    def __init__(self, path: Path = PAR_CURVE_FILE) -> None:
        self._dates: list[date] = []
        self._curves: list[dict[float, float]] = []
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                curve = {years: float(row[column]) for column, years in _PAR_TENORS.items() if row[column]}
                if curve:
                    self._dates.append(date.fromisoformat(row["date"]))
                    self._curves.append(curve)

    @property
    def first_date(self) -> date:
        return self._dates[0]

    def curve_on(self, day: date) -> tuple[date, dict[float, float]] | None:
        """The curve of the last date on or before ``day`` (None before the history starts)."""
        position = bisect_right(self._dates, day)
        if position == 0:
            return None
        return self._dates[position - 1], self._curves[position - 1]

    def yield_at(self, day: date, years: float) -> float | None:
        """The par yield for a term of ``years`` on ``day`` (see the module docstring for the rule)."""
        found = self.curve_on(day)
        if found is None:
            return None
        curve = found[1]
        tenors = sorted(curve)
        if years in curve:
            return curve[years]
        if years <= tenors[0]:
            return curve[tenors[0]]
        if years >= tenors[-1]:
            return curve[tenors[-1]]
        upper = tenors[bisect_right(tenors, years)]
        lower = tenors[bisect_right(tenors, years) - 1]
        weight = (years - lower) / (upper - lower)
        return curve[lower] + weight * (curve[upper] - curve[lower])


def _is_tips_or_frn(row: dict[str, str], issue: date, maturity: date) -> bool:
    years = term_years(row["original_term"])
    tips = issue.year >= 1997 and years >= 5 and maturity.day == 15 and maturity.month in (1, 4, 7, 10)
    frn = row["original_term"] == "2-Year" and issue.year >= 2014 and int(row["auction_count"]) > 1
    return tips or frn


@lru_cache(maxsize=1)
def _par_curves() -> ParCurveHistory:
    return ParCurveHistory()


def outstanding_treasuries(as_of: date, path: Path = AUCTIONS_FILE) -> Iterator[TreasuryNote]:
    """Nominal notes and bonds issued on or before ``as_of`` and maturing after it, by maturity then CUSIP."""
    curves = _par_curves()
    notes = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            issue = date.fromisoformat(row["original_issue_date"])
            maturity = date.fromisoformat(row["maturity_date"])
            auction = date.fromisoformat(row["first_auction_date"])
            if not (issue <= as_of < maturity and auction <= as_of) or _is_tips_or_frn(row, issue, maturity):
                continue
            auction_yield = curves.yield_at(auction, term_years(row["original_term"]))
            if auction_yield is None:
                continue
            notes.append(
                TreasuryNote(
                    cusip=row["cusip"],
                    isin=isin_from_cusip(row["cusip"]),
                    security_type=row["security_type"],
                    original_term=row["original_term"],
                    first_auction_date=auction,
                    issue_date=issue,
                    maturity_date=maturity,
                    auction_yield_pct=round(auction_yield, 6),
                    coupon_pct=coupon_from_yield(auction_yield),
                )
            )
    yield from sorted(notes, key=lambda note: (note.maturity_date, note.cusip))
