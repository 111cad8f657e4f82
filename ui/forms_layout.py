"""The add-a-bond and add-a-swap forms (Gradio components bound to :class:`ui.catalog.Catalog`)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.catalog import Catalog
from ui.forms import (
    CURRENCY_CHOICES,
    CURVE_CHOICES,
    DAY_COUNT_CHOICES,
    FREQUENCY_CHOICES,
    INDEX_CHOICES,
    SIDE_CHOICES,
    bond_payload,
    swap_payload,
)
from ui.limits import LIMITS_CSS, LimitsView
from ui.panels import PANEL_CSS

__all__ = ["add_instrument_forms"]

_DATE = "YYYY-MM-DD"


def _id_or_skip(banner: str, new_id: str) -> tuple[str, Any]:
    return banner, (new_id if new_id else gr.skip())


def add_instrument_forms(catalog: Catalog, limits: LimitsView) -> gr.Textbox:
    """Lay out both forms; returns the hidden box that receives the id of each instrument created.

    "Preview risk" prices the form's trade on the live market (``POST /api/v1/whatif``) without saving it."""
    gr.Markdown(
        "Writes go through the HTTP API and need the API token (`RISK_API_TOKEN`). "
        "A new instrument's risk shows on the next tick."
    )
    token = gr.Textbox(label="API token", type="password", elem_id="api-token", max_lines=1)
    result = gr.HTML(elem_id="add-result", css_template=PANEL_CSS)
    created_id = gr.Textbox(visible=False, elem_id="created-id")
    with gr.Row(equal_height=False):
        with gr.Column(variant="panel"):
            gr.Markdown("### Add a bond")
            with gr.Row():
                bond_id = gr.Textbox(
                    label="Id (optional)", placeholder="default BOND-<ISIN>", elem_id="bond-id"
                )
                isin = gr.Textbox(label="ISIN", placeholder="US91282CJZ59", elem_id="bond-isin")
            with gr.Row():
                bond_currency = gr.Dropdown(CURRENCY_CHOICES, value="USD", label="Currency")
                face = gr.Number(1_000_000, label="Face", elem_id="bond-face")
                coupon = gr.Number(4.0, label="Coupon %", elem_id="bond-coupon")
            with gr.Row():
                frequency = gr.Dropdown(FREQUENCY_CHOICES, value="semiannual", label="Frequency")
                day_count = gr.Dropdown(DAY_COUNT_CHOICES, value="ACT/ACT-ICMA", label="Day count")
                bond_curve = gr.Dropdown(CURVE_CHOICES, value="USD-UST", label="Discount curve")
            with gr.Row():
                issue = gr.Textbox(label="Issue date", placeholder=_DATE, elem_id="bond-issue")
                bond_maturity = gr.Textbox(label="Maturity date", placeholder=_DATE, elem_id="bond-maturity")
                bond_book = gr.Textbox(label="Book (optional)", placeholder="GOVT", elem_id="bond-book")
            with gr.Row():
                preview_bond = gr.Button("Preview risk", elem_id="preview-bond")
                add_bond = gr.Button("Add bond", variant="primary", elem_id="add-bond")
        with gr.Column(variant="panel"):
            gr.Markdown("### Add a swap")
            with gr.Row():
                kind = gr.Radio(["swap", "ois"], value="swap", label="Type (IBOR swap or OIS)")
                swap_id = gr.Textbox(label="Id (optional)", placeholder="default IRS-/OIS-<random>")
            with gr.Row():
                swap_currency = gr.Dropdown(CURRENCY_CHOICES, value="EUR", label="Currency")
                notional = gr.Number(10_000_000, label="Notional")
                side = gr.Dropdown(SIDE_CHOICES, value="pay_fixed", label="Side")
                fixed_rate = gr.Number(3.0, label="Fixed rate %")
            with gr.Row():
                start = gr.Textbox(label="Start date", placeholder=_DATE)
                swap_maturity = gr.Textbox(label="Maturity date", placeholder=_DATE)
                fixed_frequency = gr.Dropdown(FREQUENCY_CHOICES[:-1], value="annual", label="Fixed frequency")
                fixed_day_count = gr.Dropdown(DAY_COUNT_CHOICES, value="30/360", label="Fixed day count")
            with gr.Row():
                index = gr.Dropdown(INDEX_CHOICES, value="EURIBOR6M", label="Float index")
                spread = gr.Number(0.0, label="Float spread bp (swap)")
                discount = gr.Dropdown(CURVE_CHOICES, value="EUR-ESTR", label="Discount curve")
                forecast = gr.Dropdown(CURVE_CHOICES, value="EUR-EURIBOR-6M", label="Forecast curve (swap)")
            swap_book = gr.Textbox(label="Book (optional)", placeholder="SWAPS")
            with gr.Row():
                preview_swap = gr.Button("Preview risk", elem_id="preview-swap")
                add_swap = gr.Button("Add swap", variant="primary", elem_id="add-swap")
    preview = gr.HTML(elem_id="preview-result", css_template=LIMITS_CSS)

    def bond_terms(*values: Any) -> dict[str, Any]:
        names = ["instrument_id", "isin", "currency", "face", "coupon_pct", "frequency", "day_count"]
        names += ["discount_curve", "issue_date", "maturity_date", "book"]
        return bond_payload(**dict(zip(names, values, strict=True)))

    def swap_terms(*values: Any) -> dict[str, Any]:
        names = ["kind", "instrument_id", "currency", "notional", "side", "fixed_rate_pct", "start_date"]
        names += ["maturity_date", "fixed_frequency", "fixed_day_count", "float_index", "float_spread_bp"]
        names += ["discount_curve", "forecast_curve", "book"]
        return swap_payload(**dict(zip(names, values, strict=True)))

    def submit_bond(token_text: str, *values: Any) -> tuple[str, Any]:
        return _id_or_skip(*catalog.create("bond", bond_terms(*values), token_text))

    def submit_swap(token_text: str, *values: Any) -> tuple[str, Any]:
        payload = swap_terms(*values)
        return _id_or_skip(*catalog.create(payload["type"], payload, token_text))

    bond_inputs = [token, bond_id, isin, bond_currency, face, coupon, frequency, day_count, bond_curve]
    bond_inputs += [issue, bond_maturity, bond_book]
    swap_inputs = [token, kind, swap_id, swap_currency, notional, side, fixed_rate, start, swap_maturity]
    swap_inputs += [fixed_frequency, fixed_day_count, index, spread, discount, forecast, swap_book]
    add_bond.click(submit_bond, bond_inputs, [result, created_id])
    add_swap.click(submit_swap, swap_inputs, [result, created_id])
    preview_bond.click(lambda _t, *v: limits.preview(bond_terms(*v)), bond_inputs, preview)
    preview_swap.click(lambda _t, *v: limits.preview(swap_terms(*v)), swap_inputs, preview)
    return created_id
