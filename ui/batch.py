"""The History tab's batch results: recent runs of the batch jobs and one run's numbers, over HTTP.

Runs come from ``GET /api/v1/batch/runs``, a run's results from ``GET /api/v1/batch/runs/{id}`` (only
the measures shown: the EOD ``kr01`` rows are never fetched).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr
import pandas as pd
import plotly.graph_objects as go

from core.keys import ALL_BOOKS
from ui.api_client import ApiError, InstrumentApi
from ui.figures import (
    build_batch_attribution_figure,
    build_batch_eod_figure,
    build_batch_var_figure,
    empty_figure,
)
from ui.format import MISSING, format_count, format_money, format_signed_money, format_time

__all__ = [
    "BATCH_DETAIL_HEADERS",
    "BATCH_RUN_HEADERS",
    "NO_BATCH_RUN",
    "BatchHistory",
    "batch_detail_rows",
    "batch_run_choices",
    "batch_run_rows",
]

BATCH_RUN_HEADERS = ["Run", "Job", "Status", "Dates", "Book", "Started", "Finished", "Error"]
BATCH_DETAIL_HEADERS = ["Date", "Book", "Measure", "Detail", "Value"]
_JOB = {"eod": "EOD revaluation", "var": "Historical VaR/ES", "attribution": "P&L attribution"}
#: The measures shown, of every job (a run only has its own job's).
_MEASURES = (
    "pv",
    "dv01",
    "n_failed",
    "base_pv",
    "var",
    "es",
    "scenario_pnl",
    "actual",
    "predicted",
    "residual",
)
_VAR_LABELS = {"base_pv": "base PV", "var": "VaR", "es": "ES"}
_WORST = 5
#: What the History tab says (and draws) before any batch run exists.
NO_BATCH_RUN = "No batch run yet"
_NO_RUN_TITLE = "Batch results"


def _dates(run: Mapping[str, Any]) -> str:
    params = run.get("params") or {}
    if run["kind"] == "var":
        return f"{params.get('date', MISSING)} ({params.get('scenarios', MISSING)} scenarios)"
    return f"{params.get('from', MISSING)} → {params.get('to', MISSING)}"


def batch_run_rows(runs: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """One table row per run (newest first, as listed)."""
    return [
        [
            str(run["id"]),
            _JOB.get(run["kind"], run["kind"]),
            run["status"],
            _dates(run),
            str((run.get("params") or {}).get("book", ALL_BOOKS)),
            format_time(run.get("started_at")),
            format_time(run.get("finished_at")),
            run.get("error") or "",
        ]
        for run in runs
    ]


def batch_run_choices(runs: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(label, run id)`` for the run selector."""
    return [(f"#{run['id']} {run['kind']} {_dates(run)} ({run['status']})", str(run["id"])) for run in runs]


def _pct(key: str) -> str:
    try:
        return f"{float(key):.1%}"
    except ValueError:
        return key


def _var_order(row: Mapping[str, Any]) -> tuple[bool, str, str, int]:
    """The whole portfolio first; per book the base PV, then VaR and ES at each confidence."""
    rank = list(_VAR_LABELS).index(row["measure"]) if row["measure"] in _VAR_LABELS else 0
    return row["book"] != ALL_BOOKS, row["book"], row["key"], rank


