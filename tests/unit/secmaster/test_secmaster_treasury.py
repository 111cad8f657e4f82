"""The Treasury book from the real auction data: CUSIPs, ISINs, official coupons and dated dates."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from pricing.identifiers import validate_cusip, validate_isin
from secmaster.seed import seed_rows
from secmaster.treasury import (
    COUPONS_FILE,
    ParCurveHistory,
    coupon_from_yield,
    coupon_records,
    first_coupon_dates,
    outstanding_treasuries,
    term_years,
)


@pytest.fixture(scope="module")
def notes() -> list:  # type: ignore[type-arg]
    return list(outstanding_treasuries(date(2026, 2, 27)))


def test_coupon_rule() -> None:
    assert coupon_from_yield(4.09) == 4.0
    assert coupon_from_yield(4.125) == 4.125
    assert coupon_from_yield(4.2499) == 4.125
    assert coupon_from_yield(0.04) == 0.125  # the Treasury's minimum coupon


def test_terms() -> None:
    assert term_years("10-Year") == 10
    assert term_years("9-Year 10-Month") == pytest.approx(9 + 10 / 12)
    with pytest.raises(ValueError, match="original term"):
        term_years("ten years")


def test_par_yield_lookup_uses_the_curve_of_the_auction_date() -> None:
    curves = ParCurveHistory()
    assert curves.yield_at(date(2020, 1, 2), 10) == 1.88  # DGS10 on that date
    assert curves.yield_at(date(2020, 1, 4), 10) == curves.yield_at(date(2020, 1, 3), 10)  # a Saturday
    four_year = curves.yield_at(date(2020, 1, 2), 4)
    assert (
        four_year is not None and min(curves.yield_at(date(2020, 1, 2), t) or 0 for t in (3, 5)) <= four_year
    )
    assert curves.yield_at(date(1989, 12, 29), 10) is None


def test_outstanding_book_has_real_cusips_valid_isins_and_eighths(notes: list) -> None:  # type: ignore[type-arg]
    assert len(notes) > 300
    assert len({note.cusip for note in notes}) == len(notes)
    for note in notes:
        assert validate_cusip(note.cusip) == note.cusip
        assert validate_isin(note.isin) == note.isin
        assert note.isin == f"US{note.cusip}{note.isin[-1]}"
        assert (note.coupon_pct * 8).is_integer() and note.coupon_pct >= 0.125
        assert note.issue_date <= date(2026, 2, 27) < note.maturity_date


def test_known_note_gets_its_real_coupon(notes: list) -> None:  # type: ignore[type-arg]
    by_cusip = {note.cusip: note for note in notes}
    ten_year = by_cusip["91282CJZ5"]  # 4% of February 2034
    assert ten_year.coupon_pct == 4.0
    assert ten_year.isin == "US91282CJZ59"


def test_tips_and_frns_are_left_out(notes: list) -> None:  # type: ignore[type-arg]
    for note in notes:
        assert not (note.original_term == "10-Year" and note.maturity_date.month in (1, 7))


def test_seed_rows_are_deterministic_and_additive() -> None:
    rows, treasuries = seed_rows(date(2026, 2, 27), 50)
    again, _ = seed_rows(date(2026, 2, 27), 60)
    assert rows == again[: len(rows)]
    assert {row["book"] for row in rows} == {"UST-NOTES", "UST-BONDS", "EUR-IRS", "USD-OIS"}
    assert len(rows) - treasuries == 50


def test_official_coupon_dated_date_and_first_coupon(notes: list) -> None:  # type: ignore[type-arg]
    by_cusip = {note.cusip: note for note in notes}
    # 912828YB0: 1 5/8 % note of August 2029 (official record: dated 2019-08-15, first interest 2020-02-15)
    note = by_cusip["912828YB0"]
    assert (note.coupon_pct, note.dated_date, note.first_coupon_date) == (
        1.625,
        date(2019, 8, 15),
        date(2020, 2, 15),
    )
    assert note.coupon_source == "official" and not note.derived
    # a 2-year note issued 2025-12-01, dated 2025-11-30 (month-end schedule), coupon recovered from its price
    two_year = by_cusip["91282CPL9"]
    assert two_year.dated_date == date(2025, 11, 30) and two_year.first_coupon_date == date(2026, 5, 31)
    assert two_year.coupon_source == "derived_from_official_price" and not two_year.derived


def test_the_dated_date_rule_matches_every_official_record() -> None:
    records = coupon_records()
    checked = 0
    for record in records.by_cusip.values():
        if record.dated_date is None or record.first_coupon_date is None:
            continue
        note_rows = [r for r in _coupon_rows() if r["cusip"] == record.cusip and r["reopening"] == "No"]
        issue, maturity = (
            date.fromisoformat(note_rows[0]["issue_date"]),
            date.fromisoformat(note_rows[0]["maturity_date"]),
        )
        assert first_coupon_dates(maturity, issue) == (record.dated_date, record.first_coupon_date), record
        checked += 1
    assert checked > 500


def test_only_cusips_without_a_coupon_record_are_derived(notes: list) -> None:  # type: ignore[type-arg]
    records = coupon_records()
    derived = [note for note in notes if note.derived]
    assert all(note.cusip not in records.by_cusip for note in derived)
    assert all(note.first_auction_date < records.first_auction for note in derived)
    assert 0 < len(derived) < 20  # the 30-year bonds of 1996-2001 still outstanding
    assert all(
        note.coupon_pct == records.by_cusip[note.cusip].coupon_pct for note in notes if not note.derived
    )


def _coupon_rows() -> list[dict[str, str]]:
    with COUPONS_FILE.open(newline="") as handle:
        return list(csv.DictReader(handle))
