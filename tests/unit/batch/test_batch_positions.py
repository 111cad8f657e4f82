"""Issue 13 (positions) in batch: an instrument held in two books is valued once per scenario task and
each book's P&L is the instrument's times its position's signed quantity."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import numpy as np
import pytest

import pricing.engine
from cluster.batch.jobs import var_days
from cluster.batch.scenarios import historical_moves, quote_ids
from cluster.batch.tasks import scenario_pnl
from core.config import PROJECT_ROOT
from market_replay import market_snapshot
from pricing import parse_market

DAY = date(2026, 7, 31)


def _bond() -> dict[str, Any]:
    entries = json.loads((PROJECT_ROOT / "pricing" / "samples" / "book.json").read_text())["instruments"]
    bond = next(e for e in entries if e["id"] == "UST-30Y-2053")
    return {k: v for k, v in bond.items() if k not in ("book", "quantity")}  # one unit


def test_two_books_of_one_instrument_are_valued_once_and_scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    today = market_snapshot(DAY)
    moves = [(m.label, m.shifts) for m in historical_moves(var_days(DAY, 6), quote_ids(parse_market(today)))]
    bond = _bond()
    unit = scenario_pnl([bond | {"book": "UNIT"}], today, moves)
    builds: Counter[str] = Counter()
    build = pricing.engine.build_instrument

    def counted(spec: Any, handles: Any) -> Any:
        builds[spec.id] += 1
        return build(spec, handles)

    monkeypatch.setattr(pricing.engine, "build_instrument", counted)
    held = [
        bond | {"id": f"{bond['id']}@LONGS", "instrument_id": bond["id"], "book": "LONGS", "quantity": 3},
        bond | {"id": f"{bond['id']}@SHORTS", "instrument_id": bond["id"], "book": "SHORTS", "quantity": -3},
        bond | {"id": f"{bond['id']}@TWICE", "instrument_id": bond["id"], "book": "TWICE", "quantity": 2},
    ]
    result = scenario_pnl(held, today, moves)
    # one instrument for the three positions, built once (the scenarios move quotes, not instruments)
    assert builds[bond["id"]] == 1 and not result.failures
    assert np.array_equal(result.books["SHORTS"], -result.books["LONGS"])  # exactly minus the long
    assert result.base_pv["SHORTS"] == -result.base_pv["LONGS"] != 0.0
    assert np.any(unit.books["UNIT"] != 0.0)
    np.testing.assert_allclose(result.books["TWICE"], 2 * unit.books["UNIT"], rtol=1e-14)
    np.testing.assert_allclose(result.books["LONGS"], 3 * unit.books["UNIT"], rtol=1e-14)
    np.testing.assert_allclose(result.books["ALL"], 2 * unit.books["UNIT"], rtol=1e-12)
    assert result.base_pv["TWICE"] == pytest.approx(2 * unit.base_pv["UNIT"], rel=1e-14)
