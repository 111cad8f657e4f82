"""Instruments over HTTP on the running Serve app: create, read, list, filter, paginate, update, delete."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

ENDPOINT = {
    "bond": "/api/v1/instruments/bonds",
    "swap": "/api/v1/instruments/swaps",
    "ois": "/api/v1/instruments/swaps",
}
CHANGE = {"bond": {"coupon_pct": 4.5}, "swap": {"fixed_rate_pct": 2.9}, "ois": {"notional": 7_000_000}}


@pytest.mark.parametrize("kind", ["bond", "swap", "ois"])
def test_lifecycle_of_every_type(client: httpx.Client, payloads: dict[str, Any], kind: str) -> None:
    created = client.post(ENDPOINT[kind], json=payloads[kind]())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["type"] == kind and body["created_at"] and body["updated_at"]
    instrument_id = body["id"]

    fetched = client.get(f"/api/v1/instruments/{instrument_id}")
    assert fetched.status_code == 200 and fetched.json() == body

    listed = client.get("/api/v1/instruments", params={"type": kind, "limit": 1000}).json()
    assert instrument_id in {item["id"] for item in listed["items"]}

    updated = client.patch(f"/api/v1/instruments/{instrument_id}", json=CHANGE[kind])
    assert updated.status_code == 200, updated.text
    for field, value in CHANGE[kind].items():
        assert updated.json()[field] == value

    assert client.delete(f"/api/v1/instruments/{instrument_id}").status_code == 204
    assert client.get(f"/api/v1/instruments/{instrument_id}").status_code == 404


def test_generic_create_with_explicit_id_and_book(
    client: httpx.Client, payloads: dict[str, Any], book: str
) -> None:
    response = client.post(
        "/api/v1/instruments", json=payloads["swap"](id="IRS-GENERIC-1", book=book, quantity=-2)
    )
    assert response.status_code == 201, response.text
    exported = client.get(f"/api/v1/books/{book}/export").json()["instruments"]
    # the instrument's own terms and the position's signed quantity (a short is exactly minus the long)
    assert exported == [
        payloads["swap"](id="IRS-GENERIC-1", book=book, quantity=-2.0, float_spread_bp=0.0)
        | {"notional": 10_000_000.0, "side": "pay_fixed", "fixed_rate_pct": 3.1}
    ]


def test_filters_sort_and_pagination(client: httpx.Client, payloads: dict[str, Any], book: str) -> None:
    maturities = ["2030-05-15", "2031-05-15", "2032-05-15", "2033-05-15", "2034-05-15"]
    ids = []
    for maturity in maturities:
        created = client.post(ENDPOINT["bond"], json=payloads["bond"](maturity_date=maturity, book=book))
        ids.append(created.json()["id"])
    ois = client.post(ENDPOINT["swap"], json=payloads["ois"](book=book)).json()  # matures 2031-03-02

    bonds_in_book = {"book": book, "type": "bond", "currency": "USD"}
    first = client.get(
        "/api/v1/instruments", params=bonds_in_book | {"limit": 2, "sort": "-maturity_date"}
    ).json()
    assert first["total"] == 5 and first["limit"] == 2 and first["offset"] == 0
    assert [item["maturity_date"] for item in first["items"]] == ["2034-05-15", "2033-05-15"]
    last = client.get(
        "/api/v1/instruments", params=bonds_in_book | {"limit": 2, "offset": 4, "sort": "-maturity_date"}
    )
    assert [item["id"] for item in last.json()["items"]] == [ids[0]]

    window = {
        "book": book,
        "maturity_from": "2031-01-01",
        "maturity_to": "2033-12-31",
        "sort": "maturity_date",
    }
    ranged = client.get("/api/v1/instruments", params=window).json()
    assert [item["id"] for item in ranged["items"]] == [ois["id"], ids[1], ids[2], ids[3]]
    assert ranged["total"] == 4

    assert client.get("/api/v1/instruments", params={"book": book, "currency": "EUR"}).json()["total"] == 0


def test_zero_coupon_bond(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bill = payloads["bond"](
        coupon_pct=0, frequency="once", issue_date="2026-01-02", maturity_date="2026-07-02"
    )
    response = client.post(ENDPOINT["bond"], json=bill)
    assert response.status_code == 201 and response.json()["frequency"] == "once"


def test_bulk_import_json_and_csv(client: httpx.Client, payloads: dict[str, Any], book: str) -> None:
    rows = [payloads["bond"](book=book), payloads["swap"](book=book), payloads["ois"]()]
    response = client.post("/api/v1/instruments/bulk", json={"instruments": rows})
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 3

    bond, other = payloads["bond"](), payloads["bond"]()
    header = (
        "type,isin,currency,face,coupon_pct,frequency,day_count,issue_date,maturity_date,discount_curve,book"
    )
    lines = [header] + [
        f"bond,{row['isin']},USD,1000000,4.25,semiannual,ACT/ACT-ICMA,2025-02-15,2035-02-15,USD-UST,{book}"
        for row in (bond, other)
    ]
    csv_response = client.post(
        "/api/v1/instruments/bulk", content="\n".join(lines) + "\n", headers={"Content-Type": "text/csv"}
    )
    assert csv_response.status_code == 201, csv_response.text
    assert client.get(f"/api/v1/books/{book}").json()["positions"] == 4


def test_bulk_import_is_all_or_nothing_with_a_row_report(
    client: httpx.Client, payloads: dict[str, Any]
) -> None:
    good = payloads["bond"]()
    rows = [good, payloads["bond"](isin="US91282CJZ58"), payloads["swap"](notional=-1), good]
    response = client.post("/api/v1/instruments/bulk", json={"instruments": rows})
    assert response.status_code == 422
    report = {(error["row"], error["field"]) for error in response.json()["errors"]}
    assert report == {(2, "isin"), (3, "notional"), (4, "isin")}
    found = client.get("/api/v1/instruments", params={"limit": 1000}).json()["items"]
    assert good["isin"] not in {item.get("isin") for item in found}


def test_bulk_import_of_only_duplicates_is_409(client: httpx.Client, payloads: dict[str, Any]) -> None:
    bond = payloads["bond"]()
    assert client.post(ENDPOINT["bond"], json=bond).status_code == 201
    response = client.post("/api/v1/instruments/bulk", json=[bond])
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "isin"


def test_openapi_docs_health_and_metrics(anonymous: httpx.Client) -> None:
    assert anonymous.get("/docs").status_code == 200
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert {"/api/v1/instruments", "/api/v1/books/{book}/export", "/api/v1/instruments/bulk"} <= set(paths)
    health = anonymous.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    metrics = anonymous.get("/metrics")
    assert metrics.status_code == 200 and "risk_http_requests_total" in metrics.text
