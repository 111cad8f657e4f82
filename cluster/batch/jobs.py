"""The three batch jobs, spread over Ray tasks: EOD revaluation, historical VaR/ES, P&L attribution.

Each job has a ``*_days`` planner (validation only, no Ray, so bad input fails before any work) and a
``run_*`` function returning a :class:`JobOutput`: long-format result rows (date, book, measure, key,
value; money in USD; book ``ALL`` is the whole portfolio) and a JSON summary for ``batch_runs``.

- EOD: one task per business day (:func:`cluster.batch.tasks.value_day`). Measures ``pv``, ``dv01``,
  ``gamma``, ``n_ok``, ``n_failed`` and ``kr01`` keyed ``CURVE/TENOR``.
- VaR: ``N`` one-day moves ending on the VaR date, applied to that date's book; the positions are dealt
  into one chunk per CPU of the cluster (every position of an instrument in the same chunk), each valued
  in every scenario by one task that builds its engine once, each instrument once (building is the
  costly part, so positions, not scenarios, are split).
  Measures ``base_pv``, ``var`` and ``es`` keyed by confidence, ``scenario_pnl`` keyed ``START/END``.
- Attribution: every business day in the range and the one before it are valued; per day and book
  ``actual`` (PV change), ``predicted`` (previous day's kr01 and gamma against the quote moves,
  :func:`actors.pnl.explain`) and ``residual``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import ray

from actors.pnl import BookOpen, explain
from cluster.batch.days import business_days, business_days_before, check_business_day, markets_on
from cluster.batch.errors import BadRequest
from cluster.batch.progress import gather
from cluster.batch.scenarios import QuoteId, historical_moves, quote_ids
from cluster.batch.stats import tail_risk, worst_scenarios
from cluster.batch.tasks import DayRisk, ScenarioPnl, scenario_pnl, value_day
from core.keys import ALL_BOOKS
from market_replay import market_snapshot
from pricing import parse_market
from pricing.positions import entry_instrument

__all__ = [
    "MAX_SCENARIOS",
    "JobOutput",
    "ResultRow",
    "attribution_days",
    "eod_days",
    "run_attribution",
    "run_eod",
    "run_var",
    "var_days",
]

MAX_SCENARIOS = 2000
_MAX_FAILURES_LISTED = 20
_value_day = ray.remote(num_cpus=1, max_retries=1)(value_day)
_scenario_pnl = ray.remote(num_cpus=1, max_retries=1)(scenario_pnl)


@dataclass(frozen=True)
class ResultRow:
    as_of: date
    book: str
    measure: str
    key: str
    value: float


@dataclass(frozen=True)
class JobOutput:
    rows: tuple[ResultRow, ...]
    summary: dict[str, Any]


def _failures(found: Mapping[str, str]) -> dict[str, Any]:
    listed = dict(sorted(found.items())[:_MAX_FAILURES_LISTED])
    return {"n_failed_positions": len(found), "failures": listed}


# -- EOD -----------------------------------------------------------------------------------------------------
def eod_days(start: date, end: date) -> list[date]:
    return business_days(start, end)


def _value_days(entries: Sequence[Mapping[str, Any]], days: Sequence[date], label: str) -> list[DayRisk]:
    rows: Sequence[Mapping[str, Any]] = list(entries)
    book = ray.put(rows)
    return gather([_value_day.remote(book, day) for day in days], label)


def run_eod(entries: Sequence[Mapping[str, Any]], days: Sequence[date]) -> JobOutput:
    risks = _value_days(entries, days, "EOD revaluation")
    rows: list[ResultRow] = []
    failures: dict[str, str] = {}
    for risk in risks:
        failures.update(risk.failures)
        for book, totals in sorted(risk.books.items()):
            for measure in ("pv", "dv01", "gamma", "n_ok", "n_failed"):
                rows.append(ResultRow(risk.day, book, measure, "", float(getattr(totals, measure))))
            rows.extend(ResultRow(risk.day, book, "kr01", k, v) for k, v in sorted(totals.kr01.items()))
    summary = {
        "days": len(risks),
        "first": days[0].isoformat(),
        "last": days[-1].isoformat(),
        "pv_last": risks[-1].books[ALL_BOOKS].pv,
        "dv01_last": risks[-1].books[ALL_BOOKS].dv01,
        **_failures(failures),
    }
    return JobOutput(tuple(rows), summary)


# -- VaR -----------------------------------------------------------------------------------------------------
def var_days(day: date, n_scenarios: int) -> list[date]:
    """The ``n_scenarios + 1`` business days whose consecutive moves are the scenarios, ending on ``day``."""
    if not 1 <= n_scenarios <= MAX_SCENARIOS:
        raise BadRequest(f"--scenarios must be between 1 and {MAX_SCENARIOS}, not {n_scenarios}")
    check_business_day(day)
    return [*business_days_before(day, n_scenarios), day]


def _merge(parts: Sequence[ScenarioPnl], n_scenarios: int) -> ScenarioPnl:
    """The whole book's result from the results of its position chunks (P&Ls and base PVs add up)."""
    books: dict[str, np.ndarray] = {}
    base_pv: dict[str, float] = {}
    failures: dict[str, str] = {}
    for part in parts:
        for name, values in part.books.items():
            books[name] = books.get(name, np.zeros(n_scenarios)) + values
        for name, value in part.base_pv.items():
            base_pv[name] = base_pv.get(name, 0.0) + value
        failures.update(part.failures)
    build = max((part.build_seconds for part in parts), default=0.0)
    valuation = max((part.scenario_seconds for part in parts), default=0.0)
    return ScenarioPnl(books, base_pv, failures, build, valuation)


