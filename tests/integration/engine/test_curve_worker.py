"""The curve worker bootstraps a share of each tick's scenarios beside the consumer: the engine's risk is
that of `riskctl price`, and a worker that dies costs only time (its share is bootstrapped by the consumer
until Ray has restarted it)."""

from __future__ import annotations

import os
import time

import httpx
import pytest
import ray
from engine_support import Engine, combined_snapshot, day_ticks, seed_engine_book
from risk_checks import assert_risk_close, notional_of

from actors.curve_worker import curve_worker_name
from core.messages import CurveTick
from pricing import price_portfolio
from secmaster.db import SessionFactory
from secmaster.repository.export import load_book

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]


def _check_against_price(engine: Engine, sessions: SessionFactory, usd: CurveTick, eur: CurveTick) -> None:
    engine.wait_seq(eur.seq)
    with sessions() as session:
        book = {"instruments": load_book(session, None)}
    reference = price_portfolio(book, combined_snapshot(usd, eur))
    summary = engine.summary()
    total = notional_of(book["instruments"])
    assert int(summary["n_ok"]) == reference["totals"]["n_ok"] >= 5
    for measure in ("pv", "dv01", "gamma"):
        assert_risk_close(measure, float(summary[measure]), reference["totals"][measure], total, "ALL")


def test_the_engine_splits_bootstraps_with_a_worker_that_may_die(
    engine: Engine, client: httpx.Client, sessions: SessionFactory
) -> None:
    seed_engine_book(client, sessions)
    worker = ray.get_actor(curve_worker_name(0))  # one spare core on the test machine: one worker
    usd, eur = day_ticks(70_000, ticks_per_day=1)
    engine.send(usd)
    engine.send(eur)
    _check_against_price(engine, sessions, usd, eur)

    pid = ray.get(worker.__ray_call__.remote(lambda _self: os.getpid()))
    ray.kill(worker, no_restart=False)  # Ray restarts it; meanwhile the consumer bootstraps its share
    usd2, eur2 = day_ticks(70_010, ticks_per_day=1)
    engine.send(usd2)
    engine.send(eur2)
    _check_against_price(engine, sessions, usd2, eur2)
    assert int(engine.status()["ticks_rejected"]) == 0
    deadline = time.monotonic() + 60  # ray.kill is asynchronous: wait for the new process to answer
    while ray.get(worker.__ray_call__.remote(lambda _self: os.getpid()), timeout=60) == pid:
        assert time.monotonic() < deadline, "the curve worker was not restarted within 60 s"
        time.sleep(0.5)
    usd3, eur3 = day_ticks(70_020, ticks_per_day=1)
    engine.send(usd3)
    engine.send(eur3)
    _check_against_price(engine, sessions, usd3, eur3)
    assert int(engine.status()["ticks_rejected"]) == 0
