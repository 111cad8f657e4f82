"""US Treasury notes and bonds outstanding on a date, with their official terms (``secmaster/data``).

Two public-domain files of the Treasury's auction results (see ``secmaster/data/README.md``):

- ``ust_notes_bonds_from_auctions.csv``: every note and bond CUSIP auctioned 1979-2025 (the universe).
- ``ust_notes_bonds_coupons.csv``: every nominal note and bond auction 2005-2025 with its coupon (official,
  or recovered exactly from the official price, flagged ``derived_from_official_price``) and, where the
  official record has them, the dated date and the first interest payment date.

A CUSIP with a coupon record gets that coupon and the dated date of its original auction (the accrual start:
interest runs from it even when the notes are issued a day or two later). Where the record has no dated
date (the recovered years, or a CUSIP first auctioned before 2005 and only reopened since), the dated date
is the last coupon date on or before the original issue date, which is what every official record of
2010-2020 shows (a test checks this). The first coupon date is then the next coupon date, as on every
official record (none of 2005-2025 has a long first coupon).

A CUSIP first auctioned in the years the coupon file covers but absent from it is a TIPS or an FRN and is
left out. A CUSIP auctioned before (no coupon record) keeps the synthetic rule and is flagged
``derived``: the coupon the Treasury would have set, the auction's high yield rounded down to 1/8 %, at
least 1/8 %, with the yield taken from the daily par yield curve on the first auction date at the
original term (the par tenor itself for standard terms, linear interpolation between the neighbouring par
tenors for other terms, the nearest tenor beyond the ends, the last curve date on or before the auction
date); notes auctioned before the curve starts (1990-01-02) have no yield and are skipped. The universe
file does not flag TIPS or FRNs, so for these CUSIPs two heuristics drop the recognisable ones: TIPS
(issued from 1997, terms of 5 years or more, maturing on the 15th of Jan/Apr/Jul/Oct, where nominal notes
never mature) and FRNs (2-year terms issued from 2014 that were reopened; nominal 2-year notes never
are). CUSIPs with a coupon record are nominal.
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
from pricing.yields import BondTerms, coupon_grid

__all__ = [
    "AUCTIONS_FILE",
    "COUPONS_FILE",
    "PAR_CURVE_FILE",
    "CouponRecord",
    "CouponRecords",
    "ParCurveHistory",
    "TreasuryNote",
    "coupon_from_yield",
    "coupon_records",
    "first_coupon_dates",
    "outstanding_treasuries",
    "term_years",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
AUCTIONS_FILE = DATA_DIR / "ust_notes_bonds_from_auctions.csv"
PAR_CURVE_FILE = DATA_DIR / "ust_par_yield_curve_daily.csv"
COUPONS_FILE = DATA_DIR / "ust_notes_bonds_coupons.csv"

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
    """One Treasury note or bond: ``dated_date`` is when interest starts accruing (the book's issue date),
    ``issue_date`` when the original auction settled; ``derived`` when the coupon is the synthetic rule's
    (then ``auction_yield_pct`` is the par yield it came from)."""

    cusip: str
    isin: str
    security_type: str
    original_term: str
    first_auction_date: date
    issue_date: date
    dated_date: date
    first_coupon_date: date
    maturity_date: date
    coupon_pct: float
    coupon_source: str
    derived: bool
    auction_yield_pct: float | None = None


@dataclass(frozen=True)
class CouponRecord:
    """A CUSIP's coupon from the auction results, with its original auction's dates when recorded."""

    cusip: str
    coupon_pct: float
    source: str
    dated_date: date | None
    first_coupon_date: date | None


@dataclass(frozen=True)
class CouponRecords:
    """The coupon records by CUSIP and the auction dates the coupon file covers (first, last)."""

    by_cusip: dict[str, CouponRecord]
    first_auction: date
    last_auction: date

    def covers(self, auction: date) -> bool:
        return self.first_auction <= auction <= self.last_auction


def coupon_records(path: Path = COUPONS_FILE) -> CouponRecords:
    """CUSIP -> its coupon record; the dates are those of the original auction (not of a reopening)."""
    records: dict[str, CouponRecord] = {}
    auctions: list[date] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            auctions.append(date.fromisoformat(row["auction_date"]))
            original = row["reopening"] == "No" and bool(row["dated_date"])
            known = records.get(row["cusip"])
            if known is not None and (known.dated_date is not None or not original):
                continue
            records[row["cusip"]] = CouponRecord(
                cusip=row["cusip"],
                coupon_pct=float(row["interest_rate_pct"]),
                source=row["coupon_source"],
                dated_date=date.fromisoformat(row["dated_date"]) if original else None,
                first_coupon_date=date.fromisoformat(row["first_int_payment_date"]) if original else None,
            )
    return CouponRecords(records, min(auctions), max(auctions))


def first_coupon_dates(maturity: date, issue: date) -> tuple[date, date]:
    """(dated date, first coupon date) by the rule: the last semiannual coupon date on or before ``issue``
    and the next one (coupon dates counted back from maturity, end of month for month-end maturities)."""
    grid = coupon_grid(BondTerms(0.0, issue, maturity))
    return grid[0], grid[1]


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


@lru_cache(maxsize=1)
def _coupons() -> CouponRecords:
    return coupon_records()


def _note(row: dict[str, str], record: CouponRecord | None) -> TreasuryNote | None:
    issue = date.fromisoformat(row["original_issue_date"])
    maturity = date.fromisoformat(row["maturity_date"])
    auction = date.fromisoformat(row["first_auction_date"])
    dated, first = first_coupon_dates(maturity, issue)
    auction_yield: float | None = None
    if record is not None:
        coupon, source = record.coupon_pct, record.source
        dated, first = record.dated_date or dated, record.first_coupon_date or first
    else:
        if _is_tips_or_frn(row, issue, maturity):
            return None
        auction_yield = _par_curves().yield_at(auction, term_years(row["original_term"]))
        if auction_yield is None:
            return None
        coupon, source = coupon_from_yield(auction_yield), "synthetic_par_curve_rule"
    return TreasuryNote(
        cusip=row["cusip"],
        isin=isin_from_cusip(row["cusip"]),
        security_type=row["security_type"],
        original_term=row["original_term"],
        first_auction_date=auction,
        issue_date=issue,
        dated_date=dated,
        first_coupon_date=first,
        maturity_date=maturity,
        coupon_pct=coupon,
        coupon_source=source,
        derived=record is None,
        auction_yield_pct=None if auction_yield is None else round(auction_yield, 6),
    )


def outstanding_treasuries(as_of: date, path: Path = AUCTIONS_FILE) -> Iterator[TreasuryNote]:
    """Nominal notes and bonds issued on or before ``as_of`` and maturing after it, by maturity then CUSIP."""
    records = _coupons()
    notes = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            issue = date.fromisoformat(row["original_issue_date"])
            maturity = date.fromisoformat(row["maturity_date"])
            auction = date.fromisoformat(row["first_auction_date"])
            record = records.by_cusip.get(row["cusip"])
            if not (issue <= as_of < maturity and auction <= as_of):
                continue
            if record is None and records.covers(auction):
                continue  # every nominal note and bond of those years has a record: a TIPS or an FRN
            note = _note(row, record)
            if note is not None:
                notes.append(note)
    yield from sorted(notes, key=lambda note: (note.maturity_date, note.cusip))
