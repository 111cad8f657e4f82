"""The drill-down's yield <-> price box with a fake API (the browser test uses the real one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ui.api_client import ApiError, InstrumentApi
from ui.calculator import YieldPriceBox

ANSWER = {
    "id": "UST-912828LY4", "settle_date": "2010-01-15", "clean_price": 96.900805, "accrued": 0.568715,
    "dirty_price": 97.46952, "yield_pct": 3.754, "modified_duration": 8.221, "macaulay_duration": 8.3733,
    "convexity": 78.918,
}  # fmt: skip


class FakeApi(InstrumentApi):
    def __init__(self, error: str | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.error = error

    def bond_calculator(
        self, instrument_id: str, solve: Literal["price", "yield"], params: Mapping[str, str | float]
    ) -> dict[str, Any]:
        self.calls.append((instrument_id, solve, dict(params)))
        if self.error:
            raise ApiError(self.error, 422)
        return ANSWER


def test_price_from_yield_fills_the_clean_price_and_shows_the_cards() -> None:
    api = FakeApi()
    html, yield_pct, clean = YieldPriceBox(api).price(" UST-912828LY4 ", " 2010-01-15", 3.754, None)
    assert api.calls == [("UST-912828LY4", "price", {"yield": 3.754, "settle": "2010-01-15"})]
    assert (yield_pct, clean) == (3.754, 96.900805)
    assert 'id="calc-clean-out"' in html and "96.900805" in html and "0.568715" in html and "8.2210" in html


def test_yield_from_price_asks_the_yield_route() -> None:
    api = FakeApi()
    YieldPriceBox(api).solve("UST-912828LY4", "2010-01-15", None, 96.900805)
    assert api.calls == [("UST-912828LY4", "yield", {"clean_price": 96.900805, "settle": "2010-01-15"})]


def test_a_refusal_is_a_banner_and_keeps_what_was_typed() -> None:
    api = FakeApi("422: settle: 2020-01-15 is on or after maturity 2019-11-15")
    html, yield_pct, clean = YieldPriceBox(api).price("UST-912828LY4", "2020-01-15", 3.754, 97.0)
    assert 'id="calc-message"' in html and "on or after maturity" in html
    assert (yield_pct, clean) == (3.754, 97.0)


def test_nothing_open_or_nothing_typed_asks_for_it() -> None:
    api = FakeApi()
    assert "Open a bond first" in YieldPriceBox(api).price("", "2010-01-15", 3.754, None)[0]
    assert "Type a clean price" in YieldPriceBox(api).solve("X", "2010-01-15", 3.754, None)[0]
    assert api.calls == []
