"""One rule set on the running API: the security master and ``POST /api/v1/price`` reject the same values
(case 16 ``book-2.json``), ISIN country prefixes, Unicode descriptions, the interpolation choice."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import PROJECT_ROOT
from pricing.identifiers import isin_check_digit

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

MARKET = json.loads((PROJECT_ROOT / "pricing" / "samples" / "market_2024-03-15.json").read_text())
SAMPLE_BOOK = json.loads((PROJECT_ROOT / "pricing" / "samples" / "book.json").read_text())
BOOK_2 = json.loads(
    (
        Path(__file__).resolve().parents[2] / "unit" / "pricing" / "cases" / "16-bad-inputs-book-2.json"
    ).read_text()
)
BREACHES = {
    "B24-isin-bad-check-digit": "isin",
    "B25-cusip-garbage": "cusip",
    "B26-coupon-25pct": "coupon_pct",
    "S11-fixed-rate-minus-8": "fixed_rate_pct",
    "S12-fixed-rate-35": "fixed_rate_pct",
}


@pytest.mark.parametrize("entry", BOOK_2["instruments"], ids=lambda entry: entry["id"])
def test_book_2_is_a_422_on_its_field_in_the_security_master(
    client: httpx.Client, payloads: dict[str, Any], entry: dict[str, Any]
) -> None:
    terms = {k: v for k, v in entry.items() if k != "id"}
    payload = payloads["bond"](**terms) if entry["type"] == "bond" else payloads["ois"](**terms)
    path = "bonds" if entry["type"] == "bond" else "swaps"
    response = client.post(f"/api/v1/instruments/{path}", json=payload)
    assert response.status_code == 422, response.text
    assert BREACHES[entry["id"]] in {str(error["loc"][-1]) for error in response.json()["detail"]}


def test_book_2_fails_each_position_naming_its_field_in_post_price(client: httpx.Client) -> None:
    response = client.post("/api/v1/price", json={"book": BOOK_2, "market": MARKET})
    assert response.status_code == 200, response.text
    for item in response.json()["instruments"]:
        assert item["ok"] is False
        assert item["error"].startswith(f"instrument {item['id']}: {BREACHES[item['id']]}: "), item


def test_isin_of_no_country_is_a_422(client: httpx.Client, payloads: dict[str, Any]) -> None:
    body = "ZZ91282CJZ5"
    response = client.post(
        "/api/v1/instruments/bonds", json=payloads["bond"](isin=body + isin_check_digit(body))
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "isin" and "ISO 3166" in error["msg"]
    international = "XS203456789"
    accepted = payloads["bond"](isin=international + isin_check_digit(international))
    assert client.post("/api/v1/instruments/bonds", json=accepted).status_code == 201


@pytest.mark.parametrize(
    "description",
    ["Desk\u00a0rates", "Rates desk \U0001f4c8", "\u200fדסק ריבית", "Zürich · 東京 \u200d", "a\u2028b"],
)
def test_descriptions_accept_unicode_text(client: httpx.Client, description: str) -> None:
    name = f"U{uuid.uuid4().hex[:10].upper()}"
    created = client.post("/api/v1/books", json={"name": name, "description": description})
    assert created.status_code == 201, created.text
    assert client.get(f"/api/v1/books/{name}").json()["description"] == description


@pytest.mark.parametrize("description", ["tab\there", "line\nbreak", "nul\u0000", "bell\u0007", "c1\u0085"])
def test_descriptions_refuse_control_characters(client: httpx.Client, description: str) -> None:
    name = f"U{uuid.uuid4().hex[:10].upper()}"
    response = client.post("/api/v1/books", json={"name": name, "description": description})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "description" and "control character" in error["msg"]


def test_post_price_takes_the_interpolation(client: httpx.Client) -> None:
    results = {}
    for interpolation in ("linear_zero", "loglinear_discount"):
        body = {"book": SAMPLE_BOOK, "market": MARKET, "interpolation": interpolation}
        response = client.post("/api/v1/price", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["interpolation"] == interpolation
        results[interpolation] = {i["id"]: i["pv"] for i in response.json()["instruments"]}
    # the 30Y bond sits between far pillars: the two interpolations must price it differently
    assert results["linear_zero"]["UST-30Y-2053"] != pytest.approx(
        results["loglinear_discount"]["UST-30Y-2053"]
    )
    default = client.post("/api/v1/price", json={"book": SAMPLE_BOOK, "market": MARKET}).json()
    assert {i["id"]: i["pv"] for i in default["instruments"]} == results["linear_zero"]
    bad = client.post("/api/v1/price", json={"book": SAMPLE_BOOK, "market": MARKET, "interpolation": "cubic"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "interpolation"
