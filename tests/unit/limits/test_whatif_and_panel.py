"""What-if request terms (positions in the export's format) and the limits panel's pure pieces."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.keys import ALL_BOOKS
from serve_app import WhatIfRequest
from ui.limits import banner_html, updated_limits

SWAP: dict[str, Any] = {
    "type": "swap", "currency": "EUR", "notional": 1e7, "side": "pay_fixed", "fixed_rate_pct": 3.1,
    "start_date": "2023-06-20", "maturity_date": "2033-06-20", "fixed_frequency": "annual",
    "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "float_spread_bp": 0,
    "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M",
}  # fmt: skip


def test_a_trade_is_a_position_of_its_signed_quantity_as_the_export_gives_it() -> None:
    request = WhatIfRequest.model_validate({"trades": [SWAP | {"quantity": -2, "book": "SWAPS"}]})
    (terms,) = request.terms()
    assert (terms["side"], terms["notional"], terms["quantity"], terms["book"]) == (
        "pay_fixed",
        1e7,
        -2,
        "SWAPS",
    )
    assert request.target_book() == "SWAPS"


def test_trades_of_several_books_default_to_all() -> None:
    request = WhatIfRequest.model_validate({"trades": [SWAP | {"book": "A"}, SWAP | {"book": "B"}]})
    assert request.target_book() == ALL_BOOKS
    assert [t["id"] for t in request.terms()] == ["WHATIF-1", "WHATIF-2"]


def test_a_bad_trade_names_its_field() -> None:
    with pytest.raises(ValidationError, match="fixed_rate_pct"):
        WhatIfRequest.model_validate({"trades": [SWAP | {"fixed_rate_pct": 900}]})


def test_saving_one_limit_keeps_the_others_and_a_blank_limit_removes_it() -> None:
    current = [
        {"measure": "dv01", "limit": 10.0, "warning_pct": None, "curve": None, "tenor": None},
        {"measure": "kr01", "limit": 5.0, "warning_pct": 80.0, "curve": "USD-UST", "tenor": None},
    ]
    changed = updated_limits(current, "dv01", "", "", 20.0, 90.0)
    assert {"measure": "dv01", "limit": 20.0, "warning_pct": 90.0} in changed
    assert {"measure": "kr01", "limit": 5.0, "warning_pct": 80.0, "curve": "USD-UST"} in changed
    assert updated_limits(current, "kr01", "USD-UST", " ", None, None) == [{"measure": "dv01", "limit": 10.0}]


def test_the_banner_names_open_breaches_only() -> None:
    alert = {"book": "ALL", "measure": "dv01", "utilisation": 1.25, "market_time": "2026-02-26T14:00:00Z"}
    assert 'data-breaches="1"' in banner_html("ALL", [alert | {"kind": "breach"}])
    assert "dv01 of ALL at 125 %" in banner_html("ALL", [alert | {"kind": "breach"}])
    assert 'data-breaches="0"' in banner_html("ALL", [alert | {"kind": "breach"}, alert | {"kind": "clear"}])
