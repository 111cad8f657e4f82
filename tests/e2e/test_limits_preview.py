"""The limits panel (bars, breach banner, alert history, edit form) and the Add-instrument "Preview risk"
button in headless Chromium, over the real HTTP API, PostgreSQL and Redis (issue 17)."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, date, datetime

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from core.config import Settings
from core.keys import ALL_BOOKS, MARKET_LIVE
from core.limits import AlertEvent, LimitCheck
from market_replay import generate_ticks
from pricing.identifiers import cusip_check_digit, isin_from_cusip
from secmaster.db import SessionFactory, transaction
from secmaster.models import RiskAlert
from secmaster.repository.limits import record_alerts
from tests.e2e.ticks import write_tick

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

UPDATE_TIMEOUT_MS = 20_000


def _fill(page: Page, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(value)


def _headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}


def test_limits_panel_shows_bars_banner_history_and_edits_a_limit(
    page: Page,
    dashboard_url: str,
    base_url: str,
    redis_client: redis.Redis,
    scratch_sessions: SessionFactory,
    settings: Settings,
) -> None:
    totals = write_tick(redis_client, seq=61)[ALL_BOOKS]
    dv01, gamma = abs(totals["dv01"]), abs(totals["gamma"])
    limits = [
        {"measure": "dv01", "limit": dv01 * 2, "warning_pct": 40},  # 50 %: amber
        {"measure": "gamma", "limit": gamma / 2},  # 200 %: red
        {"measure": "kr01", "curve": "USD-UST", "limit": dv01 * 100, "warning_pct": 80},  # green
    ]
    stored = httpx.put(
        f"{base_url}/api/v1/books/ALL/limits", json={"limits": limits}, headers=_headers(settings)
    )
    assert stored.status_code == 200, stored.text
    breach = LimitCheck(ALL_BOOKS, "gamma", gamma, gamma / 2, 2.0, "breach")
    when = datetime(2024, 3, 15, 14, 30, tzinfo=UTC)
    with transaction(scratch_sessions) as session:
        session.execute(delete(RiskAlert).where(RiskAlert.book == ALL_BOOKS))
        record_alerts(session, [AlertEvent("breach", breach)], 61, "USD", when)

    page.goto(dashboard_url)
    banner = page.locator("#breach-banner")
    expect(banner).to_have_attribute("data-breaches", "1", timeout=UPDATE_TIMEOUT_MS)
    expect(banner).to_contain_text("gamma of ALL at 200 % of its limit since 2024-03-15T14:30:00")
    page.get_by_role("tab", name="Limits").click()
    expect(page.locator("#limit-dv01")).to_have_attribute("data-level", "warning")
    expect(page.locator("#limit-gamma")).to_have_attribute("data-level", "breach")
    expect(page.locator("#limit-kr01-usd-ust-10y")).to_have_attribute("data-level", "ok")
    utilisation = float(page.locator("#limit-dv01").get_attribute("data-value") or "nan")
    assert math.isclose(utilisation, 0.5, rel_tol=1e-9)
    colour = page.locator("#limit-gamma .fill").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(207, 34, 46)"  # red
    history = page.locator("#alert-history")
    expect(history).to_contain_text("BREACH")
    expect(history).to_contain_text("gamma")

    # the edit form: refused without the token, then the dv01 limit moves under the book's DV01 (red)
    _fill(page, "limit-value", str(round(dv01 / 2)))
    page.locator("#save-limit").click()
    expect(page.locator("#limit-result")).to_contain_text("401")
    _fill(page, "limit-token", settings.api_token.get_secret_value())
    page.locator("#save-limit").click()
    expect(page.locator("#limit-result")).to_contain_text("applies from the next tick")
    expect(page.locator("#limit-dv01")).to_have_attribute("data-level", "breach", timeout=UPDATE_TIMEOUT_MS)
    kept = httpx.get(f"{base_url}/api/v1/books/ALL/limits").json()["limits"]
    assert {item["measure"]: item["limit"] for item in kept}["dv01"] == round(dv01 / 2)
    assert len(kept) == 3, "saving one limit kept the others"


def _trade(isin: str) -> dict[str, object]:
    return {
        "type": "bond", "currency": "USD", "frequency": "semiannual", "isin": isin, "face": 10_000_000,
        "coupon_pct": 4.0, "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
        "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
    }  # fmt: skip


def test_preview_risk_shows_the_whatif_answer_without_saving(
    page: Page, dashboard_url: str, base_url: str, redis_client: redis.Redis, settings: Settings
) -> None:
    day = date(2026, 2, 26)
    usd = next(s.tick for s in generate_ticks(day, day, ticks_per_day=1) if s.tick.market == "USD")
    write_tick(redis_client, seq=usd.seq)
    early = httpx.post(f"{base_url}/api/v1/whatif", json={"trades": [_trade("US91282CJZ59")]}, timeout=60)
    assert early.status_code == 404, early.text  # no tick computed yet: nothing to price on
    assert "no tick" in early.json()["detail"]
    redis_client.hset(MARKET_LIVE, "USD", usd.to_json().decode())
    httpx.delete(f"{base_url}/api/v1/books/ALL/limits", headers=_headers(settings))
    cusip_body = "".join(secrets.choice("0123456789") for _ in range(8))
    isin = isin_from_cusip(cusip_body + cusip_check_digit(cusip_body))
    trade = _trade(isin)
    expected = httpx.post(f"{base_url}/api/v1/whatif", json={"trades": [trade]}, timeout=60)
    assert expected.status_code == 200, expected.text
    answer = expected.json()

    page.goto(dashboard_url)
    page.get_by_role("tab", name="Add instrument").click()
    for elem_id, value in [
        ("bond-isin", isin),
        ("bond-face", "10000000"),
        ("bond-coupon", "4.0"),
        ("bond-issue", "2024-02-15"),
        ("bond-maturity", "2034-02-15"),
    ]:
        _fill(page, elem_id, value)
    page.locator("#preview-bond").click()
    shown = page.locator("#preview-answer")
    expect(shown).to_contain_text("Nothing was saved", timeout=UPDATE_TIMEOUT_MS)
    expect(shown).to_contain_text(f"USD tick {usd.seq}")
    dv01 = float(page.locator("#pv-trade-dv01").get_attribute("data-value") or "nan")
    assert math.isclose(dv01, answer["trades"][0]["dv01"], rel_tol=1e-12)
    assert dv01 > 0, "a long bond has positive DV01"
    after = float(page.locator("#pv-all-dv01-after").get_attribute("data-value") or "nan")
    assert math.isclose(after, answer["books"][ALL_BOOKS]["after"]["dv01"], rel_tol=1e-12)
    expect(page.locator("#pv-breaches")).to_have_attribute("data-value", "0")
    assert httpx.get(f"{base_url}/api/v1/instruments/BOND-{isin}").status_code == 404, "preview saved it"
