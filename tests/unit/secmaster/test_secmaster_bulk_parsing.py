"""Bulk CSV bodies that the csv module cannot read are a clear rejection (a 422), never a server error."""

from __future__ import annotations

import pytest

from secmaster import bulk
from secmaster.errors import BulkImportRejected


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
