"""Bulk CSV bodies: unreadable ones are a clear rejection (a 422), never a server error; files as
spreadsheets save them (BOM, CRLF, ``;`` separators, decimal commas, all-empty rows) are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from secmaster import bulk
from secmaster.errors import BulkImportRejected

CASES = Path(__file__).resolve().parents[2] / "cases" / "operations"


@pytest.mark.parametrize(
    "body",
    [
        "\U00109b0f½õ\U00065e80\rV".encode(),  # found by schemathesis: a lone CR in an unquoted field
        b"type,id\n" + b"bond," + b"x" * 200_000 + b"\n",  # a field beyond the csv module's limit
    ],
)
def test_unreadable_csv_is_rejected_with_a_reason(body: bytes) -> None:
    with pytest.raises(BulkImportRejected) as excinfo:
        bulk.parse_csv(body)
    assert excinfo.value.errors[0].field in ("type", "body")


def test_carriage_returns_end_lines() -> None:
    assert bulk.parse_csv(b"type,id\rbond,B1\r") == [(1, {"type": "bond", "id": "B1"})]


def _case(name: str) -> bytes:
    return (CASES / name).read_bytes()


def test_excel_csv_with_trailing_empty_rows_keeps_only_the_bonds() -> None:
    rows = bulk.parse_csv(_case("e-trailing-empty-rows.csv"))
    assert [(number, row["id"]) for number, row in rows] == [(1, "QA-XL-6"), (2, "QA-XL-7")]
    assert rows[0][1]["coupon_pct"] == "4.0" and "" not in rows[0][1].values()


def test_semicolon_csv_with_bom_and_decimal_comma_is_read_like_the_comma_file() -> None:
    rows = bulk.parse_csv(_case("b-semicolon.csv"))
    assert len(rows) == 1
    number, row = rows[0]
    assert number == 1 and row["type"] == "bond" and row["id"] == "QA-XL-3"
    assert row["coupon_pct"] == "4.0" and row["day_count"] == "ACT/ACT-ICMA"


def test_tab_separated_csv_is_detected() -> None:
    assert bulk.parse_csv(b"type\tid\nbond\tB1\n") == [(1, {"type": "bond", "id": "B1"})]


def test_decimal_commas_are_read_only_in_semicolon_files() -> None:
    # in a comma file "4,0" is two cells; quoted it stays a string the schema refuses (never 40)
    rows = bulk.parse_csv(b'type,coupon_pct\nbond,"4,0"\n')
    assert rows == [(1, {"type": "bond", "coupon_pct": "4,0"})]


def test_empty_rows_in_the_middle_keep_the_row_numbers_of_the_file() -> None:
    rows = bulk.parse_csv(b"type,id\nbond,B1\n,\n\nbond,B2\n")
    assert [number for number, _ in rows] == [1, 4]


def test_a_header_read_as_one_column_names_the_separator() -> None:
    with pytest.raises(BulkImportRejected) as excinfo:
        bulk.parse_csv(b"type|id\nbond|B1\n")
    message = excinfo.value.errors[0].message
    assert excinfo.value.errors[0].field == "type" and "separator ','" in message and "';'" in message
