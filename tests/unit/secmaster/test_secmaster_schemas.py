"""Business rules of the Create schemas: each violation names the field and says the rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from secmaster.schemas import BondCreate, InstrumentCreate, InstrumentQuery, OisCreate, SwapCreate

ADAPTER: TypeAdapter[BondCreate | SwapCreate | OisCreate] = TypeAdapter(InstrumentCreate)

BOND: dict[str, Any] = {
    "type": "bond", "isin": "US91282CJZ59", "currency": "USD", "face": 1_000_000, "coupon_pct": 4.0,
    "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
    "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
}  # fmt: skip
SWAP: dict[str, Any] = {
    "type": "swap", "currency": "EUR", "notional": 10_000_000, "side": "pay_fixed", "fixed_rate_pct": 3.1,
    "start_date": "2023-06-20", "maturity_date": "2033-06-20", "fixed_frequency": "annual",
    "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "float_spread_bp": 0,
    "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M",
}  # fmt: skip
OIS: dict[str, Any] = {
    "type": "ois", "currency": "USD", "notional": 5_000_000, "side": "receive_fixed", "fixed_rate_pct": 3.8,
    "start_date": "2026-03-02", "maturity_date": "2031-03-02", "fixed_frequency": "annual",
    "fixed_day_count": "ACT/360", "float_index": "SOFR", "discount_curve": "USD-SOFR",
}  # fmt: skip


def _error(payload: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python(payload)
    first = caught.value.errors()[0]
    return (str(first["loc"][-1]) if first["loc"] else ""), first["msg"]


def test_valid_instruments_of_every_type() -> None:
    assert isinstance(ADAPTER.validate_python(BOND), BondCreate)
    assert isinstance(ADAPTER.validate_python(SWAP), SwapCreate)
    assert isinstance(ADAPTER.validate_python(OIS), OisCreate)
    zero = BOND | {"coupon_pct": 0, "frequency": "once", "isin": "US912797PZ47"}
    assert ADAPTER.validate_python(zero).coupon_pct == 0


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        (BOND | {"isin": "US91282CJZ58"}, "isin", "check digit"),
        (BOND | {"cusip": "912828YK0"}, "cusip", "national number"),
        (BOND | {"maturity_date": "2020-01-01"}, "maturity_date", "after issue_date"),
        (BOND | {"maturity_date": "2200-01-01"}, "maturity_date", "100 years"),
        (BOND | {"currency": "GBP"}, "currency", "no curves"),
        (BOND | {"currency": "usd"}, "currency", "ISO 4217"),
        (BOND | {"coupon_pct": 25}, "coupon_pct", "less than or equal to 20"),
        (BOND | {"coupon_pct": 0}, "frequency", "zero-coupon"),
        (BOND | {"frequency": "once"}, "frequency", "zero-coupon"),
        (BOND | {"day_count": "ACT/999"}, "day_count", "unknown day count"),
        (BOND | {"discount_curve": "EUR-ESTR"}, "discount_curve", "EUR curve"),
        (BOND | {"face": -1}, "face", "greater than 0"),
        (BOND | {"face": "lots"}, "face", "valid number"),
        (BOND | {"face": float("inf")}, "face", "finite"),
        ({k: v for k, v in BOND.items() if k != "face"}, "face", "Field required"),
        (BOND | {"book": "ALL"}, "book", "reserved"),
        (BOND | {"colour": "blue"}, "colour", "Extra inputs"),
        (SWAP | {"notional": -5}, "notional", "greater than 0"),
        (SWAP | {"float_index": "SOFR"}, "float_index", "fixes in USD"),
        (SWAP | {"float_index": "LIBOR3M"}, "float_index", "unknown index"),
        (SWAP | {"forecast_curve": "EUR-ESTR"}, "forecast_curve", "does not forecast"),
        (SWAP | {"fixed_frequency": "once"}, "fixed_frequency", "periodically"),
        (SWAP | {"maturity_date": "2023-06-20"}, "maturity_date", "after start_date"),
        (SWAP | {"side": "long"}, "side", "pay_fixed"),
        (OIS | {"float_index": "ESTR"}, "float_index", "fixes in EUR"),
        (OIS | {"currency": "EUR", "float_index": "EURIBOR6M"}, "float_index", "term index"),
        (OIS | {"discount_curve": "USD-UST"}, "discount_curve", "discounted on USD-SOFR"),
        ({"type": "future"}, "", "'type' does not match any of the expected tags: 'bond'"),
    ],
)
def test_rule_violations_name_field_and_rule(payload: dict[str, Any], field: str, rule: str) -> None:
    loc, message = _error(payload)
    assert loc == field
    assert rule in message


def test_query_limits() -> None:
    assert InstrumentQuery().limit == 100
    with pytest.raises(ValidationError, match="less than or equal to 1000"):
        InstrumentQuery(limit=1001)
    with pytest.raises(ValidationError, match="before maturity_from"):
        InstrumentQuery.model_validate({"maturity_from": "2030-01-01", "maturity_to": "2029-01-01"})
