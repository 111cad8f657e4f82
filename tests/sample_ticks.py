"""The sample market (``pricing/samples/market_2024-03-15.json``) as curve ticks, for unit tests of the
engine's logic without Kafka."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from core.messages import CurveTick

SAMPLES = Path(__file__).resolve().parents[1] / "pricing" / "samples"


def sample_market() -> dict[str, Any]:
    return dict(json.loads((SAMPLES / "market_2024-03-15.json").read_text()))


def sample_tick(market: dict[str, Any], currency: str, seq: int, shift_pct: float = 0.0) -> CurveTick:
    """The market's ``currency`` curves as one tick (every quote moved by ``shift_pct`` percentage
    points), with the fixings of its indices and the FX rates."""
    curves = {
        c["name"]: {f"{q['instrument']}/{q['tenor']}": q["rate_pct"] + shift_pct for q in c["quotes"]}
        for c in market["curves"]
        if c["name"].startswith(currency)
    }
    indices = {"USD": ["SOFR"], "EUR": ["ESTR", "EURIBOR6M"]}[currency]
    return CurveTick(
        seq=seq,
        market=currency,  # type: ignore[arg-type]
        as_of=market["as_of"],
        market_time=datetime.fromisoformat(market["as_of"] + "T10:00:00"),
        produced_at_ns=time.time_ns(),
        curves=curves,
        fixings={i: market["fixings"][i] for i in indices},
        fx=market["fx"],
    )