def _var_rows(results: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = [
        [r["as_of"], r["book"], _VAR_LABELS[r["measure"]], _pct(r["key"]), format_money(r["value"])]
        for r in sorted(results, key=_var_order)
        if r["measure"] in _VAR_LABELS
    ]
    scenarios = [r for r in results if r["measure"] == "scenario_pnl" and r["book"] == ALL_BOOKS]
    worst = sorted(scenarios, key=lambda r: float(r["value"]))[:_WORST]
    rows += [
        [
            r["as_of"],
            r["book"],
            f"worst scenario {rank}",
            r["key"].replace("/", " → "),
            format_signed_money(r["value"]),
        ]
        for rank, r in enumerate(worst, start=1)
    ]
    return rows


def _last_close_rows(results: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    last = max((r["as_of"] for r in results), default=None)
    return [
        [r["as_of"], r["book"], r["measure"], "last close", _value(r["measure"], r["value"])]
        for r in results
        if r["as_of"] == last
    ]


def _totals_rows(results: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    totals: dict[tuple[str, str], float] = {}
    for r in results:
        totals[r["book"], r["measure"]] = totals.get((r["book"], r["measure"]), 0.0) + float(r["value"])
    days = sorted({r["as_of"] for r in results})
    span = f"{days[0]} → {days[-1]}" if days else MISSING
    ordered = sorted(totals, key=lambda pair: (pair[0] != ALL_BOOKS, pair))
    return [
        [span, book, measure, "total", format_signed_money(totals[book, measure])]
        for book, measure in ordered
    ]


def _value(measure: str, value: float) -> str:
    return format_count(value) if measure.startswith("n_") else format_money(value)


def batch_detail_rows(run: Mapping[str, Any]) -> list[list[str]]:
    """The run's headline numbers: the last close (EOD), VaR/ES and the worst scenarios (VaR), the totals
    per book (attribution)."""
    results: Sequence[Mapping[str, Any]] = run.get("results") or []
    builders = {"eod": _last_close_rows, "var": _var_rows, "attribution": _totals_rows}
    build = builders.get(run["kind"])
    return build(results) if build else []


def _figure(run: Mapping[str, Any]) -> go.Figure:
    figures = {
        "eod": build_batch_eod_figure,
        "var": build_batch_var_figure,
        "attribution": build_batch_attribution_figure,
    }
    return figures[run["kind"]](run.get("results") or [])


class BatchHistory:
    """Reads the batch runs for the History tab; every failure becomes a message, never an exception."""

    def __init__(self, api: InstrumentApi, limit: int = 20) -> None:
        self._api = api
        self._limit = limit

    def runs(self, selected: str | None) -> tuple[pd.DataFrame, Any, str]:
        """The recent runs table, the selector (keeping ``selected`` if still listed, else the newest run)
        and a status line."""
        try:
            page = self._api.list_batch_runs({"limit": self._limit})
        except ApiError as error:
            return (
                pd.DataFrame([], columns=BATCH_RUN_HEADERS),
                gr.update(),
                f"Batch runs unavailable: {error}",
            )
        runs = page["items"]
        choices = batch_run_choices(runs)
        ids = [value for _, value in choices]
        value = selected if selected in ids else (ids[0] if ids else None)
        note = (
            f"{page['total']} batch run(s); the latest {len(runs)} are listed."
            if runs
            else f"{NO_BATCH_RUN}: start one with `riskctl batch eod|var|attribution`."
        )
        table = pd.DataFrame(batch_run_rows(runs), columns=BATCH_RUN_HEADERS)
        return table, gr.update(choices=choices, value=value), note

    def show(self, run_id: str | None) -> tuple[go.Figure, pd.DataFrame, str]:
        """The selected run's chart, its headline numbers and a line saying what is shown."""
        empty = pd.DataFrame([], columns=BATCH_DETAIL_HEADERS)
        if not run_id:
            return empty_figure(_NO_RUN_TITLE, NO_BATCH_RUN), empty, NO_BATCH_RUN
        try:
            run = self._api.get_batch_run(int(run_id), _MEASURES)
        except (ApiError, ValueError) as error:
            message = f"Run {run_id} unavailable: {error}"
            return empty_figure(_NO_RUN_TITLE, message), empty, message
        if run["kind"] not in _JOB:
            message = f"Run {run_id}: unknown job {run['kind']!r}"
            return empty_figure(_NO_RUN_TITLE, message), empty, message
        text = f"Run #{run['id']}: {_JOB[run['kind']]}, {_dates(run)}, {run['status']}"
        if run.get("error"):
            text += f": {run['error']}"
        return _figure(run), pd.DataFrame(batch_detail_rows(run), columns=BATCH_DETAIL_HEADERS), text
