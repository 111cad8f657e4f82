"""Wire messages shared by the market feed (producer) and the risk engine (consumer).

A ``CurveTick`` carries the full quote set of one currency market at one market time, so that any
single tick is enough to rebuild that market's curves (which is what makes conflation safe).

Quote keys inside a curve are ``instrument/tenor`` (``ois/10Y``, ``swap/5Y``, ``deposit/6M``,
``par_bond/2Y``, ``bill/3M``); risk keys are ``CURVE/TENOR`` (see :mod:`core.keys`).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "CURVE_TICK_SCHEMA",
    "MAX_FX_SPOT",
    "MAX_RATE_PCT",
    "MIN_RATE_PCT",
    "CurveTick",
    "quote_key",
    "split_quote_key",
]

CURVE_TICK_SCHEMA = "curve-tick/1"
#: A quote or fixing outside [MIN_RATE_PCT, MAX_RATE_PCT] percent is a feed error, not a market level. The
#: same bounds as :data:`pricing.market.MIN_RATE_PCT` / ``MAX_RATE_PCT`` (core may not import pricing; a unit
#: test holds the two tables equal), so a tick accepted here is never refused by the pricing for its size.
MIN_RATE_PCT = -10.0
MAX_RATE_PCT = 40.0
MAX_INT64 = 2**63 - 1
#: No currency pair trades at a million units or more of the other: beyond is a feed error.
MAX_FX_SPOT = 1e6

_QUOTE_KEY = re.compile(r"^(?P<instrument>[a-z_]+)/(?P<tenor>[0-9A-Za-z]+)$")


def quote_key(instrument: str, tenor: str) -> str:
    """The key of one quote inside a curve: ``instrument/tenor``."""
    return f"{instrument}/{tenor}"


def split_quote_key(key: str) -> tuple[str, str]:
    """``"ois/10Y"`` -> ``("ois", "10Y")``; raises ``ValueError`` naming the key if malformed."""
    match = _QUOTE_KEY.match(key)
    if match is None:
        raise ValueError(f"quote key {key!r} is not of the form instrument/tenor (e.g. 'ois/10Y')")
    return match["instrument"], match["tenor"]


def _finite_rate(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{where}: rate {value!r} is not a finite number")
    if not MIN_RATE_PCT <= value <= MAX_RATE_PCT:
        raise ValueError(f"{where}: rate {value}% is outside [{MIN_RATE_PCT:g}, {MAX_RATE_PCT:g}] percent")
    return value


class CurveTick(BaseModel):
    """One market update: every quote of every curve of one currency market (``USD`` or ``EUR``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    schema_: Literal["curve-tick/1"] = Field(default="curve-tick/1", alias="schema")
    # seq and timestamps are 64-bit everywhere else (Kafka, Redis, numpy); the engine names a tick by its
    # seq on risk.updates but orders a market's ticks by (as_of, market_time), never by seq
    seq: int = Field(ge=0, le=MAX_INT64, description="Strictly increasing per producer run and per key.")
    market: Literal["USD", "EUR"]
    as_of: date = Field(description="Business date the quotes belong to (the valuation date).")
    market_time: datetime
    produced_at_ns: int = Field(ge=0, le=MAX_INT64, description="time.time_ns() when the producer sent it.")
    curves: dict[str, dict[str, float]] = Field(min_length=1)
    fixings: dict[str, dict[date, float]] = Field(default_factory=dict)
    fx: dict[str, float] = Field(default_factory=dict)
    derived: list[str] = Field(
        default_factory=list, description="CURVE/instrument/tenor of quotes derived by rule, not observed."
    )
    stale: list[str] = Field(
        default_factory=list,
        description="CURVE/instrument/tenor of quotes carried forward from an earlier day (also in derived).",
    )
    new_session: bool = Field(
        default=False,
        description="Starts a new session on this tick's day: the only way back to an earlier day "
        "(a looped replay sets it on each market's first tick of every pass after the first).",
    )

    @field_validator("curves")
    @classmethod
    def _check_curves(cls, curves: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for name, quotes in curves.items():
            if not quotes:
                raise ValueError(f"curve {name}: no quotes")
            for key, rate in quotes.items():
                split_quote_key(key)
                _finite_rate(rate, f"curve {name} quote {key}")
        return curves

    @field_validator("fixings")
    @classmethod
    def _check_fixings(cls, fixings: dict[str, dict[date, float]]) -> dict[str, dict[date, float]]:
        for index, series in fixings.items():
            for day, rate in series.items():
                _finite_rate(rate, f"fixing {index} {day}")
        return fixings

    @field_validator("fx")
    @classmethod
    def _check_fx(cls, fx: dict[str, float]) -> dict[str, float]:
        for pair, spot in fx.items():
            if not (math.isfinite(spot) and 0 < spot < MAX_FX_SPOT):
                raise ValueError(f"fx {pair}: spot {spot!r} must be a positive number below {MAX_FX_SPOT:g}")
        return fx

    @model_validator(mode="after")
    def _check_time(self) -> CurveTick:
        if self.market_time.date() != self.as_of:
            raise ValueError(f"market_time {self.market_time} is not on as_of {self.as_of}")
        return self

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_json(cls, payload: bytes | str) -> CurveTick:
        """Parse and validate; raises ``pydantic.ValidationError`` with the reason."""
        return cls.model_validate_json(payload)

    def to_market_snapshot(self) -> dict[str, Any]:
        """The market snapshot JSON of docs/architecture.md section 5 (the input of ``riskctl price``).

        Curve metadata (currency, index, discount curve) is filled in by ``pricing`` from the
        conventions of each named curve.
        """
        curves = []
        for name, quotes in self.curves.items():
            rows = []
            for key, rate in quotes.items():
                instrument, tenor = split_quote_key(key)
                rows.append({"instrument": instrument, "tenor": tenor, "rate_pct": rate})
            curves.append({"name": name, "quotes": rows})
        return {
            "as_of": self.as_of.isoformat(),
            "fx": dict(self.fx),
            "curves": curves,
            "fixings": {
                index: {day.isoformat(): rate for day, rate in sorted(series.items())}
                for index, series in self.fixings.items()
            },
            "derived": list(self.derived),
            "stale": list(self.stale),
        }
