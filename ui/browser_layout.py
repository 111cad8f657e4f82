"""The instruments tab: filters and search, the result table, and the drill-down of one instrument."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from ui.calculator import YieldPriceBox
from ui.catalog import CASHFLOW_HEADERS, INSTRUMENT_HEADERS, TERMS_HEADERS, Catalog
from ui.panels import PANEL_CSS

__all__ = ["instrument_browser", "table"]

_SORTS = ["id", "-id", "maturity_date", "-maturity_date", "type", "currency", "-created_at"]
_DATE = "YYYY-MM-DD"


def table(headers: list[str], elem_id: str, label: str) -> gr.Dataframe:
    """A read-only table with fixed headers."""
    empty = pd.DataFrame([], columns=headers)
    return gr.Dataframe(empty, label=label, elem_id=elem_id, interactive=False, wrap=True)


def _yield_price_box(box: YieldPriceBox, open_id: gr.Textbox) -> None:
    """Yield <-> price of the open bond (Treasury rules, 31 CFR 356 App. B) for a settlement date."""
    gr.Markdown("#### Yield \u2194 price (Treasury calculator, per 100 of face)")
    with gr.Row():
        settle = gr.Textbox(box.default_settle(), label="Settle", placeholder=_DATE, elem_id="calc-settle")
        yield_pct = gr.Number(None, label="Yield %", elem_id="calc-yield")
        clean = gr.Number(None, label="Clean price", elem_id="calc-clean")
        to_price = gr.Button("Price from yield", elem_id="calc-price-button")
        to_yield = gr.Button("Yield from price", elem_id="calc-yield-button")
    result = gr.HTML(elem_id="calc-result", css_template=PANEL_CSS)
    inputs, outputs = [open_id, settle, yield_pct, clean], [result, yield_pct, clean]
    to_price.click(box.price, inputs, outputs)
    to_yield.click(box.solve, inputs, outputs)


def instrument_browser(catalog: Catalog) -> tuple[gr.Textbox, dict[str, Any]]:
    """Lay out the tab; returns the drill-down's id box and its event."""
    with gr.Row():
        text = gr.Textbox(label="Search id or ISIN", elem_id="search-text", scale=2)
        kind = gr.Dropdown(["any", "bond", "swap", "ois"], value="any", label="Type", min_width=100)
        currency = gr.Dropdown(["any", "USD", "EUR"], value="any", label="Currency", min_width=100)
        in_book = gr.Textbox(label="Book", min_width=100)
        maturity_from = gr.Textbox(label="Maturity from", placeholder=_DATE, min_width=120)
        maturity_to = gr.Textbox(label="Maturity to", placeholder=_DATE, min_width=120)
        sort = gr.Dropdown(_SORTS, value="id", label="Sort", min_width=120)
        page = gr.Number(1, label="Page", precision=0, minimum=1, min_width=80)
        page_size = gr.Number(50, label="Rows", precision=0, minimum=1, maximum=1000, min_width=80)
    search = gr.Button("Search", variant="primary", elem_id="search-button")
    count = gr.HTML(elem_id="browser-summary")
    listing = table(INSTRUMENT_HEADERS, "instrument-table", "Instruments (click a row to open it)")
    gr.Markdown("### Drill-down")
    with gr.Row():
        open_id = gr.Textbox(label="Instrument id", elem_id="open-id", scale=3)
        open_button = gr.Button("Open", elem_id="open-button", scale=1)
    instrument_risk = gr.HTML(elem_id="instrument-risk", css_template=PANEL_CSS)
    with gr.Row():
        terms = table(TERMS_HEADERS, "instrument-terms", "Terms")
        instrument_kr01 = gr.Plot(elem_id="instrument-kr01", show_label=False)
    _yield_price_box(YieldPriceBox(catalog.api), open_id)
    cashflows = table(CASHFLOW_HEADERS, "instrument-cashflows", "Projected cashflows")

    search_inputs = [text, kind, currency, in_book, maturity_from, maturity_to, sort, page, page_size]
    search.click(catalog.search, search_inputs, [listing, count])
    text.submit(catalog.search, search_inputs, [listing, count])
    drill_down: dict[str, Any] = {
        "fn": catalog.open,
        "inputs": [open_id],
        "outputs": [terms, instrument_risk, instrument_kr01, cashflows],
    }
    open_button.click(**drill_down)
    open_id.submit(**drill_down)

    def pick(event: gr.SelectData) -> str:
        row = event.row_value or [""]
        return str(row[0])

    listing.select(pick, None, open_id).then(**drill_down)
    return open_id, drill_down
