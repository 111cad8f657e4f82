"""Concurrent edits of one instrument over HTTP (issue 19, part 3): real simultaneous PATCHes on the Serve
app and PostgreSQL never store a row that no rule checked, never lose an acknowledged write, and the
change events carry what was stored. ``If-Match`` turns a write based on a stale read into a 412."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.ray, pytest.mark.kafka]

TRIES = 30
ZERO_COUPON = {"coupon_pct": 0, "frequency": "once"}
ANNUAL = {"frequency": "annual"}
RESET = {"coupon_pct": 4.0, "frequency": "semiannual"}


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together by a barrier (each thread has its own connection)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _patcher(serve_url: str, token: str, path: str, body: dict[str, Any]) -> Callable[[], httpx.Response]:
    def call() -> httpx.Response:
        with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            return c.patch(path, json=body)

    return call


def _valid_bond(row: dict[str, Any]) -> bool:
    return (row["coupon_pct"] == 0) == (row["frequency"] == "once")


def test_concurrent_patches_store_only_valid_rows_and_lose_no_acknowledged_write(
    client: httpx.Client, serve_url: str, token: str, payloads: dict[str, Any], event_tap: Any
) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"](coupon_pct=4.0)).json()
    path = f"/api/v1/instruments/{bond['id']}"
    outcomes = []
    for _ in range(TRIES):
        assert client.patch(path, json=RESET).status_code == 200
        zero, annual = _at_once(
            [_patcher(serve_url, token, path, ZERO_COUPON), _patcher(serve_url, token, path, ANNUAL)]
        )
        stored = client.get(path).json()
        assert _valid_bond(stored), stored
        # the zero-coupon patch is valid on any stored state: it is always applied, and always last
        # (applied first, it leaves no valid state for "annual", which must then be refused)
        assert zero.status_code == 200, zero.text
        assert (stored["coupon_pct"], stored["frequency"]) == (0, "once")
        assert annual.status_code in (200, 422), annual.text
        if annual.status_code == 200:  # acknowledged: it was stored, before the zero-coupon patch
            assert (annual.json()["coupon_pct"], annual.json()["frequency"]) == (4.0, "annual")
        else:
            assert "frequency" in annual.text
        outcomes.append(annual.status_code)

    events = [e for e in event_tap.events() if e["key"] == bond["id"] and e["type"] == "updated"]
    stored_states = [(e["data"]["coupon_pct"], e["data"]["frequency"]) for e in events]
    assert all((coupon == 0) == (frequency == "once") for coupon, frequency in stored_states)
    # per try: the reset (a no-op on the new bond), then "annual" if it was acknowledged, then the zero coupon
    assert len(events) == (TRIES - 1) + outcomes.count(200) + TRIES
    assert stored_states[-1] == (0, "once")


def test_concurrent_patches_of_different_fields_keep_every_acknowledged_value(
    client: httpx.Client, serve_url: str, token: str, payloads: dict[str, Any]
) -> None:
    swap = client.post("/api/v1/instruments/swaps", json=payloads["swap"]()).json()
    path = f"/api/v1/instruments/{swap['id']}"
    changes = [
        {"notional": 12_000_000},
        {"fixed_rate_pct": 2.75},
        {"float_spread_bp": 12.5},
        {"side": "receive_fixed"},
        {"maturity_date": "2035-06-20"},
    ]
    responses = _at_once([_patcher(serve_url, token, path, change) for change in changes])
    assert [response.status_code for response in responses] == [200] * len(changes)
    stored = client.get(path).json()
    for change in changes:
        for field, value in change.items():
            assert stored[field] == value, (field, stored)


def test_if_match_refuses_a_write_based_on_a_stale_read(
    client: httpx.Client, payloads: dict[str, Any]
) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    path = f"/api/v1/instruments/{bond['id']}"
    first_read = client.get(path)
    etag = first_read.headers["ETag"]
    assert etag.startswith('"') and client.get(path).headers["ETag"] == etag

    changed = client.patch(path, json={"coupon_pct": 4.75}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] != etag == first_read.headers["ETag"]
    assert client.get(path).headers["ETag"] == changed.headers["ETag"]

    stale = client.patch(path, json={"coupon_pct": 3.0}, headers={"If-Match": etag})
    assert stale.status_code == 412 and "changed since you read it" in stale.json()["detail"]
    assert client.get(path).json()["coupon_pct"] == 4.75
    assert client.delete(path, headers={"If-Match": etag}).status_code == 412
    assert client.delete(path, headers={"If-Match": changed.headers["ETag"]}).status_code == 204
