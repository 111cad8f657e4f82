"""The yield <-> price box of the instrument drill-down: the Treasury calculator (31 CFR 356, Appendix B)
on the open bond, through ``GET /api/v1/instruments/{id}/price`` and ``.../yield``."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, Literal

from ui.api_client import ApiError, InstrumentApi
from ui.panels import message_html

__all__ = ["YieldPriceBox", "calculator_html"]

_RESULT_ID = "calc-message"


def _card(element_id: str, label: str, value: float, decimals: int, unit: str = "") -> str:
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value" id="{element_id}" data-value="{value!r}">{value:,.{decimals}f}{unit}</div></div>'
    )


def calculator_html(answer: dict[str, Any]) -> str:
    """Cards of one answer: prices per 100 to 6 decimals, yield in percent, durations in years."""
    cards = [
        _card("calc-clean-out", "Clean price", answer["clean_price"], 6),
        _card("calc-accrued", "Accrued", answer["accrued"], 6),
        _card("calc-dirty", "Dirty price", answer["dirty_price"], 6),
        _card("calc-ytm", "Yield", answer["yield_pct"], 6, " %"),
        _card("calc-mod-dur", "Modified duration", answer["modified_duration"], 4),
        _card("calc-mac-dur", "Macaulay duration", answer["macaulay_duration"], 4),
        _card("calc-convexity", "Convexity", answer["convexity"], 3),
    ]
    settle = escape(str(answer.get("settle_date", "")))
    return f'<div class="cards" data-settle="{settle}">{"".join(cards)}</div>'


class YieldPriceBox:
    """Handlers of the box: price from a yield, yield from a clean price, for a settlement date."""

    def __init__(self, api: InstrumentApi) -> None:
        self.api = api

    @staticmethod
    def default_settle() -> str:
        return date.today().isoformat()

    def _ask(
        self,
        instrument_id: str,
        solve: Literal["price", "yield"],
        params: dict[str, str | float],
        typed: tuple[float | None, float | None],
    ) -> tuple[str, float | None, float | None]:
        instrument_id = instrument_id.strip()
        if not instrument_id:
            return message_html("stale", "Open a bond first.", _RESULT_ID), *typed
        try:
            answer = self.api.bond_calculator(instrument_id, solve, params)
        except ApiError as error:
            return message_html("down", str(error), _RESULT_ID), *typed
        return calculator_html(answer), answer["yield_pct"], answer["clean_price"]

    def price(
        self, instrument_id: str, settle: str, yield_pct: float | None, clean_price: float | None
    ) -> tuple[str, float | None, float | None]:
        """(cards, yield, clean price) at ``yield_pct``; on refusal a banner saying why, inputs kept."""
        typed = (yield_pct, clean_price)
        if yield_pct is None:
            return message_html("stale", "Type a yield in percent.", _RESULT_ID), *typed
        return self._ask(instrument_id, "price", {"yield": yield_pct, "settle": settle.strip()}, typed)

    def solve(
        self, instrument_id: str, settle: str, yield_pct: float | None, clean_price: float | None
    ) -> tuple[str, float | None, float | None]:
        """(cards, yield, clean price) at ``clean_price`` per 100; on refusal a banner, inputs kept."""
        typed = (yield_pct, clean_price)
        if clean_price is None:
            return message_html("stale", "Type a clean price per 100.", _RESULT_ID), *typed
        params: dict[str, str | float] = {"clean_price": clean_price, "settle": settle.strip()}
        return self._ask(instrument_id, "yield", params, typed)
