"""One rule set (``pricing.rules``): the price paths, the engine and the security master schemas agree.

``cases/16-bad-inputs-book-2.json`` (case 16 of ``../shared/cases/conventions``) holds values the security
master rejects; every path must reject each of them naming the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from cluster.cli import app
from pricing import PortfolioEngine, price_portfolio, rules, spec_from_dict
from pricing.identifiers import isin_from_cusip
from secmaster.models import Bond, Instrument, InterestRateSwap, OisSwap
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate
from secmaster.schemas.instruments import InstrumentType, Side

CASES = Path(__file__).resolve().parent / "cases"
BOOK_2 = CASES / "16-bad-inputs-book-2.json"
SAMPLE_MARKET = Path(__file__).resolve().parents[3] / "pricing" / "samples" / "market_2024-03-15.json"
#: instrument id of book-2 -> the field its value breaks
BREACHES = {
    "B24-isin-bad-check-digit": "isin",
    "B25-cusip-garbage": "cusip",
    "B26-coupon-25pct": "coupon_pct",
    "S11-fixed-rate-minus-8": "fixed_rate_pct",
    "S12-fixed-rate-35": "fixed_rate_pct",
}
ADAPTER: TypeAdapter[BondCreate | SwapCreate | OisCreate] = TypeAdapter(InstrumentCreate)


def _book_2() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(BOOK_2.read_text())["instruments"]
    return entries


@pytest.mark.parametrize("engine", ["fast", "quantlib"])
def test_price_portfolio_rejects_book_2_naming_each_field(
    sample_market_data: dict[str, Any], engine: str
) -> None:
    result = price_portfolio({"instruments": _book_2()}, sample_market_data, engine)
    assert {item["id"] for item in result["instruments"]} == set(BREACHES)
    for item in result["instruments"]:
        assert item["ok"] is False and item["pv"] is None
        assert item["error"].startswith(f"instrument {item['id']}: {BREACHES[item['id']]}: "), item["error"]
    assert result["totals"]["n_failed"] == len(BREACHES)


def test_riskctl_price_rejects_book_2_naming_each_field() -> None:
    result = CliRunner().invoke(app, ["price", "--book", str(BOOK_2), "--market", str(SAMPLE_MARKET)])
    assert result.exit_code == 0, result.output
    errors = {item["id"]: item["error"] for item in json.loads(result.stdout)["instruments"]}
    assert all(f": {BREACHES[ident]}: " in errors[ident] for ident in BREACHES), errors


def test_schemas_reject_book_2_with_a_422_on_the_field() -> None:
    for entry in _book_2():
        payload = {k: v for k, v in entry.items() if k != "id"}
        if payload["type"] == "bond":
            payload.setdefault("isin", isin_from_cusip("91282CJZ5"))
        with pytest.raises(ValidationError) as caught:
            ADAPTER.validate_python(payload)
        fields = {str(error["loc"][-1]) for error in caught.value.errors()}
        assert BREACHES[entry["id"]] in fields, (entry["id"], caught.value.errors())


def test_the_engine_applies_the_rules_to_specs_built_in_code(sample_market_data: dict[str, Any]) -> None:
    good = spec_from_dict(_book_2()[0] | {"isin": "US91282CJZ59"})
    bad = replace(good, id="TOO-RICH", coupon_pct=150.0)
    engine = PortfolioEngine([good, bad], sample_market_data)
    assert engine.ids == (good.id,)
    assert engine.failures["TOO-RICH"] == "instrument TOO-RICH: coupon_pct: 150 is outside [0, 20] percent"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coupon_pct": -1.0}, "coupon_pct"),
        ({"coupon_pct": 20.0001}, "coupon_pct"),
        ({"face": 2e12}, "face"),
        ({"quantity": 2e6}, "quantity"),
        ({"settlement_days": 9}, "settlement_days"),
        ({"maturity_date": "2150-02-15"}, "maturity_date"),
        ({"isin": "ZZ91282CJZ52"}, "isin"),
        ({"isin": "US91282CJZ59", "cusip": "912828YK0"}, "cusip"),
        ({"coupon_pct": 0.0}, "frequency"),
    ],
)
def test_price_path_and_schema_agree_on_each_rule(change: dict[str, Any], field: str) -> None:
    entry = _book_2()[0] | {"isin": "US91282CJZ59", **change}
    with pytest.raises(Exception, match=rf"instrument B24-isin-bad-check-digit: {field}: ") as from_spec:
        spec_from_dict(entry)
    payload = {k: v for k, v in entry.items() if k not in ("id", "settlement_days")}
    if field == "settlement_days":
        return  # not a security master field: the price paths' own rule
    with pytest.raises(ValidationError) as from_schema:
        ADAPTER.validate_python(payload)
    assert field in {str(error["loc"][-1]) for error in from_schema.value.errors()}, from_spec.value


def test_limits_accepted_on_every_path() -> None:
    entry = _book_2()[0] | {"isin": "US91282CJZ59", "coupon_pct": 20.0, "quantity": -1e6}
    spec_from_dict(entry)
    ADAPTER.validate_python({k: v for k, v in entry.items() if k != "id"})


def test_literals_and_database_constraints_follow_the_rule_table() -> None:
    assert get_args(InstrumentType) == rules.INSTRUMENT_TYPES
    assert get_args(Side) == rules.SIDES
    checks = {
        constraint.name: str(constraint.sqltext)
        for table in (Instrument.__table__, Bond.__table__, InterestRateSwap.__table__, OisSwap.__table__)
        for constraint in table.constraints
        if hasattr(constraint, "sqltext")
    }
    types = re.findall(r"'(\w+)'", next(text for text in checks.values() if text.startswith("type IN")))
    assert tuple(types) == rules.INSTRUMENT_TYPES
    coupon = next(text for text in checks.values() if "coupon_pct" in text)
    assert coupon == f"coupon_pct >= {rules.COUPON_PCT.low:g} AND coupon_pct <= {rules.COUPON_PCT.high:g}"
    fixed = next(text for text in checks.values() if "fixed_rate_pct" in text)
    low, high = rules.FIXED_RATE_PCT.low, rules.FIXED_RATE_PCT.high
    assert fixed == f"fixed_rate_pct >= {low:g} AND fixed_rate_pct <= {high:g}"
