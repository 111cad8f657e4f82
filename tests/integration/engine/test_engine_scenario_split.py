"""One shard whose scenarios are split with a replica actor (more cores than shards): same risk."""

from __future__ import annotations

import json

import httpx
import pytest
import ray
from engine_support import Engine, combined_snapshot, day_ticks, seed_engine_book
from risk_checks import assert_risk_close, notional_of

from actors.shard import shard_name
from pricing import price_portfolio
from secmaster.db import SessionFactory
from secmaster.repository.export import load_book

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def engine_shape() -> tuple[int, int]:
    return 1, 1


def test_split_scenarios_give_the_risk_of_riskctl_price(
    engine: Engine, client: httpx.Client, sessions: SessionFactory
) -> None:
    seed_engine_book(client, sessions)
    info = ray.get(ray.get_actor(shard_name(0)).info.remote())
    assert info["scenario_workers"] == 1
    usd, eur = day_ticks(50_000, ticks_per_day=1)
    engine.send(usd)
    engine.send(eur)
    summary = engine.wait_seq(eur.seq)
    with sessions() as session:
        book = {"instruments": load_book(session, None)}
    reference = price_portfolio(book, combined_snapshot(usd, eur))
    assert int(summary["n_ok"]) == reference["totals"]["n_ok"] >= 5
    total = notional_of(book["instruments"])
    for measure in ("pv", "dv01", "gamma"):
        assert_risk_close(measure, float(summary[measure]), reference["totals"][measure], total, "ALL")
    sizes = {entry["id"]: notional_of([entry]) for entry in book["instruments"]}
    for item in reference["instruments"]:
        if item["ok"]:
            kr01 = json.loads(engine.redis.hget(f"risk:instr:{item['id']}", "kr01") or "{}")
            for key in kr01.keys() | item["kr01"].keys():
                expected = item["kr01"].get(key, 0.0)
                assert_risk_close("kr01", kr01.get(key, 0.0), expected, sizes[item["id"]], item["id"])
