"""The dashboard against the running stack: the real engine writing Redis, the real API behind Ray Serve,
headless Chromium. The numbers shown are Redis's, they follow the engine's ticks, and a bond added through
the form moves the next tick's totals by exactly that bond's PV."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from engine_support import (
    Engine,
    combined_snapshot,
    day_ticks,
    retick,
    seed_engine_book,
    unique_isin,
    wait_relayed,
)
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from pricing import price_portfolio
from secmaster.db import SessionFactory
from ui import mount_dashboard
from ui.format import format_money

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.kafka,
    pytest.mark.ray,
    pytest.mark.slow,
]
UPDATE_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def live_dashboard(engine: Engine, serve_url: str) -> Iterator[str]:
    """The dashboard reading the engine's Redis and posting to the Serve app's API."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = mount_dashboard(FastAPI(), redis_url=engine.settings.redis_url, api_url=serve_url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the dashboard server did not start"
    yield f"http://127.0.0.1:{port}/dashboard/"
    server.should_exit = True
    thread.join(timeout=15)


def _fill(page: Page, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(value)


def test_dashboard_shows_the_engine_results_and_a_bond_added_in_the_form(
    page: Page,
    live_dashboard: str,
    engine: Engine,
    client: httpx.Client,
    sessions: SessionFactory,
    token: str,
) -> None:
    seed_engine_book(client, sessions)
    usd, eur = day_ticks(90_000, ticks_per_day=1)
    engine.send(usd)
    engine.send(eur)
    before = engine.wait_seq(eur.seq)
    page.goto(live_dashboard)
    expect(page.locator("#hl-pv")).to_have_text(format_money(float(before["pv"])), timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#hl-dv01")).to_have_text(format_money(float(before["dv01"])))

    isin = unique_isin()
    bond_id = f"UI-LIVE-{isin}"
    page.get_by_role("tab", name="Add instrument").click()
    for elem_id, value in [
        ("bond-id", bond_id),
        ("bond-isin", isin),
        ("bond-face", "25000000"),
        ("bond-coupon", "4.125"),
        ("bond-issue", "2024-02-15"),
        ("bond-maturity", "2034-02-15"),
        ("bond-book", "ENG-GOVT"),
        ("api-token", token),
    ]:
        _fill(page, elem_id, value)
    page.locator("#add-bond").click()
    expect(page.locator("#add-result")).to_contain_text(f"Created bond {bond_id}", timeout=UPDATE_TIMEOUT_MS)
    wait_relayed(sessions)

    tick = retick(usd, eur.seq + 1)
    engine.send(tick)
    after = engine.wait_seq(tick.seq)
    bond = client.get(f"/api/v1/instruments/{bond_id}").json()
    alone = price_portfolio(
        {"instruments": [{k: bond[k] for k in ("id", "type", "isin", "currency", "face", "coupon_pct",
                                               "frequency", "day_count", "issue_date", "maturity_date",
                                               "discount_curve")}]},
        combined_snapshot(usd, eur),
    )  # fmt: skip
    assert float(after["pv"]) - float(before["pv"]) == pytest.approx(alone["totals"]["pv"], rel=1e-9)
    # a trade added since the open is not market P&L: the quotes did not move, so neither does P&L
    assert float(after["pnl_open"]) == pytest.approx(float(before["pnl_open"]), abs=1e-6)
    assert float(engine.status()["latency_p95_ms"]) < 600_000  # a real latency, not a clock artefact
    page.get_by_role("tab", name="Risk").click()
    expect(page.locator("#hl-pv")).to_have_text(format_money(float(after["pv"])), timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#dv01-book-chart")).to_contain_text("ENG-GOVT")
