"""VaR and ES of a small book checked against a direct computation: each historical scenario valued from
scratch by ``price_portfolio`` on a shifted snapshot dict, P&Ls sorted by hand (no Ray, no database)."""

from __future__ import annotations

import copy
import itertools
import json
import math
from datetime import date
from typing import Any

import pytest

from cluster.batch.jobs import var_days
from cluster.batch.scenarios import closing_quotes, historical_moves, quote_ids
from cluster.batch.stats import tail_risk
from cluster.batch.tasks import scenario_pnl
from core.config import PROJECT_ROOT
from market_replay import market_snapshot
from pricing import parse_market, price_portfolio

DAY = date(2026, 7, 31)
N = 24


def _book() -> list[dict[str, Any]]:
    entries = json.loads((PROJECT_ROOT / "pricing" / "samples" / "book.json").read_text())["instruments"]
    return [{**e, "book": "GOVT" if e["type"] == "bond" else "SWAPS"} for e in entries]


def _direct_pnls(book: list[dict[str, Any]], today: dict[str, Any]) -> list[float]:
    """Full revaluation from scratch on every shifted snapshot (a new engine each time)."""
    days = var_days(DAY, N)
    base = price_portfolio({"instruments": book}, today)["totals"]["pv"]
    pnls = []
    for before_day, after_day in itertools.pairwise(days):
        before, after = closing_quotes(before_day), closing_quotes(after_day)
        shifted = copy.deepcopy(today)
        for curve in shifted["curves"]:
            for quote in curve["quotes"]:
                key = (curve["name"], quote["instrument"], quote["tenor"])
                if key in before and key in after:
                    quote["rate_pct"] += after[key] - before[key]
        pnls.append(price_portfolio({"instruments": book}, shifted)["totals"]["pv"] - base)
    return pnls


def test_var_and_es_equal_a_direct_sort_of_full_revaluation_pnls() -> None:
    book, today = _book(), market_snapshot(DAY)
    moves = historical_moves(var_days(DAY, N), quote_ids(parse_market(today)))
    result = scenario_pnl(book, today, [(m.label, m.shifts) for m in moves])
    direct = _direct_pnls(book, today)
    assert list(result.books["ALL"]) == pytest.approx(direct, rel=1e-9, abs=1e-6)
    losses = sorted(direct)
    for confidence in (0.95, 0.9):
        k = math.ceil(N * (1 - confidence) - 1e-9)
        tail = tail_risk(result.books["ALL"], confidence)
        assert tail.var == pytest.approx(-losses[k - 1], rel=1e-9)
        assert tail.es == pytest.approx(-sum(losses[:k]) / k, rel=1e-9)
    books = result.books["GOVT"] + result.books["SWAPS"]
    assert list(books) == pytest.approx(list(result.books["ALL"]), rel=1e-12, abs=1e-6)
    assert set(result.failures) == {"UST-2Y-2026", "BILL-2024-06-13", "OIS-ESTR-1"}  # matured by 2026-07-31
