"""One shard whose scenarios are split with a replica actor (more cores than shards): same risk."""

from __future__ import annotations

import json
import math

import httpx
import pytest
import ray
from engine_support import Engine, combined_snapshot, day_ticks, seed_engine_book

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
    for measure in ("pv", "dv01", "gamma"):
        assert math.isclose(float(summary[measure]), reference["totals"][measure], rel_tol=1e-9, abs_tol=1e-6)
    for item in reference["instruments"]:
        if item["ok"]:
            stored = engine.redis.hgetall(f"risk:instr:{item['id']}")
            kr01 = json.loads(stored["kr01"])
            for key in kr01.keys() | {k for k, v in item["kr01"].items() if v != 0.0}:
                assert kr01.get(key, 0.0) == pytest.approx(item["kr01"].get(key, 0.0), rel=1e-9, abs=1e-6)
