"""Issue 13 (positions): the instrument (contract terms) and the position (book, instrument id, signed
quantity) are distinct types; an instrument held in several books is valued once and each position is
exactly its quantity times the instrument's risk (a short exactly minus the long)."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

import pricing.engine
from pricing import (
    BondSpec,
    PortfolioEngine,
    Position,
    SpecError,
    position_from_dict,
    price_portfolio,
    resolve_book,
    risk_arrays,
    scale_rows,
    spec_from_dict,
)
from pricing.positions import position_to_dict

MEASURES = ("pv", "dv01", "gamma")


def _entry(sample_book: dict[str, Any], ident: str, **position: Any) -> dict[str, Any]:
    entry = next(e for e in sample_book["instruments"] if e["id"] == ident)
    return {k: v for k, v in entry.items() if k not in ("book", "quantity")} | position


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each instrument is built (QuantLib objects and cashflow tables) by the engine."""
    counts: Counter[str] = Counter()
    build = pricing.engine.build_instrument

    def counted(spec: Any, handles: Any) -> Any:
        counts[spec.id] += 1
        return build(spec, handles)

    monkeypatch.setattr(pricing.engine, "build_instrument", counted)
    return counts


def test_specs_are_contract_terms_only() -> None:
    for cls in (BondSpec, pricing.SwapSpec, pricing.OisSwapSpec):
        names = {f.name for f in fields(cls)}
        assert not names & {"book", "quantity"}, cls


def test_a_book_entry_is_an_instrument_and_a_position(sample_book: dict[str, Any]) -> None:
    entry = _entry(sample_book, "IRS-1", book="SWAPS", quantity=-3)
    spec, position = position_from_dict(entry)
    assert position == Position("SWAPS", "IRS-1", -3.0)
    assert spec == spec_from_dict(entry) and spec.notional == entry["notional"]  # never scaled
    assert position_from_dict(position_to_dict(spec, position)) == (spec, position)
    assert position_from_dict({k: v for k, v in entry.items() if k not in ("book", "quantity")})[1] == (
        Position(None, "IRS-1", 1.0)
    )
    exported = entry | {"id": "IRS-1@SWAPS", "instrument_id": "IRS-1"}  # a whole-portfolio export row
    assert position_from_dict(exported) == (spec, position)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 0}, "instrument IRS-1: quantity: must not be 0"),
        ({"quantity": "2"}, "instrument IRS-1: quantity '2' is not a finite number"),
        ({"quantity": True}, "instrument IRS-1: quantity True is not a finite number"),
        ({"book": ""}, "instrument IRS-1: book '' must be a non-empty string"),
        ({"instrument_id": ""}, "instrument 'IRS-1': instrument_id must be a non-empty string"),
    ],
)
def test_bad_position_fields_name_the_field(
    sample_book: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as raised:
        position_from_dict(_entry(sample_book, "IRS-1") | change)
    assert str(raised.value).startswith(message), raised.value


@pytest.mark.parametrize("engine", ["fast", "quantlib"])
@pytest.mark.parametrize("ident", ["UST-91282CJZ5", "IRS-1", "OIS-SOFR-1"])
def test_an_instrument_in_two_books_is_valued_once_and_scaled(
    sample_book: dict[str, Any],
    sample_market_data: dict[str, Any],
    builds: Counter[str],
    engine: str,
    ident: str,
) -> None:
    unit = price_portfolio([_entry(sample_book, ident)], sample_market_data, engine)["instruments"][0]
    assert unit["ok"], unit["error"]
    builds.clear()
    book = [_entry(sample_book, ident, book="LONGS", quantity=2), _entry(sample_book, ident, book="SHORTS")]
    book[1]["quantity"] = -3
    book[1]["id"], book[1]["instrument_id"] = f"{ident}@SHORTS", ident  # as a whole-portfolio export
    result = price_portfolio(book, sample_market_data, engine, pillar_gamma=True)
    assert builds == {ident: 1}  # one instrument, built and valued once for both positions
    long, short = result["instruments"]
    assert (long["book"], short["book"], long["ok"], short["ok"]) == ("LONGS", "SHORTS", True, True)
    for measure in MEASURES:
        assert long[measure] == 2 * unit[measure] and short[measure] == -3 * unit[measure], measure
    assert long["kr01"] == {key: 2 * value for key, value in unit["kr01"].items()} != {}
    assert short["kr01"] == {key: -3 * value for key, value in unit["kr01"].items()}
    assert {key: value / -3 for key, value in short["kr_gamma"].items()} == pytest.approx(
        {key: value / 2 for key, value in long["kr_gamma"].items()}, rel=1e-15
    )
    assert result["totals"]["n_ok"] == 2
    assert result["totals"]["by_currency"][unit["currency"]]["pv"] == pytest.approx(-unit["pv"], rel=1e-12)


def test_a_short_is_exactly_minus_the_long_and_a_unit_long_the_instrument(
    sample_book: dict[str, Any], sample_market_data: dict[str, Any]
) -> None:
    specs = [spec_from_dict(e) for e in sample_book["instruments"]]
    engine = PortfolioEngine(specs, sample_market_data)
    unit = risk_arrays(engine.pv_matrix(), engine.scenarios)
    rows = np.arange(len(engine.ids))
    long = scale_rows(unit, rows, [7.0] * len(rows))
    short = scale_rows(unit, rows, [-7.0] * len(rows))
    same = scale_rows(unit, rows, [1.0] * len(rows))
    for name in ("pv", "dv01", "gamma", "kr01"):
        assert np.array_equal(getattr(short, name), -getattr(long, name)), name
        assert np.array_equal(getattr(same, name), getattr(unit, name)), name
    with pytest.raises(pricing.EngineError, match="2 instrument rows for 1 quantities"):
        scale_rows(unit, [0, 1], [1.0])


def test_entries_of_one_instrument_must_agree_and_entry_ids_stay_unique(sample_book: dict[str, Any]) -> None:
    entry = _entry(sample_book, "UST-91282CJZ5", book="A")
    resolved = resolve_book(
        [
            entry,
            entry | {"id": "UST-91282CJZ5@B", "instrument_id": "UST-91282CJZ5", "book": "B", "quantity": -1},
            entry | {"id": "UST-91282CJZ5@C", "instrument_id": "UST-91282CJZ5", "coupon_pct": 5.0},
            entry | {"book": "D"},
            {"id": "broken", "type": "bond"},
        ]
    )
    assert list(resolved.instruments) == ["UST-91282CJZ5"]
    assert resolved.positions == {
        0: Position("A", "UST-91282CJZ5", 1.0),
        1: Position("B", "UST-91282CJZ5", -1.0),
    }
    assert resolved.errors[2].startswith(
        "instrument UST-91282CJZ5@C: terms differ from an earlier entry holding instrument UST-91282CJZ5"
    )
    assert resolved.errors[3] == "instrument UST-91282CJZ5: duplicate id in the book"
    assert resolved.errors[4].startswith("instrument broken: missing field(s)")
