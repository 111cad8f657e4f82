"""The drill-down's yield <-> price box in headless Chromium: a bond created through the API, priced at a
yield and solved back from a price, with the Treasury's own auction numbers (912828LY4 reopened
2010-01-15 at 3.754 %: 96.900805 and 0.568715 accrued per 100), and a refused input named."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from core.config import PROJECT_ROOT, Settings
from pricing.identifiers import cusip_check_digit, isin_from_cusip

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


def _fill(page: Page, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(value)


def test_yield_price_box_prices_and_solves_the_open_bond(
    page: Page, dashboard_url: str, base_url: str, settings: Settings
) -> None:
    cusip_body = "".join(secrets.choice("0123456789") for _ in range(8))
    isin = isin_from_cusip(cusip_body + cusip_check_digit(cusip_body))
    bond = {
        "id": f"E2E-CALC-{isin}", "isin": isin, "currency": "USD", "face": 1_000_000, "coupon_pct": 3.375,
        "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2009-11-15",
        "maturity_date": "2019-11-15", "discount_curve": "USD-UST",
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    created = httpx.post(f"{base_url}/api/v1/instruments/bonds", json=bond, headers=headers)
    assert created.status_code == 201, created.text

    page.goto(dashboard_url)
    page.get_by_role("tab", name="Instruments").click()
    _fill(page, "open-id", bond["id"])
    page.locator("#open-button").click()
    expect(page.locator("#instrument-terms")).to_contain_text(isin)
    expect(page.locator("#instrument-terms")).to_contain_text("no: official terms")

    _fill(page, "calc-settle", "2010-01-15")
    _fill(page, "calc-yield", "3.754")
    page.locator("#calc-price-button").click()
    expect(page.locator("#calc-clean-out")).to_have_text("96.900805")
    expect(page.locator("#calc-accrued")).to_have_text("0.568715")
    expect(page.locator("#calc-dirty")).to_have_text("97.469520")
    page.locator("#calc-result").screenshot(path=str(ARTIFACTS / "yield-price-box.png"))

    _fill(page, "calc-clean", "97.5")
    page.locator("#calc-yield-button").click()
    expect(page.locator("#calc-clean-out")).to_have_text("97.500000")
    ytm = float(page.locator("#calc-ytm").get_attribute("data-value") or "nan")
    check = httpx.post(f"{base_url}/api/v1/calculator/bond", json={
        "coupon_pct": 3.375, "dated_date": "2009-11-15", "maturity_date": "2019-11-15",
        "settle_date": "2010-01-15", "clean_price": 97.5}).json()  # fmt: skip
    assert ytm == pytest.approx(check["yield_pct"], abs=1e-9) and 3.6 < ytm < 3.754

    _fill(page, "calc-settle", "2020-01-15")
    page.locator("#calc-price-button").click()
    expect(page.locator("#calc-message")).to_contain_text("settle")
    expect(page.locator("#calc-message")).to_contain_text("on or after maturity")
