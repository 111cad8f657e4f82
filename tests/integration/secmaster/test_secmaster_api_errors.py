"""Bad input never gives a 500: 422 naming the field, 401/403 for writes, 404, 409."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pricing.identifiers import isin_from_cusip

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

BOND = {
    "type": "bond", "isin": isin_from_cusip("91282CJZ5"), "currency": "USD", "face": 1_000_000,
    "coupon_pct": 4.0, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
    "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
}  # fmt: skip
SWAP = {
    "type": "swap", "currency": "EUR", "notional": 10_000_000, "side": "pay_fixed", "fixed_rate_pct": 3.1,
    "start_date": "2023-06-20", "maturity_date": "2033-06-20", "fixed_frequency": "annual",
    "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "discount_curve": "EUR-ESTR",
    "forecast_curve": "EUR-EURIBOR-6M",
}  # fmt: skip
OIS = {
    "type": "ois", "currency": "USD", "notional": 5_000_000, "side": "receive_fixed", "fixed_rate_pct": 3.8,
    "start_date": "2026-03-02", "maturity_date": "2031-03-02", "fixed_frequency": "annual",
    "fixed_day_count": "ACT/360", "float_index": "SOFR", "discount_curve": "USD-SOFR",
}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("bonds", BOND | {"isin": "US91282CJZ58"}, "isin"),
        ("bonds", BOND | {"maturity_date": "2023-01-01"}, "maturity_date"),
        ("bonds", BOND | {"currency": "XYZ"}, "currency"),
        ("bonds", BOND | {"face": -1000}, "face"),
        ("bonds", BOND | {"face": "a lot"}, "face"),
        ("bonds", BOND | {"coupon_pct": 55}, "coupon_pct"),
        ("bonds", BOND | {"issue_date": "yesterday"}, "issue_date"),
        ("bonds", {k: v for k, v in BOND.items() if k != "maturity_date"}, "maturity_date"),
        ("bonds", BOND | {"day_count": "ACT/123"}, "day_count"),
        ("bonds", BOND | {"book": "NO-SUCH-BOOK"}, "book"),
        ("swaps", SWAP | {"float_index": "LIBOR3M"}, "float_index"),
        ("swaps", SWAP | {"notional": -1}, "notional"),
        ("swaps", SWAP | {"maturity_date": "2020-06-20"}, "maturity_date"),
        ("swaps", SWAP | {"currency": "JPY"}, "currency"),
        ("swaps", OIS | {"float_index": "EURIBOR6M"}, "float_index"),
        ("swaps", OIS | {"notional": [1, 2]}, "notional"),
        ("swaps", {k: v for k, v in OIS.items() if k != "side"}, "side"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: httpx.Client, path: str, payload: dict[str, Any], field: str
) -> None:
    response = client.post(f"/api/v1/instruments/{path}", json=payload)
    assert response.status_code == 422, response.text
    fields = {str(error["loc"][-1]) for error in response.json()["detail"]}
    assert field in fields
    assert all(error["msg"] for error in response.json()["detail"])


@pytest.mark.parametrize(
    "params",
    [{"limit": 1001}, {"limit": 0}, {"offset": -1}, {"sort": "colour"}, {"type": "future"},
     {"currency": "usd"}, {"maturity_from": "2030-01-01", "maturity_to": "2020-01-01"}, {"book": "bad name"}],
)  # fmt: skip
def test_bad_query_is_422(anonymous: httpx.Client, params: dict[str, Any]) -> None:
    response = anonymous.get("/api/v1/instruments", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_malformed_json_is_422(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/instruments/bonds", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_writes_need_the_token(anonymous: httpx.Client, serve_url: str) -> None:
    assert anonymous.post("/api/v1/books", json={"name": "NOAUTH"}).status_code == 401
    wrong = anonymous.post(
        "/api/v1/books", json={"name": "NOAUTH"}, headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 403
    assert anonymous.delete("/api/v1/instruments/X").status_code == 401
    assert anonymous.get("/api/v1/books", params={"limit": 1}).status_code == 200  # reads are open


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/instruments/NOPE").status_code == 404
    assert client.patch("/api/v1/instruments/NOPE", json={"face": 1}).status_code == 404
    assert client.delete("/api/v1/instruments/NOPE").status_code == 404
    assert client.get("/api/v1/books/NOPE").status_code == 404
    assert client.get("/api/v1/books/NOPE/export").status_code == 404
    assert client.get("/api/v1/risk/books/NOPE").status_code == 404
    assert client.get("/api/v1/risk/instruments/NOPE").status_code == 404


def test_duplicate_isin_and_book_are_409(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bond = payloads["bond"]()
    assert client.post("/api/v1/instruments/bonds", json=bond).status_code == 201
    again = client.post("/api/v1/instruments/bonds", json=bond | {"id": "ANOTHER-ID"})
    assert again.status_code == 409 and "ISIN" in again.json()["detail"]
    assert client.post("/api/v1/books", json={"name": "DUP"}).status_code == 201
    assert client.post("/api/v1/books", json={"name": "DUP"}).status_code == 409


def test_update_rules_apply_to_the_merged_terms(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    early = client.patch(f"/api/v1/instruments/{bond['id']}", json={"maturity_date": "2020-01-01"})
    assert early.status_code == 422 and early.json()["detail"][0]["loc"] == ["body", "maturity_date"]
    foreign = client.patch(f"/api/v1/instruments/{bond['id']}", json={"notional": 5})
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"] == ["body", "notional"]
    other = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    clash = client.patch(f"/api/v1/instruments/{bond['id']}", json={"isin": other["isin"]})
    assert clash.status_code == 409


def test_deleting_a_held_instrument_needs_force(
    client: httpx.Client, payloads: dict[str, Any], book: str
) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"](book=book)).json()
    refused = client.delete(f"/api/v1/instruments/{bond['id']}")
    assert refused.status_code == 409 and book in refused.json()["detail"]
    assert client.delete(f"/api/v1/instruments/{bond['id']}", params={"force": True}).status_code == 204
    assert client.get(f"/api/v1/books/{book}").json()["positions"] == 0
