"""Plotly figures of the dashboard, built from plain values so that they are testable without Redis."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.keys import ALL_BOOKS, split_risk_factor_key
from core.records import HistoryPointRecord
from ui.format import parse_time
from ui.snapshot import CurveSnapshot
from ui.tenors import quote_tenor, tenor_years

__all__ = [
    "build_batch_attribution_figure",
    "build_batch_eod_figure",
    "build_batch_var_figure",
    "build_curves_figure",
    "build_dv01_bars_figure",
    "build_history_figure",
    "build_kr01_figure",
    "build_pnl_explain_figure",
    "empty_figure",
    "ordered_tenors",
]

_GAIN = "#1a7f37"
_LOSS = "#cf222e"
_SNAPSHOT_STYLE = {
    "now": {"dash": "solid", "width": 2.5},
    "open": {"dash": "dash", "width": 1.5},
    "prev_close": {"dash": "dot", "width": 1.5},
}
_SNAPSHOT_LABEL = {"now": "now", "open": "open", "prev_close": "prev close"}


def _utc_axis(stamp: str) -> datetime | None:
    """A market time for a date axis: UTC without the zone (plotly.js has no time zones; the axis says
    UTC)."""
    moment = parse_time(stamp)
    return moment.replace(tzinfo=None) if moment is not None else None


def _layout(figure: go.Figure, title: str, height: int = 320) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 14}},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        separators=".,",
        hoverlabel={"namelength": -1},
    )
    return figure


def empty_figure(title: str, message: str) -> go.Figure:
    """A chart with no axes, only ``message`` (nothing to draw yet)."""
    figure = _layout(go.Figure(), title)
    figure.add_annotation(text=message, showarrow=False, font={"size": 13, "color": "#57606a"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def ordered_tenors(tenors: Sequence[str]) -> list[str]:
    """Tenors from the short end to the long end; labels that are not tenors last, alphabetically."""
    unique = set(tenors)
    return sorted(unique, key=lambda t: (tenor_years(t) is None, tenor_years(t) or 0.0, t))


def build_kr01_figure(kr01: Mapping[str, float], title: str = "KR01 ladder (USD per bp)") -> go.Figure:
    """Grouped bars: one series per curve over its pillars (keys ``CURVE/TENOR``)."""
    by_curve: dict[str, dict[str, float]] = {}
    for key, value in kr01.items():
        curve, tenor = split_risk_factor_key(key)
        by_curve.setdefault(curve, {})[tenor] = value
    if not by_curve:
        return empty_figure(title, "no key-rate risk published yet")
    tenors = ordered_tenors([tenor for pillars in by_curve.values() for tenor in pillars])
    figure = go.Figure()
    for curve in sorted(by_curve):
        pillars = by_curve[curve]
        figure.add_bar(
            name=curve,
            x=[t for t in tenors if t in pillars],
            y=[pillars[t] for t in tenors if t in pillars],
            hovertemplate=f"{curve} %{{x}}: %{{y:,.0f}}<extra></extra>",
        )
    figure.update_layout(barmode="group")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=tenors)
    figure.update_yaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#8c959f")
    return _layout(figure, title)


def build_dv01_bars_figure(values: Mapping[str, float], title: str) -> go.Figure:
    """Horizontal bars of DV01 (USD per bp) by a category (instrument type, book), largest on top."""
    if not values:
        return empty_figure(title, "nothing published yet")
    names = sorted(values, key=lambda name: abs(values[name]))
    amounts = [values[name] for name in names]
    figure = go.Figure(
        go.Bar(
            x=amounts,
            y=names,
            orientation="h",
            marker_color=[_GAIN if amount >= 0 else _LOSS for amount in amounts],
            text=[f"{amount:,.0f}" for amount in amounts],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.0f} USD/bp<extra></extra>",
        )
    )
    figure.update_xaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#8c959f")
    return _layout(figure, title, height=260)


def _axis_years(tenors: Sequence[str]) -> tuple[list[float], list[str]]:
    points = [(tenor_years(t), t) for t in tenors]
    known = sorted((years, t) for years, t in points if years is not None)
    return [years for years, _ in known], [t for _, t in known]


def build_curves_figure(curves: Sequence[CurveSnapshot]) -> go.Figure:
    """One panel per curve: quotes now (solid), at the open (dashed), at the previous close (dotted).

    Derived quotes (set by rule, not observed) are drawn as hollow diamonds; a rejected curve says so
    in its panel title.
    """
    title = "Curves: now, open, previous close (%)"
    if not curves:
        return empty_figure(title, "no market data published yet")
    columns = 2 if len(curves) > 1 else 1
    rows = math.ceil(len(curves) / columns)
    subtitles = [f"{c.name}  ⚠ REJECTED" if c.rejected else c.name for c in curves]
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=subtitles, vertical_spacing=0.16)
    for index, curve in enumerate(curves):
        row, col = index // columns + 1, index % columns + 1
        for when in ("prev_close", "open", "now"):
            quotes = curve.quotes.get(when, {})
            by_tenor = {quote_tenor(key): (key, rate) for key, rate in quotes.items()}
            years, labels = _axis_years(list(by_tenor))
            figure.add_scatter(
                x=years,
                y=[by_tenor[t][1] for t in labels],
                text=[by_tenor[t][0] for t in labels],
                mode="lines+markers" if when == "now" else "lines",
                name=_SNAPSHOT_LABEL[when],
                legendgroup=when,
                showlegend=index == 0,
                line={"color": "#0969da" if when == "now" else "#8c959f", **_SNAPSHOT_STYLE[when]},
                hovertemplate=f"{curve.name} %{{text}} {_SNAPSHOT_LABEL[when]}: %{{y:.3f}}%<extra></extra>",
                row=row,
                col=col,
            )
            if when == "now" and curve.derived:
                derived = [t for t in labels if by_tenor[t][0] in curve.derived]
                figure.add_scatter(
                    x=[tenor_years(t) for t in derived],
                    y=[by_tenor[t][1] for t in derived],
                    mode="markers",
                    name="derived quote",
                    legendgroup="derived",
                    showlegend=not any(c.derived for c in curves[:index]),
                    marker={"symbol": "diamond-open", "size": 11, "color": "#bf8700", "line": {"width": 2}},
                    hovertemplate=f"{curve.name} %{{x}}y derived: %{{y:.3f}}%<extra></extra>",
                    row=row,
                    col=col,
                )
    all_tenors = ordered_tenors(
        [quote_tenor(k) for c in curves for quotes in c.quotes.values() for k in quotes]
    )
    years, labels = _axis_years(all_tenors)
    figure.update_xaxes(type="log", tickvals=years, ticktext=labels, tickangle=0, tickfont={"size": 9})
    figure.update_yaxes(ticksuffix="%", tickformat=".2f")
    return _layout(figure, title, height=300 * rows + 40)


def _trading_day(points: Sequence[HistoryPointRecord]) -> list[HistoryPointRecord]:
    """The points of the latest trading day (market time date of the newest point)."""
    if not points:
        return []
    day = points[-1].market_time[:10]
    return [point for point in points if point.market_time[:10] == day]


def build_pnl_explain_figure(points: Sequence[HistoryPointRecord]) -> go.Figure:
    """P&L since the open over the trading day: actual vs risk-predicted lines, the residual as bars."""
    title = "P&L explain since open (USD): actual vs predicted"
    day = _trading_day(points)
    if not day:
        return empty_figure(title, "no ticks today yet")
    times = [_utc_axis(point.market_time) for point in day]
    figure = go.Figure()
    figure.add_bar(
        x=times,
        y=[point.pnl_residual for point in day],
        name="residual",
        marker_color="#bf8700",
        opacity=0.6,
        hovertemplate="residual %{y:,.0f}<extra></extra>",
    )
    figure.add_scatter(
        x=times,
        y=[point.pnl_open for point in day],
        name="actual",
        line={"color": "#0969da", "width": 2.5},
        hovertemplate="actual %{y:,.0f}<extra></extra>",
    )
    figure.add_scatter(
        x=times,
        y=[point.pnl_predicted for point in day],
        name="predicted (kr01, gamma)",
        line={"color": "#8250df", "dash": "dash"},
        hovertemplate="predicted %{y:,.0f}<extra></extra>",
    )
    figure.update_yaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#8c959f")
    return _layout(figure, title)


def build_history_figure(points: Sequence[HistoryPointRecord]) -> go.Figure:
    """PV (left axis) and DV01 (right axis) of every tick kept in the history stream, against market time
    in UTC. Partial totals (taken before every market had a value, e.g. the first ticks after a start)
    are left out, and the chart says how many, so that no spike of a half book is drawn."""
    title = "Intraday history: PV and DV01 (USD)"
    complete = [point for point in points if not point.partial]
    left_out = len(points) - len(complete)
    if not complete:
        message = "no history yet"
        if left_out:
            message = f"no complete total yet: {left_out} partial total(s) while markets were pending"
        return empty_figure(title, message)
    times = [_utc_axis(point.market_time) for point in complete]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(x=times, y=[p.pv for p in complete], name="PV", line={"color": "#0969da"})
    figure.add_scatter(
        x=times,
        y=[p.dv01 for p in complete],
        name="DV01",
        line={"color": "#cf222e"},
        secondary_y=True,
    )
    figure.update_yaxes(tickformat=",.0f")
    figure.update_xaxes(title_text="market time (UTC)", tickformat="%Y-%m-%d %H:%M")
    if left_out:
        figure.add_annotation(
            text=f"{left_out} partial total(s) before every market had a value: not plotted",
            xref="paper", yref="paper", x=0, y=1.08, showarrow=False, xanchor="left",
            font={"size": 11, "color": "#7d4e00"},
        )  # fmt: skip
    return _layout(figure, title)


# -- batch results (rows of GET /api/v1/batch/runs/{id}: as_of, book, measure, key, value) -------------------
def _by_book(results: Sequence[Mapping[str, Any]], measure: str) -> dict[str, list[tuple[str, float]]]:
    """``{book: [(as_of, value), ...]}`` of the measure, by date, the whole portfolio first."""
    series: dict[str, list[tuple[str, float]]] = {}
    for row in results:
        if row["measure"] == measure:
            series.setdefault(row["book"], []).append((row["as_of"], float(row["value"])))
    ordered = sorted(series, key=lambda book: (book != ALL_BOOKS, book))
    return {book: sorted(series[book]) for book in ordered}


def build_batch_eod_figure(results: Sequence[Mapping[str, Any]]) -> go.Figure:
    """EOD revaluation: PV (top) and DV01 (bottom) at each close, one line per book."""
    title = "EOD revaluation: PV and DV01 per close (USD)"
    pv, dv01 = _by_book(results, "pv"), _by_book(results, "dv01")
    if not pv:
        return empty_figure(title, "this run has no PV")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("PV", "DV01"))
    for row, series in ((1, pv), (2, dv01)):
        for book, points in series.items():
            figure.add_scatter(
                x=[day for day, _ in points],
                y=[value for _, value in points],
                name=book,
                legendgroup=book,
                showlegend=row == 1,
                mode="lines+markers",
                line={"width": 2.5 if book == ALL_BOOKS else 1.5},
                row=row,
                col=1,
            )
    figure.update_yaxes(tickformat=",.0f")
    return _layout(figure, title, height=520)


def build_batch_var_figure(results: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Historical VaR: the whole portfolio's scenario P&Ls as a histogram, minus VaR marked per confidence."""
    title = "Historical scenarios: P&L of the whole portfolio (USD)"
    pnls = [float(r["value"]) for r in results if r["measure"] == "scenario_pnl" and r["book"] == ALL_BOOKS]
    if not pnls:
        return empty_figure(title, "this run stores no scenario P&L")
    figure = go.Figure()
    figure.add_histogram(x=pnls, name="scenarios", marker_color="#0969da", opacity=0.75)
    for row in results:
        if row["measure"] == "var" and row["book"] == ALL_BOOKS:
            figure.add_vline(
                x=-float(row["value"]),
                line={"color": _LOSS, "dash": "dash"},
                annotation_text=f"VaR {float(row['key']):.1%}",
            )
    figure.update_xaxes(tickformat=",.0f")
    return _layout(figure, title)


def build_batch_attribution_figure(results: Sequence[Mapping[str, Any]]) -> go.Figure:
    """P&L attribution of the whole portfolio per day: actual and predicted lines, the residual as bars."""
    title = "P&L attribution per day (USD): actual vs predicted"
    series = {m: dict(_by_book(results, m).get(ALL_BOOKS, [])) for m in ("actual", "predicted", "residual")}
    days = sorted(series["actual"])
    if not days:
        return empty_figure(title, "this run has no attribution")
    figure = go.Figure()
    figure.add_bar(
        x=days,
        y=[series["residual"].get(d) for d in days],
        name="residual",
        marker_color="#bf8700",
        opacity=0.6,
    )
    figure.add_scatter(
        x=days, y=[series["actual"][d] for d in days], name="actual", line={"color": "#0969da", "width": 2.5}
    )
    figure.add_scatter(
        x=days,
        y=[series["predicted"].get(d) for d in days],
        name="predicted (kr01, gamma)",
        line={"color": "#8250df", "dash": "dash"},
    )
    figure.update_yaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#8c959f")
    return _layout(figure, title)
