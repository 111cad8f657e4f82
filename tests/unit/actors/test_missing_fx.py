"""A market without its FX rate to USD: one behaviour on every path that totals across currencies
(pricing.fx). The consumer rejects the tick (its market goes stale), a shard refuses it too, the
what-if says there is no live market, batch fails the day with the pairs named: never a NaN total."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from actors.intake import Rejected, parse_record
from actors.shard_book import ShardBook, TickRejected
from actors.whatif import NoLiveMarket, _fx_to_usd
from cluster.batch.errors import BatchError
from cluster.batch.tasks import scenario_pnl, usd_per_unit
from core.messages import CurveTick

SAMPLES = Path(__file__).resolve().parents[3] / "pricing" / "samples"
MARKET: dict[str, Any] = json.loads((SAMPLES / "market_2024-03-15.json").read_text())
BOOK: dict[str, Any] = json.loads((SAMPLES / "book.json").read_text())


def _eur_tick(fx: dict[str, float]) -> CurveTick:
    return CurveTick(
        seq=1,
        market="EUR",
        as_of=MARKET["as_of"],
        market_time=datetime.fromisoformat(MARKET["as_of"] + "T10:00:00"),
        produced_at_ns=time.time_ns(),
        curves={
            c["name"]: {f"{q['instrument']}/{q['tenor']}": q["rate_pct"] for q in c["quotes"]}
            for c in MARKET["curves"]
            if c["name"].startswith("EUR")
        },
        fixings={i: MARKET["fixings"][i] for i in ("ESTR", "EURIBOR6M")},
        fx=fx,
    )


def test_the_consumer_rejects_a_tick_without_its_rate_naming_the_pairs() -> None:
    rejected = parse_record(b"EUR", _eur_tick({}).to_json())
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith("EUR tick seq 1: fx: no rate from EUR to USD: add EURUSD")
    assert isinstance(parse_record(b"EUR", _eur_tick({"USDEUR": 0.92}).to_json()), CurveTick)


def test_a_shard_refuses_it_too_and_keeps_no_nan() -> None:
    eur = [i for i in BOOK["instruments"] if i["currency"] == "EUR"]
    shard = ShardBook(0, eur, publish_per_tick=None)
    with pytest.raises(TickRejected, match="no rate from EUR to USD"):
        shard.apply(_eur_tick({}))
    partial = shard.apply(_eur_tick({"EURUSD": 1.25}))
    total = sum(sums.pv for sums in partial.books.values())
    native = sum(r.record.pv for r in partial.changed)
    assert total == pytest.approx(1.25 * native, rel=1e-12)


def test_the_what_if_has_no_live_market_without_it() -> None:
    with pytest.raises(NoLiveMarket, match="EUR tick seq 1: fx: no rate from EUR to USD"):
        _fx_to_usd(_eur_tick({}), "EUR")
    assert _fx_to_usd(_eur_tick({"USDEUR": 0.8}), "EUR") == pytest.approx(1.25, rel=1e-15)


def test_batch_fails_the_day_naming_the_pairs() -> None:
    with pytest.raises(BatchError, match="add EURUSD \\(USD per EUR\\) or USDEUR"):
        usd_per_unit("EUR", {})
    with pytest.raises(BatchError, match="no rate from EUR to USD"):
        scenario_pnl(BOOK["instruments"], MARKET | {"fx": {}}, [("base", {})])
