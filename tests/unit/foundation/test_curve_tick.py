"""The CurveTick wire message rejects what the engine must never compute, naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from core.messages import CurveTick, quote_key, split_quote_key

GOOD: dict[str, Any] = {
    "schema": "curve-tick/1",
    "seq": 12,
    "market": "USD",
    "as_of": "2026-02-26",
    "market_time": "2026-02-26T10:30:00-05:00",
    "produced_at_ns": 1_795_000_000_000_000_000,
    "curves": {"USD-UST": {"par_bond/2Y": 3.51, "bill/3M": 3.7}},
    "fixings": {"SOFR": {"2026-02-25": 3.62}},
    "fx": {"EURUSD": 1.09},
}


def _with(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_a_good_tick_round_trips_and_gives_a_market_snapshot() -> None:
    tick = CurveTick.from_json(json.dumps(GOOD))
    assert CurveTick.from_json(tick.to_json()) == tick
    snapshot = tick.to_market_snapshot()
    assert snapshot["as_of"] == "2026-02-26"
    assert snapshot["curves"] == [
        {
            "name": "USD-UST",
            "quotes": [
                {"instrument": "par_bond", "tenor": "2Y", "rate_pct": 3.51},
                {"instrument": "bill", "tenor": "3M", "rate_pct": 3.7},
            ],
        }
    ]
    assert snapshot["fixings"] == {"SOFR": {"2026-02-25": 3.62}}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_with(seq=2**63), "seq"),
        (_with(seq=-1), "seq"),
        (_with(produced_at_ns=2**64), "produced_at_ns"),
        (_with(schema="curve-tick/2"), "schema"),
        (_with(market="GBP"), "market"),
        (_with(curves={}), "curves"),
        (_with(curves={"USD-UST": {"par_bond/2Y": 250.0}}), "curves"),
        (_with(curves={"USD-UST": {"2Y": 3.5}}), "curves"),
        (_with(fx={"EURUSD": 1e300}), "fx"),
        (_with(fx={"EURUSD": -1.0}), "fx"),
        (_with(fixings={"SOFR": {"2026-02-25": 1e9}}), "fixings"),
        (_with(market_time="2026-02-27T10:30:00-05:00"), "market_time"),
        (_with(extra_field=1), "extra_field"),
        (json.dumps(GOOD).replace("3.51", "NaN").encode(), "curves"),
    ],
)
def test_bad_ticks_are_rejected_naming_the_field(payload: bytes, field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        CurveTick.from_json(payload)
    assert field in str(excinfo.value)


def test_quote_keys() -> None:
    assert split_quote_key(quote_key("swap", "10Y")) == ("swap", "10Y")
    with pytest.raises(ValueError, match="instrument/tenor"):
        split_quote_key("swap-10Y")


def test_the_tick_and_the_pricing_share_one_table_of_rate_bounds() -> None:
    """core cannot import pricing: the two tables are held equal here, so a tick accepted at intake is never
    refused by the pricing for the size of a rate, and the other way round."""
    import core.messages as tick_bounds
    import pricing.market as pricing_bounds

    assert (tick_bounds.MIN_RATE_PCT, tick_bounds.MAX_RATE_PCT) == (
        pricing_bounds.MIN_RATE_PCT,
        pricing_bounds.MAX_RATE_PCT,
    )
    for rate in (tick_bounds.MIN_RATE_PCT, tick_bounds.MAX_RATE_PCT):
        CurveTick.from_json(_with(curves={"USD-UST": {"par_bond/2Y": rate}}))
    for rate in (tick_bounds.MIN_RATE_PCT - 0.01, tick_bounds.MAX_RATE_PCT + 0.01):
        with pytest.raises(ValidationError, match="outside"):
            CurveTick.from_json(_with(curves={"USD-UST": {"par_bond/2Y": rate}}))
