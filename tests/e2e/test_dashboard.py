"""The dashboard in headless Chromium: it shows Redis's numbers, follows new ticks, marks stale data, and
adds a bond through the real HTTP API whose risk then shows in the next tick's totals."""

from __future__ import annotations

import secrets
from datetime import date

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from cluster.batch.jobs import ResultRow
from cluster.batch.store import fail_run, finish_run, start_run
from core.config import PROJECT_ROOT, Settings
from core.keys import ALL_BOOKS, ENGINE_STATUS, book_summary_key
from pricing.identifiers import cusip_check_digit, isin_from_cusip
from secmaster.db import SessionFactory
from secmaster.models import BatchResult, BatchRun
from tests.e2e.ticks import STANDARD_BOOK, Position, write_tick
from ui.format import format_age, format_count, format_millis, format_money, format_signed_money

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
#: Long enough for a loaded two-core machine; the page refreshes every two seconds.
UPDATE_TIMEOUT_MS = 20_000


def _open(page: Page, dashboard_url: str) -> None:
    page.goto(dashboard_url)
    # the first refresh renders the headline: on a loaded machine it takes longer than expect's 5 s default
    expect(page.locator("#status-banner")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)


def _expect_headline(page: Page, client: redis.Redis, book: str = ALL_BOOKS) -> dict[str, str]:
    summary = client.hgetall(book_summary_key(book))
    expected = {
        "#hl-pv": format_money(float(summary["pv"])),
        "#hl-dv01": format_money(float(summary["dv01"])),
        "#hl-gamma": format_money(float(summary["gamma"]), decimals=2),
        "#hl-pnl": format_signed_money(float(summary["pnl_open"])),
        "#hl-p95": format_millis(float(client.hget(ENGINE_STATUS, "latency_p95_ms") or "nan")),
    }
    for selector, text in expected.items():
        expect(page.locator(selector)).to_have_text(text, timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#hl-market-time")).to_have_attribute("data-value", summary["market_time"])
    return summary


def _fill(page: Page, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(value)


def test_numbers_equal_redis_and_follow_new_ticks(
    page: Page, dashboard_url: str, redis_client: redis.Redis
) -> None:
    write_tick(redis_client, seq=41, market_time="2024-03-15T10:30:00-04:00")
    _open(page, dashboard_url)
    first = _expect_headline(page, redis_client)
    banner = page.locator("#status-banner")
    # market time (one format, in UTC, saying so) and age; never the tick's seq
    expect(banner).to_contain_text("LIVE · market time 2024-03-15 14:30:00 UTC · ")
    expect(banner).to_contain_text(" s ago")
    expect(page.locator("#hl-market-time")).to_have_text("2024-03-15 14:30:00 UTC")
    top = page.locator("#top-contributors")
    expect(top).to_contain_text("UST-10Y")
    biggest = redis_client.zrevrange("risk:ALL:dv01_rank", 0, 0, withscores=True)[0]
    expect(top).to_contain_text(format_money(biggest[1]))
    page.get_by_role("tab", name="Engine").click()
    status = redis_client.hgetall(ENGINE_STATUS)
    expect(page.locator("#eh-ticks-processed")).to_have_text(format_count(float(status["ticks_processed"])))
    expect(page.locator("#eh-ticks-dlq")).to_have_text(status["ticks_dlq"])
    expect(page.locator("#eh-consumer-lag")).to_have_text(status["consumer_lag"])

    write_tick(redis_client, seq=42, market_time="2024-03-15T10:31:00-04:00")
    expect(banner).to_contain_text("market time 2024-03-15 14:31:00 UTC", timeout=UPDATE_TIMEOUT_MS)
    second = _expect_headline(page, redis_client)
    assert second["pv"] != first["pv"]
    expect(page.locator("#eh-ticks-processed")).to_have_text(
        format_count(float(status["ticks_processed"]) + 1)
    )
    page.get_by_role("tab", name="Risk").click()


def test_stale_tick_rejected_curve_and_derived_quotes_are_marked(
    page: Page, dashboard_url: str, redis_client: redis.Redis
) -> None:
    write_tick(redis_client, seq=7, computed_at=1_000.0, rejected_curves="EUR-ESTR")
    _open(page, dashboard_url)
    banner = page.locator("#status-banner")
    expect(banner).to_have_attribute("data-state", "stale")
    expect(banner).to_contain_text("no tick for")
    expect(banner).to_contain_text("curve EUR-ESTR rejected")
    page.screenshot(path=str(ARTIFACTS / "stale-banner.png"))
    page.get_by_role("tab", name="Curves").click()
    curves = page.locator("#curves-chart")
    expect(curves).to_contain_text("EUR-ESTR  ⚠ REJECTED")
    expect(curves).to_contain_text("derived quote")

    write_tick(redis_client, seq=8)
    expect(banner).to_have_attribute("data-state", "live", timeout=UPDATE_TIMEOUT_MS)
    age = float(page.locator("#hl-age").get_attribute("data-value") or "nan")
    assert 0 <= age < 30, f"a fresh tick shows an age of {format_age(age)}"


def test_a_record_redis_does_not_hold_is_named_in_the_banner_and_the_page_keeps_working(
    page: Page, dashboard_url: str, redis_client: redis.Redis
) -> None:
    write_tick(redis_client, seq=9)
    redis_client.hset(book_summary_key(ALL_BOOKS), "dv01", "n/a")  # not what the engine writes
    redis_client.hset(ENGINE_STATUS, "ticks_processed", "many")
    _open(page, dashboard_url)
    banner = page.locator("#status-banner")
    expect(banner).to_have_attribute("data-state", "stale", timeout=UPDATE_TIMEOUT_MS)
    expect(banner).to_contain_text("risk:ALL:summary: field 'dv01' is not a number: 'n/a'")
    expect(banner).to_contain_text("engine:status: field 'ticks_processed' is not a number: 'many'")
    expect(banner).not_to_contain_text("no risk has been published")  # it was, it is unreadable
    write_tick(redis_client, seq=10)  # the engine's next tick rewrites them: live again
    expect(banner).to_have_attribute("data-state", "live", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#hl-dv01")).not_to_have_text("—")


def test_bond_added_through_the_form_shows_in_the_browser_and_next_tick(
    page: Page, dashboard_url: str, base_url: str, redis_client: redis.Redis, settings: Settings
) -> None:
    token = settings.api_token.get_secret_value()
    book = f"UI{secrets.token_hex(3).upper()}"
    created = httpx.post(
        f"{base_url}/api/v1/books", json={"name": book}, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201, created.text
    write_tick(redis_client, seq=100)
    _open(page, dashboard_url)
    _expect_headline(page, redis_client)

    page.get_by_role("tab", name="Add instrument").click()
    cusip_body = "".join(secrets.choice("0123456789") for _ in range(8))
    isin = isin_from_cusip(cusip_body + cusip_check_digit(cusip_body))
    bond_id = f"E2E-{isin}"
    for elem_id, value in [
        ("bond-id", bond_id),
        ("bond-isin", isin),
        ("bond-face", "25000000"),
        ("bond-coupon", "4.125"),
        ("bond-issue", "2024-02-15"),
        ("bond-maturity", "2034-02-15"),
        ("bond-book", book),
    ]:
        _fill(page, elem_id, value)
    page.locator("#add-bond").click()
    result = page.locator("#add-result")
    expect(result).to_contain_text("Type the API token first")
    _fill(page, "api-token", "not-the-token")
    page.locator("#add-bond").click()
    expect(result).to_contain_text("403")
    _fill(page, "api-token", token)
    page.locator("#add-bond").click()
    expect(result).to_contain_text(f"Created bond {bond_id}")

    page.get_by_role("tab", name="Instruments").click()
    expect(page.locator("#instrument-terms")).to_contain_text(isin)
    expect(page.locator("#instrument-risk")).to_contain_text("shows on the next tick")
    _fill(page, "search-text", isin[2:8])
    page.locator("#search-button").click()
    expect(page.locator("#instrument-table")).to_contain_text(bond_id)

    new_bond = Position(bond_id, "bond", book, "USD", 24_950_000.0, 21_500.0, "USD-UST")
    totals = write_tick(
        redis_client, seq=101, book=(*STANDARD_BOOK, new_bond), market_time="2024-03-15T14:45:00+00:00"
    )
    expect(page.locator("#status-banner")).to_contain_text("14:45:00 UTC", timeout=UPDATE_TIMEOUT_MS)
    summary = _expect_headline(page, redis_client)
    assert float(summary["pv"]) == pytest.approx(totals[ALL_BOOKS]["pv"])
    page.locator("#open-button").click()
    expect(page.locator("#ir-dv01")).to_have_text(
        format_money(float(redis_client.hget(f"risk:instr:{bond_id}", "dv01") or "nan"))
    )
    page.get_by_role("tab", name="Risk").click()
    expect(page.locator("#dv01-book-chart")).to_contain_text(book)


def test_headline_and_intraday_history_are_readable(
    page: Page, dashboard_url: str, redis_client: redis.Redis
) -> None:
    """Headline: market time in UTC and age, no tick number. History: the partial totals taken after a
    start (only USD had a value) are not plotted and are named in the table."""
    write_tick(redis_client, seq=1, market_time="2024-03-15T09:00:00-04:00", n_pending=2)  # USD only
    write_tick(redis_client, seq=2, market_time="2024-03-15T09:01:00-04:00", n_pending=2)
    for k, minute in enumerate(("02", "04", "06", "08", "10", "12"), start=3):
        write_tick(redis_client, seq=k, market_time=f"2024-03-15T09:{minute}:00-04:00")
    _open(page, dashboard_url)
    _expect_headline(page, redis_client)
    expect(page.locator("#status-banner")).to_contain_text("LIVE · market time 2024-03-15 13:12:00 UTC · ")
    expect(page.locator("#hl-market-time")).to_have_text("2024-03-15 13:12:00 UTC")
    expect(page.locator("#hl-market-time").locator("xpath=..")).to_contain_text("USD market")
    page.screenshot(path=str(ARTIFACTS / "headline.png"))
    page.get_by_role("tab", name="History").click()
    chart = page.locator("#history-chart")
    expect(chart).to_contain_text("2 partial total(s) before every market had a value: not plotted")
    expect(chart).to_contain_text("market time (UTC)")
    table = page.locator("#history-table")
    expect(table).to_contain_text("2024-03-15 13:12:00 UTC")
    expect(table).to_contain_text("partial")
    page.screenshot(path=str(ARTIFACTS / "history-intraday.png"), full_page=True)


def test_history_tab_says_no_batch_run_yet(
    page: Page, dashboard_url: str, scratch_sessions: SessionFactory
) -> None:
    with scratch_sessions() as session:  # the scratch database of these tests: no run at all
        session.execute(delete(BatchResult))
        session.execute(delete(BatchRun))
        session.commit()
    _open(page, dashboard_url)
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#batch-note")).to_contain_text("No batch run yet", timeout=UPDATE_TIMEOUT_MS)
    chart = page.locator("#batch-chart")
    expect(chart).to_contain_text("No batch run yet")
    expect(chart.locator(".xtick")).to_have_count(0)  # no empty axes from -1 to 6
    page.screenshot(path=str(ARTIFACTS / "history-no-batch-run.png"), full_page=True)


def test_history_tab_shows_batch_runs_and_the_latest_var(
    page: Page, dashboard_url: str, scratch_sessions: SessionFactory
) -> None:
    sessions = scratch_sessions
    day = date(2026, 7, 31)
    var_rows = [
        ResultRow(day, ALL_BOOKS, "var", "0.99", 123_456.0),
        ResultRow(day, ALL_BOOKS, "es", "0.99", 150_000.0),
        ResultRow(day, ALL_BOOKS, "scenario_pnl", "2026-03-16/2026-03-17", -123_456.0),
        ResultRow(day, ALL_BOOKS, "scenario_pnl", "2026-03-17/2026-03-18", 20_000.0),
    ]
    # a spread of scenario P&Ls (deterministic) so that the histogram of the screenshot reads like a real run
    var_rows += [
        ResultRow(
            day,
            ALL_BOOKS,
            "scenario_pnl",
            f"2026-04-{k:02d}/2026-04-{k + 1:02d}",
            ((k * 37) % 23 - 11) * 9_000.0,
        )
        for k in range(1, 29)
    ]
    var = start_run(sessions, "var", {"date": "2026-07-31", "scenarios": 2, "confidence": [0.99]})
    finish_run(sessions, var, var_rows, {"date": "2026-07-31"})

    _open(page, dashboard_url)
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#batch-runs")).to_contain_text("Historical VaR/ES", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#batch-run-title")).to_contain_text(f"Run #{var}: Historical VaR/ES")
    detail = page.locator("#batch-detail")
    expect(detail).to_contain_text("USD 123,456")
    expect(detail).to_contain_text("2026-03-16 → 2026-03-17")
    expect(page.locator("#batch-chart")).to_contain_text("Historical scenarios")

    failed = start_run(sessions, "eod", {"from": "2026-08-01", "to": "2026-07-01"})
    fail_run(sessions, failed, "--from 2026-08-01 is after --to 2026-07-01")
    page.locator("#batch-refresh").click()
    expect(page.locator("#batch-runs")).to_contain_text("is after --to", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("#batch-run-title")).to_contain_text(f"Run #{var}")  # the selection is kept
    expect(page.locator("#batch-runs")).to_contain_text(" UTC")  # started/finished: one format, with zone
    page.screenshot(path=str(ARTIFACTS / "history-batch-var.png"), full_page=True)
