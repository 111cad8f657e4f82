"""fast equals quantlib within 1e-6 per 1,000,000 notional, every instrument, every scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pricing import BondSpec, PortfolioEngine, spec_from_dict


def _size(spec: Any) -> float:
    """Face or notional of the engine's row: one unit of the instrument (positions scale afterwards)."""
    return float(abs(spec.face if isinstance(spec, BondSpec) else spec.notional))


@pytest.mark.parametrize(("interpolation", "count"), [("linear_zero", 500), ("loglinear_discount", 150)])
def test_fast_equals_quantlib_on_generated_seasoned_book(
    book_500: list[dict[str, Any]], sample_market_data: dict[str, Any], interpolation: str, count: int
) -> None:
    specs = [spec_from_dict(d) for d in book_500[:count]]
    fast = PortfolioEngine(specs, sample_market_data, engine="fast", interpolation=interpolation)
    reference = PortfolioEngine(specs, sample_market_data, engine="quantlib", interpolation=interpolation)
    assert fast.ids == reference.ids and not fast.failures
    seasoned = [s for s in specs if not isinstance(s, BondSpec) and s.start_date < fast.snapshot.as_of]
    assert len(seasoned) > count // 5
    difference = np.abs(fast.pv_matrix() - reference.pv_matrix())
    per_million = difference / np.asarray([_size(fast.specs[i]) for i in fast.ids])[:, None] * 1e6
    assert per_million.shape == (count, len(fast.scenarios))
    assert per_million.max() <= 1e-6


@pytest.mark.parametrize("interpolation", ["linear_zero", "loglinear_discount"])
def test_fast_equals_quantlib_with_a_failed_curve(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any], interpolation: str
) -> None:
    """Saturday: EUR-EURIBOR-6M fails; every scenario of the healthy curves still agrees."""
    market = sample_market_data | {"as_of": "2024-03-16"}
    specs = [spec_from_dict(d) for d in sample_book["instruments"]]
    fast = PortfolioEngine(specs, market, engine="fast", interpolation=interpolation)
    reference = PortfolioEngine(specs, market, engine="quantlib", interpolation=interpolation)
    assert (
        fast.ids == reference.ids and len(fast.ids) >= 5 and set(fast.curves.failures) == {"EUR-EURIBOR-6M"}
    )
    difference = np.abs(fast.pv_matrix() - reference.pv_matrix())
    per_million = difference / np.asarray([_size(fast.specs[i]) for i in fast.ids])[:, None] * 1e6
    assert per_million.shape == (len(fast.ids), len(fast.scenarios))
    assert per_million.max() <= 1e-6


def test_rows_valued_in_chunks_give_the_sums_of_one_pass(
    book_500: list[dict[str, Any]], sample_market_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast engine cuts a book's cashflow rows into cache-sized chunks at instrument boundaries
    (``pricing.fast.CHUNK_ROWS``): chunks of a few rows give every instrument the very same value, bit for
    bit, in every scenario, as one chunk of all rows."""
    import pricing.fast

    specs = [spec_from_dict(d) for d in book_500[:200]]
    whole = PortfolioEngine(specs, sample_market_data).pv_matrix()
    monkeypatch.setattr(pricing.fast, "CHUNK_ROWS", 7)
    chunked_engine = PortfolioEngine(specs, sample_market_data)
    chunked_engine.pv_matrix([0])  # builds the book with the small chunks
    book = chunked_engine._book
    assert book is not None and len(book._plain) > 50 and len(book._projected) > 5
    np.testing.assert_array_equal(chunked_engine.pv_matrix(), whole)
