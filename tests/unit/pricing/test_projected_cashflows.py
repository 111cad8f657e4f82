"""Projected cashflows (the dashboard's drill-down) add up to the position's PV, on both engines."""

from __future__ import annotations

from typing import Any

import pytest

from pricing import PortfolioEngine, spec_from_dict
from pricing.errors import EngineError


@pytest.mark.parametrize("engine_kind", ["fast", "quantlib"])
def test_cashflow_pvs_sum_to_the_position_pv(
    sample_book: dict[str, Any], market: dict[str, Any], engine_kind: str
) -> None:
    specs = [spec_from_dict(entry) for entry in sample_book["instruments"]]
    engine = PortfolioEngine(specs, market, engine=engine_kind)
    base = engine.pv_matrix([0])[:, 0]
    assert len(engine.ids) == len(specs)
    for row, ident in enumerate(engine.ids):
        flows = engine.projected_cashflows(ident)
        assert flows, ident
        assert sum(float(f["pv"]) for f in flows) == pytest.approx(base[row], rel=1e-9, abs=1e-6)
        dates = [str(f["pay_date"]) for f in flows]
        assert dates == sorted(dates) or ident.startswith(("IRS", "OIS"))  # swap legs interleave
        assert all(str(f["pay_date"]) > market["as_of"] for f in flows)
        assert all(0.0 < float(f["df"]) <= 1.0 + 1e-12 for f in flows)
    swap_flows = engine.projected_cashflows("IRS-1")
    assert {f["leg"] for f in swap_flows} == {"fixed", "floating"}


def test_unknown_position_is_refused(sample_book: dict[str, Any], market: dict[str, Any]) -> None:
    engine = PortfolioEngine([spec_from_dict(sample_book["instruments"][0])], market)
    with pytest.raises(EngineError, match="NOPE"):
        engine.projected_cashflows("NOPE")
