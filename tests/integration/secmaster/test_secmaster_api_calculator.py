"""The Treasury calculator over HTTP, and the derived flag of bonds.

- ``POST /api/v1/calculator/bond`` and ``/bill`` answer the Treasury's own auction numbers; bad input is a
  422 naming the field.
- ``GET /api/v1/instruments/{id}/price`` and ``/yield`` on a bond of the security master: the calculator's
  rules on the stored terms, 404 for an unknown id, 422 naming the query field or for a swap.
- ``derived`` (terms set by a rule, not an official record) is stored and shown by the API; the seeded
  book's official terms are checked in ``test_secmaster_repository.py``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

NOTE = {
    "coupon_pct": 3.375,
    "dated_date": "2009-11-15",
    "maturity_date": "2019-11-15",
    "settle_date": "2010-01-15",
}


def test_bond_calculator_price_and_yield(anonymous: httpx.Client) -> None:
    priced = anonymous.post("/api/v1/calculator/bond", json=NOTE | {"yield_pct": 3.754})
    assert priced.status_code == 200, priced.text
    assert priced.json() == {
        "clean_price": 96.900805,
        "accrued": 0.568715,
        "dirty_price": 97.46952,
        "yield_pct": 3.754,
    }
    solved = anonymous.post("/api/v1/calculator/bond", json=NOTE | {"clean_price": 96.900805})
    assert solved.status_code == 200 and round(solved.json()["yield_pct"], 3) == 3.754


def test_bill_calculator(anonymous: httpx.Client) -> None:
    body = {"maturity_date": "2020-03-12", "settle_date": "2019-12-12", "discount_rate_pct": 1.52}
    answer = anonymous.post("/api/v1/calculator/bill", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["price"] == 99.615778 and round(answer.json()["investment_rate_pct"], 3) == 1.551


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("bond", NOTE | {"yield_pct": 3.754, "settle_date": "2020-01-15"}, "settle_date"),
        ("bond", NOTE | {"yield_pct": 3.754, "clean_price": 99.0}, "yield_pct"),
        ("bond", NOTE | {"yield_pct": 3.754, "first_coupon_date": "2010-05-16"}, "first_coupon_date"),
        ("bond", NOTE | {"yield_pct": "high"}, "yield_pct"),
        ("bond", NOTE | {"yield_pct": 3.754, "dated_date": "15/11/2009"}, "dated_date"),
        ("bill", {"maturity_date": "2020-03-12", "settle_date": "2019-12-12"}, "discount_rate_pct"),
        (
            "bill",
            {"maturity_date": "2020-03-12", "settle_date": "2020-03-13", "discount_rate_pct": 1.5},
            "settle_date",
        ),
    ],
)
def test_bad_calculator_input_is_422_naming_the_field(
    anonymous: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    answer = anonymous.post(f"/api/v1/calculator/{path}", json=body)
    assert answer.status_code == 422, answer.text
    assert field in [item["loc"][-1] for item in answer.json()["detail"]]


def test_instrument_price_and_yield(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"](
        coupon_pct=3.375, issue_date="2009-11-15", maturity_date="2019-11-15")).json()  # fmt: skip
    priced = client.get(
        f"/api/v1/instruments/{bond['id']}/price", params={"yield": 3.754, "settle": "2010-01-15"}
    )
    assert priced.status_code == 200, priced.text
    body = priced.json()
    assert (body["clean_price"], body["accrued"], body["yield_pct"]) == (96.900805, 0.568715, 3.754)
    assert 0 < body["modified_duration"] < body["macaulay_duration"] < 10
    solved = client.get(f"/api/v1/instruments/{bond['id']}/yield",
                        params={"clean_price": 96.900805, "settle": "2010-01-15"})  # fmt: skip
    assert solved.status_code == 200 and round(solved.json()["yield_pct"], 3) == 3.754


def test_instrument_calculator_errors(client: httpx.Client, payloads: dict[str, Any]) -> None:
    assert (
        client.get(
            "/api/v1/instruments/NOPE-1/price", params={"yield": 4, "settle": "2024-03-18"}
        ).status_code
        == 404
    )
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    late = client.get(f"/api/v1/instruments/{bond['id']}/price", params={"yield": 4, "settle": "2035-01-02"})
    assert late.status_code == 422 and late.json()["detail"][0]["loc"] == ["query", "settle"]
    missing = client.get(f"/api/v1/instruments/{bond['id']}/yield", params={"settle": "2025-01-02"})
    assert missing.status_code == 422 and "clean_price" in missing.text
    swap = client.post("/api/v1/instruments/swaps", json=payloads["swap"]()).json()
    refused = client.get(
        f"/api/v1/instruments/{swap['id']}/price", params={"yield": 4, "settle": "2025-01-02"}
    )
    assert refused.status_code == 422 and "only bonds have a yield" in refused.text


def test_the_api_shows_the_derived_flag(client: httpx.Client, payloads: dict[str, Any]) -> None:
    official = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    derived = client.post("/api/v1/instruments/bonds", json=payloads["bond"](derived=True)).json()
    assert official["derived"] is False and derived["derived"] is True
    assert client.get(f"/api/v1/instruments/{derived['id']}").json()["derived"] is True
