"""The real-time engine end to end: Kafka ticks -> Ray shard actors -> aggregator -> Redis, with the
security master served over HTTP, against real PostgreSQL, Redis, Kafka and Ray."""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
import ray
from confluent_kafka import Consumer, TopicPartition
from engine_support import (
    Engine,
    combined_snapshot,
    create_book,
    day_ticks,
    retick,
    seed_engine_book,
    unique_isin,
    wait_relayed,
)
from risk_checks import assert_risk_close, notional_of

from actors.shard import shard_name
from core.messages import CurveTick
from pricing import price_portfolio
from secmaster.db import SessionFactory
from secmaster.repository.export import load_book
from ui.snapshot import read_snapshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.kafka,
    pytest.mark.ray,
    pytest.mark.slow,
]


def _book(sessions: SessionFactory) -> dict[str, Any]:
    with sessions() as session:
        return {"instruments": load_book(session, None)}


@pytest.fixture(scope="module")
def seeded(engine: Engine, serve_url: str, token: str, sessions: SessionFactory) -> None:
    """The module's book, created once through the HTTP API (every test here may run alone)."""
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        seed_engine_book(http, sessions)


@pytest.mark.usefixtures("seeded")
class TestRealtimeEngine:
    seq = 10_000

    @classmethod
    def next_seq(cls) -> int:
        cls.seq += 100
        return cls.seq

    def test_tick_results_equal_riskctl_price(
        self, engine: Engine, client: httpx.Client, sessions: SessionFactory
    ) -> None:
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        engine.send(usd)
        engine.send(eur)
        summary = engine.wait_seq(eur.seq)
        book = _book(sessions)
        reference = price_portfolio(book, combined_snapshot(usd, eur), engine="fast")
        assert reference["totals"]["n_ok"] == int(summary["n_ok"]) > 0
        assert int(summary["n_failed"]) == reference["totals"]["n_failed"]
        total = notional_of(book["instruments"])
        for measure in ("pv", "dv01", "gamma"):
            assert_risk_close(measure, float(summary[measure]), reference["totals"][measure], total, "ALL")
        kr01 = engine.redis.hgetall("risk:ALL:kr01")
        for key in set(kr01) | set(reference["totals"]["kr01"]):
            expected = reference["totals"]["kr01"].get(key, 0.0)
            assert_risk_close("kr01", float(kr01.get(key, 0.0)), expected, total, f"ALL {key}")
        sizes = {entry["id"]: notional_of([entry]) for entry in book["instruments"]}
        for item in reference["instruments"]:
            stored = engine.redis.hgetall(f"risk:instr:{item['id']}")
            assert stored["ok"] == ("1" if item["ok"] else "0"), item
            if item["ok"]:
                size = sizes[item["id"]]
                for measure in ("pv", "dv01", "gamma"):
                    assert_risk_close(measure, float(stored[measure]), item[measure], size, item["id"])
                flows = json.loads(stored["cashflows"])
                assert_risk_close("pv", sum(f["pv"] for f in flows), item["pv"], size, f"{item['id']} flows")
                stored_kr01 = json.loads(stored["kr01"])
                for key in set(stored_kr01) | set(item["kr01"]):
                    expected = item["kr01"].get(key, 0.0)
                    assert_risk_close(
                        "kr01", stored_kr01.get(key, 0.0), expected, size, f"{item['id']} {key}"
                    )

    def test_added_trade_changes_next_tick_by_its_risk_and_deleted_one_leaves(
        self, engine: Engine, client: httpx.Client, sessions: SessionFactory
    ) -> None:
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        engine.send(usd)
        engine.send(eur)
        before = engine.wait_seq(eur.seq)
        trade_id = f"ENG-NEW-{uuid.uuid4().hex[:6]}"
        body = {"id": trade_id, "type": "bond", "isin": unique_isin(), "currency": "USD", "face": 7_000_000,
                "coupon_pct": 3.5, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
                "issue_date": "2022-05-15",
                "maturity_date": "2032-05-15", "discount_curve": "USD-UST", "book": "ENG-GOVT",
                "quantity": 1}  # fmt: skip
        assert client.post("/api/v1/instruments/bonds", json=body).status_code == 201
        wait_relayed(sessions)
        tick = retick(usd, eur.seq + 1)
        engine.send(tick)
        after = engine.wait_seq(tick.seq)
        alone = price_portfolio(
            {"instruments": [{k: v for k, v in body.items() if k != "quantity"}]},
            combined_snapshot(usd, eur),
        )
        assert alone["instruments"][0]["ok"], alone["instruments"][0]["error"]
        for measure in ("pv", "dv01", "gamma"):
            added = float(after[measure]) - float(before[measure])
            assert_risk_close(measure, added, alone["totals"][measure], body["face"], "added bond")
        assert int(after["n_ok"]) == int(before["n_ok"]) + 1
        assert float(after["pnl_open"]) == pytest.approx(float(before["pnl_open"]), abs=1e-6)
        stored_pv = float(engine.redis.hget(f"risk:instr:{trade_id}", "pv") or "nan")
        assert_risk_close("pv", stored_pv, alone["instruments"][0]["pv"], body["face"], trade_id)

        assert client.delete(f"/api/v1/instruments/{trade_id}", params={"force": "true"}).status_code == 204
        wait_relayed(sessions)
        tick = retick(usd, tick.seq + 1)
        engine.send(tick)
        gone = engine.wait_seq(tick.seq)
        total = notional_of(_book(sessions)["instruments"])
        for measure in ("pv", "dv01", "gamma"):  # the same quotes as before: back to the same risk
            assert_risk_close(measure, float(gone[measure]), float(before[measure]), total, "after delete")
        assert int(gone["n_ok"]) == int(before["n_ok"])
        assert float(gone["pnl_open"]) == pytest.approx(float(before["pnl_open"]), abs=1e-6)
        assert not engine.redis.exists(f"risk:instr:{trade_id}")

    def test_a_short_position_is_exactly_minus_the_long_live_and_in_batch(
        self, engine: Engine, client: httpx.Client, sessions: SessionFactory
    ) -> None:
        """Issue 13 (positions): a position's risk is the instrument's risk times its signed quantity."""
        create_book(client, "SHORTS")
        ident = f"ENG-SHORT-{uuid.uuid4().hex[:6]}"
        body = {"id": ident, "type": "bond", "isin": unique_isin(), "currency": "USD", "face": 1_000_000,
                "coupon_pct": 4.25, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
                "issue_date": "2023-08-15", "maturity_date": "2033-08-15", "discount_curve": "USD-UST",
                "book": "ENG-GOVT", "quantity": 3}  # fmt: skip
        assert client.post("/api/v1/instruments/bonds", json=body).status_code == 201
        put = client.put(f"/api/v1/books/SHORTS/positions/{ident}", json={"quantity": -3})
        assert put.status_code == 201, put.text
        wait_relayed(sessions)
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        engine.send(usd)
        engine.send(eur)
        engine.wait_seq(eur.seq)
        for attempt in range(5):  # the book watcher may take the change with the next tick
            long_row = engine.redis.hgetall(f"risk:instr:{ident}@ENG-GOVT")
            short_row = engine.redis.hgetall(f"risk:instr:{ident}@SHORTS")
            if long_row and short_row:
                break
            again = retick(usd, eur.seq + 1 + attempt)
            engine.send(again)
            engine.wait_seq(again.seq)
        assert long_row.get("ok") == short_row.get("ok") == "1", (long_row, short_row)
        for measure in ("pv", "dv01", "gamma"):
            assert float(short_row[measure]) == -float(long_row[measure]) != 0.0, measure
        long_kr01, short_kr01 = json.loads(long_row["kr01"]), json.loads(short_row["kr01"])
        assert {k: -v for k, v in long_kr01.items()} == short_kr01
        batch = price_portfolio(_book(sessions), combined_snapshot(usd, eur), engine="fast")
        by_id = {item["id"]: item for item in batch["instruments"]}
        long_b, short_b = by_id[f"{ident}@ENG-GOVT"], by_id[f"{ident}@SHORTS"]
        for measure in ("pv", "dv01", "gamma"):
            assert short_b[measure] == -long_b[measure]
            # live and batch agree by the project's rule (PV, DV01 to 1e-9; gamma per notional)
            assert_risk_close(measure, float(long_row[measure]), long_b[measure], 3_000_000.0, ident)
        client.delete(f"/api/v1/books/SHORTS/positions/{ident}")

    def test_malformed_records_go_to_the_dlq_and_a_redelivered_tick_does_not_double_count(
        self, engine: Engine
    ) -> None:
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        good = json.loads(usd.to_json())
        bad: list[tuple[bytes | None, bytes]] = [
            (b"USD", b"this is not json"),
            (b"USD", b'{"schema": "curve-tick/1", "seq": 1'),  # truncated
            (b"USD", json.dumps({**good, "schema": "curve-tick/9"}).encode()),  # unknown schema version
            (b"USD", json.dumps({**good, "seq": "many"}).encode()),  # wrong type
            (b"USD", json.dumps({k: v for k, v in good.items() if k != "curves"}).encode()),  # missing
            (b"USD", json.dumps({**good, "curves": {"USD-UST": {"par_bond/2Y": 1e9}}}).encode()),  # absurd
            (b"USD", json.dumps(good).replace('"par_bond/2Y":', '"par_bond/2Y": NaN, "x/1Y":').encode()),
            (b"EUR", usd.to_json()),  # key does not match the market
        ]
        before = engine.status()
        dlq_before = int(before.get("ticks_dlq", 0))
        for key, value in bad[:4]:
            engine.send(value, key=key)
        engine.send(usd)
        for key, value in bad[4:]:
            engine.send(value, key=key)
        engine.send(eur)
        summary = engine.wait_seq(eur.seq)
        status = engine.wait_status("ticks_dlq", dlq_before + len(bad))
        assert int(status["ticks_dlq"]) == dlq_before + len(bad)
        reasons = _dlq_reasons(engine, expected=dlq_before + len(bad))
        assert len(reasons) == dlq_before + len(bad)
        recent = reasons[-len(bad) :]
        assert any("JSON" in r or "json" in r for r in recent)
        assert any("schema" in r for r in recent)
        assert any("curves" in r for r in recent)
        assert any("does not match" in r for r in recent)
        history = engine.redis.xlen("risk:ALL:history")
        duplicates = int(status.get("ticks_duplicate", 0))
        engine.send(eur)  # redelivered: same seq
        engine.wait_status("ticks_duplicate", duplicates + 1)
        assert engine.summary()["pv"] == summary["pv"]
        assert engine.redis.xlen("risk:ALL:history") == history

    def test_a_curve_that_cannot_be_built_is_rejected_and_the_last_good_risk_kept_as_stale(
        self, engine: Engine
    ) -> None:
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        engine.send(usd)
        engine.send(eur)
        good = engine.wait_seq(eur.seq)
        status = engine.status()
        rejected = int(status.get("ticks_rejected", 0))
        curves = {name: dict(quotes) for name, quotes in usd.curves.items()}
        curves["USD-UST"]["swaption/5Y"] = 4.1  # a valid CurveTick, but no such curve instrument
        broken = retick(usd, eur.seq + 1).model_copy(update={"curves": curves})
        engine.send(broken)
        status = engine.wait_status("ticks_rejected", rejected + 1)
        assert "USD-UST" in status["last_error"] and "swaption" in status["last_error"]
        assert "USD-UST" in status["rejected_curves"].split(",")
        stale = engine.summary()
        assert stale["stale"] == "1" and "swaption" in stale["stale_reason"]
        assert stale["pv"] == good["pv"] and stale["seq"] == good["seq"]  # the last good risk is kept
        recovered = retick(usd, broken.seq + 1)
        engine.send(recovered)
        fresh = engine.wait_seq(recovered.seq)
        assert fresh["stale"] == "0"
        assert math.isclose(float(fresh["pv"]), float(good["pv"]), rel_tol=1e-9)
        assert engine.status()["rejected_curves"] == ""

    def test_a_good_tick_of_one_market_leaves_the_other_market_s_rejection_standing(
        self, engine: Engine
    ) -> None:
        """Staleness is per market: the book holds EUR positions valued on the last good EUR tick, so a
        good USD tick written after a rejected EUR one leaves every book stale with EUR's reason."""
        usd, eur = day_ticks(self.next_seq(), ticks_per_day=1)
        engine.send(usd)
        engine.send(eur)
        engine.wait_seq(eur.seq)
        rejected = int(engine.status().get("ticks_rejected", 0))
        curves = {name: dict(quotes) for name, quotes in eur.curves.items()}
        curves["EUR-ESTR"]["swaption/5Y"] = 3.1  # a valid CurveTick, but no such curve instrument
        broken = retick(eur, eur.seq + 1).model_copy(update={"curves": curves})
        engine.send(broken.to_json(), key=b"EUR")  # not among the ticks waited for: it is never written
        engine.wait_status("ticks_rejected", rejected + 1)
        good_usd = retick(usd, broken.seq + 1)
        engine.send(good_usd)
        after = engine.wait_seq(good_usd.seq)
        assert after["seq"] == str(good_usd.seq) and after["market"] == "USD"  # the USD tick is written
        assert (
            after["stale"] == "1" and "EUR" in after["stale_reason"] and "swaption" in after["stale_reason"]
        )
        status = engine.status()
        assert status["stale_markets"] == "EUR" and "EUR-ESTR" in status["rejected_curves"].split(",")
        dashboard = read_snapshot(engine.redis, "ALL")
        assert dashboard.errors == () and dashboard.summary is not None and dashboard.summary.stale
        assert "swaption" in dashboard.summary.stale_reason
        assert any(curve.rejected for curve in dashboard.curves if curve.name == "EUR-ESTR")
        recovered = retick(eur, good_usd.seq + 1)
        engine.send(recovered)
        fresh = engine.wait_seq(recovered.seq)
        assert fresh["stale"] == "0" and fresh["stale_reason"] == ""
        assert engine.status()["stale_markets"] == "" and engine.status()["rejected_curves"] == ""

    def test_killing_a_shard_mid_stream_loses_no_tick(self, engine: Engine, sessions: SessionFactory) -> None:
        ticks = day_ticks(self.next_seq(), ticks_per_day=15)
        before = engine.status()
        processed, conflated = int(before.get("ticks_processed", 0)), int(before.get("ticks_conflated", 0))

        def stream() -> None:
            for tick in ticks:
                engine.send(retick(tick, tick.seq))
                time.sleep(0.1)  # 10 ticks/s

        sender = threading.Thread(target=stream)
        sender.start()
        time.sleep(1.0)
        ray.kill(ray.get_actor(shard_name(0)), no_restart=False)
        time.sleep(1.0)
        ray.kill(ray.get_actor(shard_name(1)), no_restart=False)
        sender.join()
        last = ticks[-1]
        engine.wait_seq(last.seq, timeout_s=180)
        status = engine.wait_status("ticks_processed", 1)
        handled = int(status["ticks_processed"]) - processed + int(status["ticks_conflated"]) - conflated
        assert handled == len(ticks)
        latest_usd = next(t for t in reversed(ticks) if t.market == "USD")
        latest_eur = next(t for t in reversed(ticks) if t.market == "EUR")
        book = _book(sessions)
        reference = price_portfolio(book, combined_snapshot(latest_usd, latest_eur))
        summary = engine.summary()
        for measure in ("pv", "dv01", "gamma"):
            expected = reference["totals"][measure]
            assert_risk_close(measure, float(summary[measure]), expected, notional_of(book["instruments"]))


def _dlq_reasons(engine: Engine, expected: int, timeout_s: float = 30.0) -> list[str]:
    consumer = Consumer(
        {"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": f"dlq-{uuid.uuid4().hex}"}
    )
    consumer.assign([TopicPartition(engine.topics.dlq, 0, 0)])
    reasons: list[str] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(reasons) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            headers = dict(message.headers() or [])
            reasons.append((headers.get("reason") or b"").decode())
    finally:
        consumer.close()
    return reasons


def test_curve_tick_round_trips() -> None:
    tick = day_ticks(1, ticks_per_day=1)[0]
    assert CurveTick.from_json(tick.to_json()) == tick
