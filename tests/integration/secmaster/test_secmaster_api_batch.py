"""Batch results over HTTP: runs written by the batch storage functions, read through the Serve app."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from cluster.batch.jobs import ResultRow
from cluster.batch.store import fail_run, finish_run, start_run
from secmaster.db import SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.ray]

DAY1, DAY2 = date(2026, 7, 30), date(2026, 7, 31)


@pytest.fixture(scope="module")
def runs(sessions: SessionFactory) -> dict[str, int]:
    """An EOD run and a VaR run that succeeded, an attribution run that failed and one still running."""
    eod = start_run(sessions, "eod", {"from": "2026-07-30", "to": "2026-07-31", "book": "ALL"})
    eod_rows = [
        ResultRow(day, book, measure, "", value)
        for day in (DAY2, DAY1)
        for book in ("ALL", "GOVT")
        for measure, value in (("pv", 1e6 + day.day), ("dv01", -250.0))
    ]
    eod_rows.append(ResultRow(DAY1, "ALL", "kr01", "USD-SOFR/10Y", -120.5))
    finish_run(sessions, eod, eod_rows, {"days": 2, "first": "2026-07-30", "last": "2026-07-31"})
    var = start_run(sessions, "var", {"date": "2026-07-31", "scenarios": 2, "confidence": [0.99]})
    var_rows = [
        ResultRow(DAY2, "ALL", "var", "0.99", 900.0),
        ResultRow(DAY2, "ALL", "es", "0.99", 950.0),
        ResultRow(DAY2, "ALL", "scenario_pnl", "2026-07-29/2026-07-30", -900.0),
        ResultRow(DAY2, "ALL", "scenario_pnl", "2026-07-30/2026-07-31", 400.0),
    ]
    finish_run(sessions, var, var_rows, {"date": "2026-07-31", "worst": [{"scenario": "x", "pnl": -900.0}]})
    failed = start_run(sessions, "attribution", {"from": "2026-08-01", "to": "2026-07-01"})
    fail_run(sessions, failed, "--from 2026-08-01 is after --to 2026-07-01")
    running = start_run(sessions, "eod", {"from": "2026-07-01", "to": "2026-07-31"})
    return {"eod": eod, "var": var, "failed": failed, "running": running}


def _ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_runs_are_listed_newest_first_with_pagination(client: httpx.Client, runs: dict[str, int]) -> None:
    newest = [runs["running"], runs["failed"], runs["var"], runs["eod"]]
    first = client.get("/api/v1/batch/runs", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert page["total"] >= 4 and page["limit"] == 2 and page["offset"] == 0
    assert _ids(page) == newest[:2]
    second = client.get("/api/v1/batch/runs", params={"limit": 2, "offset": 2}).json()
    assert _ids(second) == newest[2:]
    failed = page["items"][1]
    assert failed["kind"] == "attribution" and failed["status"] == "failed"
    assert "after --to" in failed["error"] and failed["finished_at"] is not None and failed["summary"] is None
    assert "results" not in failed
    assert page["items"][0]["status"] == "running" and page["items"][0]["finished_at"] is None


def test_runs_filtered_by_kind(client: httpx.Client, runs: dict[str, int]) -> None:
    page = client.get("/api/v1/batch/runs", params={"kind": "eod", "limit": 1000}).json()
    assert {item["kind"] for item in page["items"]} == {"eod"}
    assert _ids(page)[:2] == [runs["running"], runs["eod"]] and page["total"] == len(page["items"])
    var = client.get("/api/v1/batch/runs", params={"kind": "var"}).json()["items"][0]
    assert var["id"] == runs["var"] and var["params"]["scenarios"] == 2


def test_run_detail_carries_its_results(client: httpx.Client, runs: dict[str, int]) -> None:
    response = client.get(f"/api/v1/batch/runs/{runs['eod']}")
    assert response.status_code == 200
    run = response.json()
    assert run["kind"] == "eod" and run["status"] == "succeeded" and run["summary"]["days"] == 2
    results = run["results"]
    assert len(results) == 9
    keys = [(r["as_of"], r["book"], r["measure"], r["key"]) for r in results]
    assert keys == sorted(keys) and keys[0] == ("2026-07-30", "ALL", "dv01", "")
    assert {
        "as_of": "2026-07-30",
        "book": "ALL",
        "measure": "kr01",
        "key": "USD-SOFR/10Y",
        "value": -120.5,
    } in (results)


def test_run_detail_narrowed_by_measure_and_book(client: httpx.Client, runs: dict[str, int]) -> None:
    path = f"/api/v1/batch/runs/{runs['eod']}"
    pv = client.get(path, params={"measure": ["pv"], "book": "GOVT"}).json()["results"]
    assert [(r["as_of"], r["value"]) for r in pv] == [("2026-07-30", 1e6 + 30), ("2026-07-31", 1e6 + 31)]
    both = client.get(path, params={"measure": ["pv", "dv01"], "book": "ALL"}).json()["results"]
    assert {r["measure"] for r in both} == {"pv", "dv01"} and len(both) == 4
    var = client.get(f"/api/v1/batch/runs/{runs['var']}", params={"measure": "scenario_pnl"}).json()
    assert [r["value"] for r in var["results"]] == [-900.0, 400.0]
    assert client.get(f"/api/v1/batch/runs/{runs['failed']}").json()["results"] == []


@pytest.mark.parametrize("run_id", ["abc", "1.5", "0", "-3", str(2**63), "%20"])
def test_a_bad_run_id_is_a_422(client: httpx.Client, run_id: str) -> None:
    assert client.get(f"/api/v1/batch/runs/{run_id}").status_code == 422


def test_an_unknown_run_is_a_404(client: httpx.Client, runs: dict[str, int]) -> None:
    response = client.get(f"/api/v1/batch/runs/{max(runs.values()) + 1000}")
    assert response.status_code == 404 and "does not exist" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"kind": "intraday"},
        {"limit": "ten"},
        {"unknown": "1"},
    ],
)
def test_bad_list_queries_are_422(anonymous: httpx.Client, params: dict[str, Any]) -> None:
    assert anonymous.get("/api/v1/batch/runs", params=params).status_code == 422


def test_bad_detail_filters_are_422(anonymous: httpx.Client, runs: dict[str, int]) -> None:
    path = f"/api/v1/batch/runs/{runs['var']}"
    assert anonymous.get(path, params={"measure": "nope"}).status_code == 422
    assert anonymous.get(path, params={"book": "bad book"}).status_code == 422
    assert anonymous.get(path).status_code == 200  # reads need no token
