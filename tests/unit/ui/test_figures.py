"""Figures are built from plain values: pillars ordered along the curve, derived and rejected marked."""

from __future__ import annotations

from core.records import HistoryPointRecord
from ui.figures import (
    build_curves_figure,
    build_dv01_bars_figure,
    build_history_figure,
    build_kr01_figure,
    build_pnl_explain_figure,
    ordered_tenors,
)
from ui.snapshot import CurveSnapshot
from ui.tenors import quote_tenor, tenor_years


def test_tenors_order_from_short_to_long_end() -> None:
    assert ordered_tenors(["10Y", "1W", "ON", "6M", "2Y", "odd", "1M"]) == [
        "ON",
        "1W",
        "1M",
        "6M",
        "2Y",
        "10Y",
        "odd",
    ]
    assert tenor_years("18M") == 1.5
    assert tenor_years("x") is None
    assert quote_tenor("swap/10Y") == "10Y"


def test_kr01_ladder_has_one_bar_series_per_curve_in_pillar_order() -> None:
    figure = build_kr01_figure({"USD-UST/10Y": 40.0, "USD-UST/2Y": 10.0, "EUR-ESTR/1W": -3.0})
    series = {trace.name: list(trace.x) for trace in figure.data}
    assert series == {"EUR-ESTR": ["1W"], "USD-UST": ["2Y", "10Y"]}
    assert list(figure.layout.xaxis.categoryarray) == ["1W", "2Y", "10Y"]


def test_empty_inputs_give_a_titled_placeholder() -> None:
    for figure in (
        build_kr01_figure({}),
        build_curves_figure([]),
        build_dv01_bars_figure({}, "DV01 by book"),
        build_pnl_explain_figure([]),
        build_history_figure([]),
    ):
        assert not figure.data
        assert figure.layout.annotations[0].text


def test_dv01_bars_are_coloured_by_sign_largest_on_top() -> None:
    figure = build_dv01_bars_figure({"bond": 94_848.0, "swap": -41_276.0, "ois": 22_368.0}, "DV01 by type")
    bars = figure.data[0]
    assert list(bars.y) == ["ois", "swap", "bond"]
    assert bars.marker.color[1] != bars.marker.color[2]
    assert list(bars.text) == ["22,368", "-41,276", "94,848"]


def test_curves_mark_derived_quotes_and_rejected_curves() -> None:
    quotes = {"now": {"ois/1Y": 3.6, "ois/10Y": 2.55}, "open": {"ois/1Y": 3.61}, "prev_close": {}}
    curves = [
        CurveSnapshot("EUR-ESTR", quotes, frozenset({"ois/10Y"}), rejected=True),
        CurveSnapshot("USD-SOFR", quotes),
    ]
    figure = build_curves_figure(curves)
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["EUR-ESTR  ⚠ REJECTED", "USD-SOFR"]
    derived = [trace for trace in figure.data if trace.name == "derived quote"]
    assert len(derived) == 1 and list(derived[0].y) == [2.55]
    now = next(trace for trace in figure.data if trace.name == "now")
    assert list(now.x) == [1.0, 10.0]


def _point(seq: int, time: str, actual: float, predicted: float) -> HistoryPointRecord:
    return HistoryPointRecord(seq, time, 0.0, 0.0, 0.0, actual, predicted, actual - predicted)


def test_pnl_explain_covers_only_the_latest_trading_day() -> None:
    points = [
        _point(1, "2024-03-14T20:00:00", 5.0, 4.0),
        _point(2, "2024-03-15T14:00:00", 10.0, 9.0),
        _point(3, "2024-03-15T14:30:00", 20.0, 18.0),
    ]
    figure = build_pnl_explain_figure(points)
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name["actual"].y) == [10.0, 20.0]
    assert list(by_name["residual"].y) == [1.0, 2.0]


def test_history_leaves_out_partial_totals_and_says_so() -> None:
    def point(seq: int, time: str, pv: float, pending: int) -> HistoryPointRecord:
        return HistoryPointRecord(seq, time, pv, 1.0, 0.0, 0.0, 0.0, 0.0, n_pending=pending)

    points = [
        point(1, "2024-03-15T09:00:00-04:00", 2.2e9, 120),  # only USD had a value: half the book
        point(2, "2024-03-15T14:00:00+01:00", 4.4e9, 0),
        point(3, "2024-03-15T09:10:00-04:00", 4.5e9, 0),
    ]
    figure = build_history_figure(points)
    pv = next(trace for trace in figure.data if trace.name == "PV")
    assert list(pv.y) == [4.4e9, 4.5e9]
    assert [str(x) for x in pv.x] == ["2024-03-15 13:00:00", "2024-03-15 13:10:00"]
    notes = [annotation.text for annotation in figure.layout.annotations]
    assert notes == ["1 partial total(s) before every market had a value: not plotted"]
    only_partial = build_history_figure(points[:1])
    assert not only_partial.data and "partial" in only_partial.layout.annotations[0].text
