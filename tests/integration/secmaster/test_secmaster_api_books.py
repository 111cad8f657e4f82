"""Books and positions over HTTP: create, read, list, update, delete, export."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.ray]


def test_book_lifecycle(client: httpx.Client) -> None:
    assert client.post("/api/v1/books", json={"name": "LIFECYCLE", "description": "first"}).status_code == 201
    assert client.get("/api/v1/books/LIFECYCLE").json()["description"] == "first"
    updated = client.patch("/api/v1/books/LIFECYCLE", json={"description": "second"})
    assert updated.status_code == 200 and updated.json()["description"] == "second"
    listing = client.get("/api/v1/books", params={"limit": 1000}).json()
    assert "LIFECYCLE" in {item["name"] for item in listing["items"]} and listing["total"] >= 1
    assert client.delete("/api/v1/books/LIFECYCLE").status_code == 204
    assert client.get("/api/v1/books/LIFECYCLE").status_code == 404


def test_positions_lifecycle_and_export(client: httpx.Client, payloads: dict[str, Any], book: str) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    path = f"/api/v1/books/{book}/positions/{bond['id']}"
    opened = client.put(path, json={"quantity": 3})
    assert opened.status_code == 201 and opened.json()["quantity"] == 3
    changed = client.put(path, json={"quantity": 5})
    assert changed.status_code == 200 and changed.json()["instrument_type"] == "bond"

    page = client.get(f"/api/v1/books/{book}/positions").json()
    assert page["total"] == 1 and page["items"][0]["quantity"] == 5
    exported = client.get(f"/api/v1/books/{book}/export").json()["instruments"]
    assert (
        exported[0]["face"] == 1_000_000 and exported[0]["quantity"] == 5
    )  # terms per unit, signed quantity
    assert exported[0]["book"] == book and exported[0]["id"] == bond["id"]
    whole = client.get("/api/v1/books/ALL/export").json()["instruments"]
    assert any(item["id"] == bond["id"] and item["book"] == book for item in whole)

    assert client.put(path, json={"quantity": 0}).status_code == 422
    assert client.delete(path).status_code == 204
    assert client.delete(path).status_code == 404
    assert client.get(f"/api/v1/books/{book}/positions").json()["total"] == 0


def test_position_needs_existing_book_and_instrument(client: httpx.Client, book: str) -> None:
    assert client.put(f"/api/v1/books/{book}/positions/NO-SUCH", json={"quantity": 1}).status_code == 404
    assert client.put("/api/v1/books/NO-SUCH-BOOK/positions/X", json={"quantity": 1}).status_code == 404


def test_deleting_a_book_with_positions_needs_force(
    client: httpx.Client, payloads: dict[str, Any], book: str
) -> None:
    instrument = client.post("/api/v1/instruments/swaps", json=payloads["ois"](book=book)).json()
    assert client.delete(f"/api/v1/books/{book}").status_code == 409
    assert client.delete(f"/api/v1/books/{book}", params={"force": "true"}).status_code == 204
    assert client.get(f"/api/v1/instruments/{instrument['id']}").status_code == 200  # the instrument stays
