"""The two-second refresh: read Redis, then re-render only what changed since this browser's last view.

The headline (tick age) and engine health are re-rendered on every refresh; charts and tables only when
the book's ``seq`` or the selected book changed, so an idle page costs two Redis reads and no re-plotting.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import gradio as gr
import pandas as pd
import redis

from core.keys import ALL_BOOKS
from core.records import HistoryPointRecord
from ui.figures import (
    build_curves_figure,
    build_dv01_bars_figure,
    build_history_figure,
    build_kr01_figure,
    build_pnl_explain_figure,
)
from ui.format import format_money, format_signed_money, format_time
from ui.panels import CONTRIBUTOR_HEADERS, contributor_rows, engine_health_html, headline_html, message_html
from ui.snapshot import read_headline, read_snapshot

__all__ = ["HISTORY_HEADERS", "LIVE_OUTPUTS", "LiveView", "history_rows"]

#: Names of the outputs of :meth:`LiveView.refresh`, in order (the layout binds components to them).
LIVE_OUTPUTS = (
    "headline",
    "health",
    "kr01",
    "curves",
    "dv01_by_type",
    "dv01_by_book",
    "pnl_explain",
    "contributors",
    "history",
    "history_table",
    "book",
    "state",
)
HISTORY_HEADERS = ["Market time", "Markets", "PV", "DV01", "Gamma", "P&L", "Predicted", "Residual"]


def history_rows(points: Sequence[HistoryPointRecord], limit: int = 50) -> list[list[str]]:
    """The newest ``limit`` ticks first, formatted; a partial total (taken while a market had no value
    yet) says so in the Markets column."""
    rows = []
    for point in reversed(points[-limit:]):
        rows.append(
            [
                format_time(point.market_time),
                "partial" if point.partial else "all",
                format_money(point.pv),
                format_money(point.dv01),
                format_money(point.gamma, decimals=2),
                format_signed_money(point.pnl_open),
                format_signed_money(point.pnl_predicted),
                format_signed_money(point.pnl_residual),
            ]
        )
    return rows


class LiveView:
    """Renders the live tabs of one dashboard from one Redis database."""

    def __init__(self, client: redis.Redis, stale_after_seconds: float, where: str) -> None:
        self.client = client
        self.stale_after_seconds = stale_after_seconds
        self.where = where

    def refresh(self, book: str | None, state: dict[str, Any] | None) -> tuple[Any, ...]:
        """Values for :data:`LIVE_OUTPUTS`; ``state`` remembers what this browser already shows."""
        book = book or ALL_BOOKS
        state = dict(state or {})
        skip_rest = tuple(gr.skip() for _ in LIVE_OUTPUTS[2:-1])
        try:
            head = read_headline(self.client, book)
            view = (book, head.summary.seq if head.summary else None)
            if state.get("view") == view:
                headline = headline_html(
                    head.summary, head.engine, time.time(), self.stale_after_seconds, head.errors
                )
                return (headline, engine_health_html(head.engine), *skip_rest, state)
            snapshot = read_snapshot(self.client, book)
        except redis.RedisError as error:
            state.pop("view", None)
            down = message_html(
                "down", f"Redis at {self.where} is unreachable: {error}. Retrying every refresh."
            )
            return (down, gr.skip(), *skip_rest, state)
        state["view"] = (book, snapshot.summary.seq if snapshot.summary else None)
        book_update: Any = gr.skip()
        if list(snapshot.books) != state.get("books"):
            state["books"] = list(snapshot.books)
            choices = sorted(set(snapshot.books) | {ALL_BOOKS}, key=lambda name: (name != ALL_BOOKS, name))
            book_update = gr.update(choices=choices)
        return (
            headline_html(
                snapshot.summary, snapshot.engine, time.time(), self.stale_after_seconds, snapshot.errors
            ),
            engine_health_html(snapshot.engine),
            build_kr01_figure(snapshot.kr01, f"KR01 ladder, book {book} (USD per bp)"),
            build_curves_figure(snapshot.curves),
            build_dv01_bars_figure(snapshot.by_type_measure("dv01"), "DV01 by instrument type (USD per bp)"),
            build_dv01_bars_figure(
                {name: dv01 for name, dv01 in snapshot.dv01_by_book.items() if name != ALL_BOOKS},
                "DV01 by book (USD per bp)",
            ),
            build_pnl_explain_figure(snapshot.history),
            pd.DataFrame(contributor_rows(snapshot.contributors), columns=CONTRIBUTOR_HEADERS),
            build_history_figure(snapshot.history),
            pd.DataFrame(history_rows(snapshot.history), columns=HISTORY_HEADERS),
            book_update,
            state,
        )
