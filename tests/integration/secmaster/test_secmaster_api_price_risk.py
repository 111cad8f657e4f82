"""Ad-hoc pricing of an exported book and the live-risk reads from Redis."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from core.config import PROJECT_ROOT, Settings
from core.keys import book_kr01_key, book_summary_key, instrument_risk_key
from core.records import BookSummaryRecord, InstrumentRiskRecord

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

MARKET = json.loads((PROJECT_ROOT / "pricing" / "samples" / "market_2024-03-15.json").read_text())


def test_exported_book_prices(client: httpx.Client, payloads: dict[str, Any], book: str) -> None:
    client.post("/api/v1/instruments/bonds", json=payloads["bond"](book=book, quantity=2))
    client.post("/api/v1/instruments/swaps", json=payloads["swap"](book=book))
    exported = client.get(f"/api/v1/books/{book}/export").json()
    response = client.post("/api/v1/price", json={"book": exported, "market": MARKET, "engine": "fast"})
    assert response.status_code == 200, response.text
    results = response.json()["instruments"]
    assert len(results) == 2 and all(result["ok"] for result in results), results


def test_broken_market_is_422(client: httpx.Client) -> None:
    broken = MARKET | {"curves": [{"name": "USD-UST", "quotes": []}]}
    response = client.post("/api/v1/price", json={"book": {"instruments": []}, "market": broken})
    assert response.status_code == 422 and response.json()["detail"]


def test_a_market_without_the_fx_rate_of_a_valued_currency_is_422_naming_the_pairs(
    client: httpx.Client, payloads: dict[str, Any], book: str
) -> None:
    client.post("/api/v1/instruments/swaps", json=payloads["swap"](book=book))
    exported = client.get(f"/api/v1/books/{book}/export").json()
    currency = exported["instruments"][0]["currency"]
    assert currency != "USD"  # the sample swap is EUR: its total needs EURUSD
    response = client.post("/api/v1/price", json={"book": exported, "market": MARKET | {"fx": {}}})
    assert response.status_code == 422, response.text
    assert f"add {currency}USD (USD per {currency}) or USD{currency}" in response.json()["detail"]


@pytest.fixture
def risk_keys(settings: Settings) -> Iterator[tuple[redis.Redis, str]]:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    name = f"TEST{uuid.uuid4().hex[:8].upper()}"
    yield client, name
    client.delete(book_summary_key(name), book_kr01_key(name), instrument_risk_key(name))
    client.close()


@pytest.mark.redis
def test_risk_reads_redis(anonymous: httpx.Client, risk_keys: tuple[redis.Redis, str]) -> None:
    client, name = risk_keys
    assert anonymous.get(f"/api/v1/risk/books/{name}").status_code == 404
    summary = BookSummaryRecord(
        pv=1250.5, dv01=-3.2, gamma=0.5, pnl_open=0.0, pnl_predicted=0.0, pnl_residual=0.0, n_ok=1,
        n_failed=0, n_pending=0, seq=7, market="USD", market_time="2024-03-15T16:00", as_of="2024-03-15",
        computed_at=1.0, latency_ms=12.5, stale=False,
    )  # fmt: skip
    client.hset(book_summary_key(name), mapping=summary.to_hash())  # type: ignore[arg-type]
    client.hset(book_kr01_key(name), mapping={"USD-UST/10Y": "-2.5"})
    row = InstrumentRiskRecord(
        name, name, "bond", "USD", True, "", 10.0, -1.0, 0.01, {"USD-UST/10Y": -1.0}, 7, "2024-03-15T16:00"
    )
    client.hset(instrument_risk_key(name), mapping=row.to_hash())  # type: ignore[arg-type]
    body = anonymous.get(f"/api/v1/risk/books/{name}").json()
    assert body["summary"]["pv"] == 1250.5 and body["summary"]["market_time"] == "2024-03-15T16:00"
    assert body["summary"]["stale"] is False and body["summary"]["n_ok"] == 1
    assert body["kr01"] == {"USD-UST/10Y": -2.5}
    risk = anonymous.get(f"/api/v1/risk/instruments/{name}").json()["risk"]
    assert risk["pv"] == 10.0 and risk["ok"] is True and risk["kr01"] == {"USD-UST/10Y": -1.0}


@pytest.mark.redis
def test_an_instrument_in_two_books_answers_with_each_positions_risk(
    client: httpx.Client, payloads: dict[str, Any], risk_keys: tuple[redis.Redis, str]
) -> None:
    """The engine keys a position ``{id}@{book}`` when its instrument is in several books; the risk API
    answers for the instrument's own id with the risk of each of its positions (a short one included)."""
    redis_client, name = risk_keys
    books = [f"{name}L", f"{name}S"]
    for book in books:
        assert client.post("/api/v1/books", json={"name": book, "description": "risk"}).status_code == 201
    ident = f"{name}-BOND"
    created = client.post(
        "/api/v1/instruments/bonds", json=payloads["bond"](id=ident, book=books[0], quantity=3)
    )
    assert created.status_code == 201, created.text
    short = client.put(f"/api/v1/books/{books[1]}/positions/{ident}", json={"quantity": -3})
    assert short.status_code == 201, short.text
    assert client.get(f"/api/v1/risk/instruments/{ident}").status_code == 404  # nothing computed yet
    for book, sign in zip(books, (1, -1), strict=True):
        row = InstrumentRiskRecord(
            f"{ident}@{book}", book, "bond", "USD", True, "", sign * 3e6, sign * -2_400.0, sign * 25.0,
            {"USD-UST/10Y": sign * -2_400.0}, 9, "2024-03-15T16:00",
        )  # fmt: skip
        redis_client.hset(instrument_risk_key(row.id), mapping=row.to_hash())  # type: ignore[arg-type]
    try:
        body = client.get(f"/api/v1/risk/instruments/{ident}").json()
        assert body["id"] == ident and "risk" not in body
        by_book = {p["book"]: p for p in body["positions"]}
        assert set(by_book) == set(books)
        assert by_book[books[1]]["pv"] == -by_book[books[0]]["pv"] and by_book[books[1]]["ok"] is True
    finally:
        redis_client.delete(*(instrument_risk_key(f"{ident}@{book}") for book in books))
