"""The bulk path's change events carry exactly the terms a single create's event carries."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from secmaster.repository.terms import create_terms, instrument_terms, new_instrument, terms_etag
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate

CREATE: TypeAdapter[BondCreate | SwapCreate | OisCreate] = TypeAdapter(InstrumentCreate)
ROWS: dict[str, dict[str, Any]] = {
    "bond": {
        "type": "bond", "isin": "US91282CJZ59", "cusip": "91282CJZ5", "currency": "USD", "face": 1e6,
        "coupon_pct": 4.0, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
        "issue_date": "2024-02-15", "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
    },
    "swap": {
        "type": "swap", "currency": "EUR", "notional": 1e7, "side": "pay_fixed", "fixed_rate_pct": 3.1,
        "start_date": "2023-06-20", "maturity_date": "2033-06-20", "fixed_frequency": "annual",
        "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "float_spread_bp": 5,
        "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M",
    },
    "ois": {
        "type": "ois", "currency": "USD", "notional": 5e6, "side": "receive_fixed", "fixed_rate_pct": 3.8,
        "start_date": "2026-03-02", "maturity_date": "2031-03-02", "fixed_frequency": "annual",
        "fixed_day_count": "ACT/360", "float_index": "SOFR", "discount_curve": "USD-SOFR",
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_create_terms_equal_the_terms_of_the_stored_object(kind: str) -> None:
    data = CREATE.validate_python(ROWS[kind])
    assert create_terms(data, "X-1") == instrument_terms(new_instrument(data, "X-1"))


def test_bond_without_cusip_has_no_cusip_key_and_etags_follow_the_terms() -> None:
    data = CREATE.validate_python({k: v for k, v in ROWS["bond"].items() if k != "cusip"})
    terms = create_terms(data, "B-1")
    assert "cusip" not in terms and terms == instrument_terms(new_instrument(data, "B-1"))
    assert terms_etag(terms) == terms_etag(dict(reversed(terms.items())))  # key order does not matter
    assert terms_etag(terms) != terms_etag(terms | {"coupon_pct": 4.125})
