"""The Treasury book from the real auction data: CUSIPs, ISINs and coupons on the 1/8 grid."""

from __future__ import annotations

from datetime import date

import pytest

from pricing.identifiers import validate_cusip, validate_isin
from secmaster.seed import seed_rows
from secmaster.treasury import ParCurveHistory, coupon_from_yield, outstanding_treasuries, term_years


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