def run_var(
    entries: Sequence[Mapping[str, Any]],
    days: Sequence[date],
    confidences: Sequence[float],
    *,
    worst: int = 5,
    chunks: int | None = None,
) -> JobOutput:
    """The positions are dealt into one chunk per CPU of the cluster (``chunks``); each task builds its
    engine once for its chunk (the costly part) and values every scenario; P&Ls add up across chunks."""
    day = days[-1]
    today: Mapping[str, Any] = market_snapshot(day, markets=markets_on(day))
    moves = historical_moves(days, quote_ids(parse_market(today)))
    parts = chunks or max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
    scenarios: Sequence[tuple[str, Mapping[QuoteId, float]]] = [(m.label, dict(m.shifts)) for m in moves]
    snapshot, shared_moves = ray.put(today), ray.put(scenarios)
    held: dict[str, list[Mapping[str, Any]]] = {}  # every position of an instrument in one chunk,
    for entry in entries:  # whose task values the instrument once
        held.setdefault(entry_instrument(entry), []).append(entry)
    groups = list(held.values())
    chunked: list[Sequence[Mapping[str, Any]]] = [
        [entry for group in groups[k::parts] for entry in group] for k in range(min(parts, len(groups)))
    ]
    refs = [_scenario_pnl.remote(chunk, snapshot, shared_moves) for chunk in chunked]
    merged = _merge(gather(refs, f"VaR: {len(moves)} scenarios, {len(chunked)} position chunks"), len(moves))
    labels = [move.label for move in moves]
    rows: list[ResultRow] = []
    for book_name, values in sorted(merged.books.items()):
        rows.append(ResultRow(day, book_name, "base_pv", "", merged.base_pv[book_name]))
        for confidence in confidences:
            tail = tail_risk(values, confidence)
            rows.append(ResultRow(day, book_name, "var", f"{confidence:g}", tail.var))
            rows.append(ResultRow(day, book_name, "es", f"{confidence:g}", tail.es))
        rows.extend(
            ResultRow(day, book_name, "scenario_pnl", lab, float(v))
            for lab, v in zip(labels, values, strict=True)
        )
    whole = merged.books[ALL_BOOKS]
    summary = {
        "date": day.isoformat(),
        "scenarios": len(moves),
        "var": {f"{c:g}": tail_risk(whole, c).var for c in confidences},
        "es": {f"{c:g}": tail_risk(whole, c).es for c in confidences},
        "worst": [{"scenario": lab, "pnl": value} for lab, value in worst_scenarios(whole, labels, worst)],
        "skipped_quote_moves": sum(move.skipped for move in moves),
        "slowest_task_seconds": {"engine_build": merged.build_seconds, "scenarios": merged.scenario_seconds},
        **_failures(merged.failures),
    }
    return JobOutput(tuple(rows), summary)


# -- attribution ---------------------------------------------------------------------------------------------
def attribution_days(start: date, end: date) -> list[date]:
    """The business days of the range, preceded by the business day before it (the first day's open)."""
    days = business_days(start, end)
    return [*business_days_before(days[0], 1), *days]


def run_attribution(entries: Sequence[Mapping[str, Any]], days: Sequence[date]) -> JobOutput:
    risks = _value_days(entries, days, "P&L attribution")
    rows: list[ResultRow] = []
    totals = {"actual": 0.0, "predicted": 0.0, "residual": 0.0}
    for before, after in itertools.pairwise(risks):
        for book_name, now in sorted(after.books.items()):
            prior = before.books.get(book_name)
            if prior is None:
                continue
            opened = BookOpen(
                before.day.isoformat(), prior.pv, prior.gamma, dict(prior.kr01), dict(before.quotes)
            )
            result = explain(now.pv, after.quotes, opened)
            for measure in ("actual", "predicted", "residual"):
                rows.append(ResultRow(after.day, book_name, measure, "", getattr(result, measure)))
                if book_name == ALL_BOOKS:
                    totals[measure] += getattr(result, measure)
    failures: dict[str, str] = {}
    for risk in risks:
        failures.update(risk.failures)
    summary = {
        "first": days[1].isoformat(),
        "last": days[-1].isoformat(),
        "days": len(days) - 1,
        **{f"{k}_total": v for k, v in totals.items()},
        **_failures(failures),
    }
    return JobOutput(tuple(rows), summary)
