"""``build_dashboard()``: the Gradio Blocks of the risk dashboard (layout and event wiring only)."""

from __future__ import annotations

from typing import Any

import gradio as gr
import redis

from core.config import get_settings
from core.keys import ALL_BOOKS
from ui.api_client import InstrumentApi
from ui.batch import BATCH_DETAIL_HEADERS, BATCH_RUN_HEADERS, BatchHistory
from ui.browser_layout import instrument_browser, table
from ui.catalog import Catalog
from ui.forms_layout import add_instrument_forms
from ui.limits import ALERT_HEADERS, LIMITS_CSS, LimitsView
from ui.live import HISTORY_HEADERS, LiveView
from ui.panels import CONTRIBUTOR_HEADERS, PANEL_CSS

__all__ = ["build_dashboard"]

_REFIT_CHARTS = "() => { setTimeout(() => window.dispatchEvent(new Event('resize')), 50); }"


def _redis_where(url: str) -> str:
    """``host:port/db`` without any password the URL may carry."""
    return url.rpartition("@")[2].removeprefix("redis://")


def build_dashboard(
    redis_url: str | None = None,
    api_url: str | None = None,
    refresh_seconds: float = 2.0,
    stale_after_seconds: float = 30.0,
) -> gr.Blocks:
    """The dashboard: live tabs refreshed from Redis every ``refresh_seconds`` without reloading the page,
    an instrument browser and add-instrument forms over the HTTP API at ``api_url``.

    A book with no tick for ``stale_after_seconds`` is shown as stale. Defaults come from the settings
    (``RISK_*``): Redis ``settings.redis_url``, API ``settings.serve_url``.
    """
    settings = get_settings()
    url = redis_url or settings.redis_url
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=3, socket_connect_timeout=3)
    live = LiveView(client, stale_after_seconds, _redis_where(url))
    api = InstrumentApi(api_url or settings.serve_url)
    catalog = Catalog(api, client)
    batch = BatchHistory(api)
    limits = LimitsView(api, client)

    with gr.Blocks(title="Rates risk dashboard", analytics_enabled=False, fill_width=True) as blocks:
        state = gr.State({})
        with gr.Row(equal_height=True):
            gr.Markdown("## Rates risk: live book", elem_id="title")
            book = gr.Dropdown(
                [ALL_BOOKS], value=ALL_BOOKS, label="Book", elem_id="book-select", scale=0, min_width=220
            )
        headline = gr.HTML(elem_id="headline", css_template=PANEL_CSS)
        breach_banner = gr.HTML(elem_id="breach-banner-box", css_template=LIMITS_CSS)
        with gr.Tabs():
            with gr.Tab("Risk", id="risk") as risk_tab:
                with gr.Row():
                    kr01 = gr.Plot(elem_id="kr01-chart", show_label=False, scale=3)
                    with gr.Column(scale=2):
                        dv01_by_type = gr.Plot(elem_id="dv01-type-chart", show_label=False)
                        dv01_by_book = gr.Plot(elem_id="dv01-book-chart", show_label=False)
                with gr.Row():
                    pnl = gr.Plot(elem_id="pnl-chart", show_label=False, scale=1)
                    with gr.Column(scale=1):
                        contributors = table(CONTRIBUTOR_HEADERS, "top-contributors", "Top 10 by |DV01|")
            with gr.Tab("Curves", id="curves") as curves_tab:
                curves = gr.Plot(elem_id="curves-chart", show_label=False)
            with gr.Tab("Limits", id="limits"):
                limits_panel = gr.HTML(elem_id="limits-box", css_template=LIMITS_CSS)
                alert_history = table(ALERT_HEADERS, "alert-history", "Alert history (newest first)")
                gr.Markdown("### Set a limit of the selected book (USD; writes need the API token)")
                with gr.Row():
                    limit_token = gr.Textbox(
                        label="API token", type="password", elem_id="limit-token", max_lines=1
                    )
                    limit_measure = gr.Dropdown(
                        ["dv01", "kr01", "gamma", "pnl_stop_loss"],
                        value="dv01",
                        label="Measure",
                        elem_id="limit-measure",
                    )
                    limit_curve = gr.Dropdown(
                        ["", "USD-UST", "USD-SOFR", "EUR-ESTR", "EUR-EURIBOR-6M"],
                        value="",
                        label="Curve (kr01)",
                    )
                    limit_tenor = gr.Textbox(
                        label="Pillar (kr01; blank: every pillar)", elem_id="limit-tenor"
                    )
                with gr.Row():
                    limit_value = gr.Number(None, label="Limit USD (blank: remove)", elem_id="limit-value")
                    limit_warning = gr.Number(80, label="Warning at % of the limit", elem_id="limit-warning")
                    save_limit = gr.Button("Save limit", variant="primary", elem_id="save-limit")
                limit_result = gr.HTML(elem_id="limit-result-box", css_template=LIMITS_CSS)
            with gr.Tab("Engine", id="engine"):
                health = gr.HTML(elem_id="engine-health", css_template=PANEL_CSS)
            with gr.Tab("Instruments", id="instruments"):
                open_id, drill_down = instrument_browser(catalog)
            with gr.Tab("Add instrument", id="add"):
                created_id = add_instrument_forms(catalog, limits)
            with gr.Tab("History", id="history") as history_tab:
                history = gr.Plot(elem_id="history-chart", show_label=False)
                history_table = table(HISTORY_HEADERS, "history-table", "Latest ticks")
                gr.Markdown("### Batch runs (EOD revaluation, historical VaR/ES, P&L attribution)")
                with gr.Row(equal_height=True):
                    batch_run = gr.Dropdown([], label="Run", elem_id="batch-run-select", scale=3)
                    batch_refresh = gr.Button("Refresh", elem_id="batch-refresh", scale=0, min_width=120)
                batch_note = gr.Markdown(elem_id="batch-note")
                batch_runs = table(BATCH_RUN_HEADERS, "batch-runs", "Recent batch runs")
                batch_title = gr.Markdown(elem_id="batch-run-title")
                batch_chart = gr.Plot(elem_id="batch-chart", show_label=False)
                batch_detail = table(BATCH_DETAIL_HEADERS, "batch-detail", "Headline numbers")

        live_outputs = [headline, health, kr01, curves, dv01_by_type, dv01_by_book, pnl, contributors]
        live_outputs += [history, history_table, book, state]
        refresh: dict[str, Any] = {
            "fn": live.refresh,
            "inputs": [book, state],
            "outputs": live_outputs,
            "show_progress": "hidden",
            "concurrency_limit": None,
        }
        blocks.load(**refresh)
        book.input(**refresh)
        gr.Timer(refresh_seconds).tick(**refresh)

        limits_refresh: dict[str, Any] = {
            "fn": limits.refresh,
            "inputs": [book],
            "outputs": [limits_panel, breach_banner, alert_history],
            "show_progress": "hidden",
            "concurrency_limit": None,
        }
        blocks.load(**limits_refresh)
        book.input(**limits_refresh)
        gr.Timer(refresh_seconds).tick(**limits_refresh)
        save_limit.click(
            limits.save,
            [book, limit_token, limit_measure, limit_curve, limit_tenor, limit_value, limit_warning],
            limit_result,
        ).then(**limits_refresh)

        show_run: dict[str, Any] = {
            "fn": batch.show,
            "inputs": [batch_run],
            "outputs": [batch_chart, batch_detail, batch_title],
        }
        for trigger in (history_tab.select, batch_refresh.click):
            trigger(batch.runs, [batch_run], [batch_runs, batch_run, batch_note]).then(**show_run)
        batch_run.input(**show_run)

        # Plotly sizes a chart when it is drawn; one redrawn in a hidden tab must re-fit once shown.
        for tab in (risk_tab, curves_tab, history_tab):
            tab.select(None, js=_REFIT_CHARTS)
        created_id.change(lambda new_id: new_id, created_id, open_id).then(**drill_down)
    return blocks  # type: ignore[no-any-return]
