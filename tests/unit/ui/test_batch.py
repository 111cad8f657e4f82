"""The History tab's batch results from API payloads, without the API or a browser."""

from __future__ import annotations

from typing import Any

from ui.api_client import ApiError
from ui.batch import BATCH_DETAIL_HEADERS, BatchHistory, batch_detail_rows, batch_run_choices, batch_run_rows
from ui.figures import build_batch_attribution_figure, build_batch_eod_figure, build_batch_var_figure


def _row(as_of: str, book: str, measure: str, value: float, key: str = "") -> dict[str, Any]:
    return {"as_of": as_of, "book": book, "measure": measure, "key": key, "value": value}


def _run(kind: str, results: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    params = (
        {"date": "2026-07-31", "scenarios": 3}
        if kind == "var"
        else {"from": "2026-07-30", "to": "2026-07-31"}
    )
    run = {"id": 7, "kind": kind, "params": params, "status": "succeeded", "error": None}
    run |= {"started_at": "2026-07-31T18:00:01.5+00:00", "finished_at": None, "results": results}
    return run | fields


EOD = [
    _row(day, book, measure, value)
    for day in ("2026-07-31", "2026-07-30")
    for book in ("GOVT", "ALL")
    for measure, value in (("pv", 1e6), ("dv01", -250.0), ("n_failed", 1))
]
VAR = [  # as the API orders them: by date, book, measure, key
    _row("2026-07-31", "ALL", "base_pv", 5e6),
    _row("2026-07-31", "ALL", "es", 950.0, "0.99"),
    _row("2026-07-31", "ALL", "var", 900.0, "0.99"),
    *[
        _row("2026-07-31", book, "scenario_pnl", value, f"2026-07-{d}/2026-07-{d + 1}")
        for book in ("ALL", "GOVT")
        for d, value in ((27, 100.0), (28, -900.0), (29, -50.0))
    ],
]
ATTRIBUTION = [
    _row(day, book, measure, value)
    for day in ("2026-07-30", "2026-07-31")
    for book in ("ALL", "GOVT")
    for measure, value in (("actual", 100.0), ("predicted", 90.0), ("residual", 10.0))
]


def test_run_rows_and_choices() -> None:
    failed = _run("attribution", [], id=9, status="failed", error="--from is after --to")
    runs = [
        failed,
        _run("var", [], id=8),
        _run("eod", [], params={"from": "2026-07-01", "to": "2026-07-31", "book": "GOVT"}),
    ]
    rows = batch_run_rows(runs)
    assert rows[0] == [
        "9", "P&L attribution", "failed", "2026-07-30 → 2026-07-31", "ALL",
        "2026-07-31 18:00:01 UTC", "—", "--from is after --to",
    ]  # fmt: skip
    assert rows[1][3] == "2026-07-31 (3 scenarios)" and rows[2][4] == "GOVT"
    assert batch_run_choices(runs)[1] == ("#8 var 2026-07-31 (3 scenarios) (succeeded)", "8")


def test_eod_shows_the_last_close_and_a_line_per_book() -> None:
    rows = batch_detail_rows(_run("eod", EOD))
    assert {row[0] for row in rows} == {"2026-07-31"} and len(rows) == 6
    assert ["2026-07-31", "ALL", "pv", "last close", "USD 1,000,000"] in rows
    assert ["2026-07-31", "GOVT", "n_failed", "last close", "1"] in rows
    figure = build_batch_eod_figure(EOD)
    assert [trace.name for trace in figure.data] == ["ALL", "GOVT", "ALL", "GOVT"]
    assert list(figure.data[0].x) == ["2026-07-30", "2026-07-31"]  # by date, whatever the row order


def test_var_lists_var_es_and_the_worst_scenarios_of_the_portfolio() -> None:
    rows = batch_detail_rows(_run("var", VAR))
    assert rows[:3] == [
        ["2026-07-31", "ALL", "base PV", "", "USD 5,000,000"],
        ["2026-07-31", "ALL", "VaR", "99.0%", "USD 900"],
        ["2026-07-31", "ALL", "ES", "99.0%", "USD 950"],
    ]
    worst = rows[3:]
    assert [row[3] for row in worst] == [
        "2026-07-28 → 2026-07-29",
        "2026-07-29 → 2026-07-30",
        "2026-07-27 → 2026-07-28",
    ]
    assert (
        worst[0][2] == "worst scenario 1"
        and worst[0][4] == "USD -900"
        and len(rows[0]) == len(BATCH_DETAIL_HEADERS)
    )
    figure = build_batch_var_figure(VAR)
    assert list(figure.data[0].x) == [100.0, -900.0, -50.0]  # the whole portfolio's only
    assert [shape.x0 for shape in figure.layout.shapes] == [-900.0]


def test_attribution_totals_and_chart_of_the_portfolio() -> None:
    rows = batch_detail_rows(_run("attribution", ATTRIBUTION))
    assert rows[0] == ["2026-07-30 → 2026-07-31", "ALL", "actual", "total", "USD +200"]
    assert [row[1] for row in rows] == ["ALL"] * 3 + ["GOVT"] * 3
    figure = build_batch_attribution_figure(ATTRIBUTION)
    assert [trace.name for trace in figure.data] == ["residual", "actual", "predicted (kr01, gamma)"]
    assert list(figure.data[1].y) == [100.0, 100.0]


def test_empty_results_give_a_message_not_an_error() -> None:
    for build in (build_batch_eod_figure, build_batch_var_figure, build_batch_attribution_figure):
        assert len(build([]).layout.annotations) == 1
    assert batch_detail_rows(_run("eod", [])) == []


class _FakeApi:
    def __init__(self, run: dict[str, Any] | None = None, fail: bool = False) -> None:
        self.run, self.fail = run, fail
        self.measures: tuple[str, ...] = ()

    def list_batch_runs(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.fail:
            raise ApiError("the API at http://x is unreachable")
        return {
            "total": 12,
            "limit": params["limit"],
            "offset": 0,
            "items": [_run("var", [], id=8), _run("eod", [])],
        }

    def get_batch_run(self, run_id: int, measures: tuple[str, ...]) -> dict[str, Any]:
        if self.run is None:
            raise ApiError("404: batch run 5 does not exist", 404)
        self.measures = measures
        return self.run


def test_controller_selects_the_newest_run_and_turns_failures_into_messages() -> None:
    history = BatchHistory(_FakeApi(_run("var", VAR)))  # type: ignore[arg-type]
    table, selector, note = history.runs(None)
    assert (
        list(table["Run"]) == ["8", "7"] and selector["value"] == "8" and note.startswith("12 batch run(s)")
    )
    assert history.runs("7")[1]["value"] == "7" and history.runs("99")[1]["value"] == "8"
    figure, detail, title = history.show("8")
    assert title.startswith("Run #7: Historical VaR/ES") and len(detail) == 6 and figure.data
    assert "kr01" not in history._api.measures  # type: ignore[attr-defined]

    unreachable = BatchHistory(_FakeApi(fail=True))  # type: ignore[arg-type]
    assert "unreachable" in unreachable.runs(None)[2]
    assert "does not exist" in BatchHistory(_FakeApi()).show("5")[2]  # type: ignore[arg-type]
    figure, detail, note = BatchHistory(_FakeApi()).show(None)  # type: ignore[arg-type]
    assert note == "No batch run yet" and detail.empty and not figure.data
    assert [a.text for a in figure.layout.annotations] == ["No batch run yet"]
    assert figure.layout.xaxis.visible is False  # no empty axes from -1 to 6
