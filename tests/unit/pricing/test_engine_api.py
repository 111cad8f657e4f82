"""The stateful PortfolioEngine: ticks, rebuilds, book changes, scenario subsets, fresh processes."""

from __future__ import annotations

import copy
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from pricing import PortfolioEngine, spec_from_dict
from pricing.engine import ENGINES


def _shifted(market: dict[str, Any], shift_pct: float) -> dict[str, Any]:
    moved = copy.deepcopy(market)
    for curve in moved["curves"]:
        for quote in curve["quotes"]:
            quote["rate_pct"] += shift_pct
    return moved


def test_tick_with_same_quote_set_only_sets_values(
    book_500: list[dict[str, Any]], sample_market_data: dict[str, Any]
) -> None:
    specs = [spec_from_dict(d) for d in book_500[:120]]
    tick = _shifted(sample_market_data, 0.03)
    for engine_name in ENGINES:
        engine = PortfolioEngine(specs, sample_market_data, engine=engine_name)
        curves, before = engine.curves, engine.pv_matrix([0])
        assert engine.update_market(tick) is False
        assert engine.curves is curves  # nothing rebuilt
        after = engine.pv_matrix()
        fresh = PortfolioEngine(specs, tick, engine=engine_name).pv_matrix()
        # bootstrap solver accuracy (1e-12) only: far below 1e-6 per 1M on <= 100M notionals
        np.testing.assert_allclose(after, fresh, rtol=0, atol=1e-4)
        assert np.abs(after[:, 0] - before[:, 0]).max() > 100.0


def test_new_quote_set_rebuilds(sample_book: dict[str, Any], sample_market_data: dict[str, Any]) -> None:
    specs = [spec_from_dict(d) for d in sample_book["instruments"]]
    engine = PortfolioEngine(specs, sample_market_data)
    market = copy.deepcopy(sample_market_data)
    market["curves"][1]["quotes"].pop()  # drop SOFR 30Y
    assert engine.update_market(market) is True
    assert len(engine.scenarios) == 3 + 2 * (len(engine.curves.pillars))
    assert "USD-SOFR/30Y" not in engine.scenarios.pillars
    assert engine.pv_matrix().shape == (len(specs), len(engine.scenarios))


def test_add_remove_and_scenario_subsets(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any]
) -> None:
    specs = [spec_from_dict(d) for d in sample_book["instruments"]]
    engine = PortfolioEngine(specs[:3], sample_market_data)
    engine.add_instruments(specs[3:])
    engine.remove_instruments(["IRS-2"])
    assert "IRS-2" not in engine.ids and len(engine.ids) == len(specs) - 1
    full = engine.pv_matrix()
    parts = [engine.pv_matrix(chunk) for chunk in engine.scenarios.chunks(3)]
    sizes = np.asarray(
        [getattr(s, "face", None) or getattr(s, "notional", 0.0) for s in specs if s.id != "IRS-2"]
    )
    per_million = np.abs(np.hstack(parts) - full) / sizes[:, None] * 1e6
    assert per_million.max() <= 1e-6  # only the bootstrap solver's accuracy differs between runs
    counts = engine.cashflow_counts()
    assert counts["UST-30Y-2053"] == 60 + 1 and counts["BILL-2024-06-13"] == 1


def _price_in_child(specs: list[Any], market: dict[str, Any]) -> np.ndarray:
    return PortfolioEngine(specs, market).pv_matrix([0, 1, 2])


def test_works_in_a_fresh_process(sample_book: dict[str, Any], sample_market_data: dict[str, Any]) -> None:
    specs = [spec_from_dict(d) for d in sample_book["instruments"]]
    here = PortfolioEngine(specs, sample_market_data).pv_matrix([0, 1, 2])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(_price_in_child, specs, sample_market_data).result(timeout=120)
    np.testing.assert_allclose(there, here, rtol=0, atol=1e-7)


def test_generated_books_on_every_day_of_a_leap_year() -> None:
    from datetime import date, timedelta

    from pricing.book_generator import generate_book

    start = date(2024, 1, 1)
    for offset in range(0, 366, 7):  # includes 29 Feb 2024 and days whose tenors cross it
        book = generate_book(40, start + timedelta(days=offset), seed=offset)
        assert len(book) == 40
    assert len(generate_book(200, date(2024, 2, 29), seed=3)) == 200
