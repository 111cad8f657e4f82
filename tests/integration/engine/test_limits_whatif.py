"""Limits, alerts and what-if on the running engine (issue 17), against real PostgreSQL, Redis, Kafka, Ray.

Ticks move a book's DV01 across its limit: exactly one breach on ``risk.alerts`` and in the history, none on
the later ticks above it, one clear on the tick back under it; a limit changed through the API applies from
the next tick; the monitor rebuilt from the history makes no duplicate; what-if of a trade equals the
difference of ``riskctl price`` on the book with and without the trade on the same snapshot.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import ray
from confluent_kafka import Consumer, TopicPartition
from engine_support import Engine, create_book, day_ticks, retick, unique_isin, wait_relayed
from risk_checks import assert_risk_close, notional_of

from cluster.supervisor import LIMIT_MONITOR
from core.messages import CurveTick
from secmaster.db import SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[3]
RUN = uuid.uuid4().hex[:6].upper()
BOOK = f"LIM-{RUN}"


def _bond(ident: str, face: float, maturity: str, coupon: float, book: str | None = BOOK) -> dict[str, Any]:
    return {
        "id": ident, "type": "bond", "isin": unique_isin(), "currency": "USD", "face": face,
        "coupon_pct": coupon, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA",
        "issue_date": "2024-02-15", "maturity_date": maturity, "discount_curve": "USD-UST",
        "book": book, "quantity": 1,
    }  # fmt: skip


def _shifted(tick: CurveTick, seq: int, shift_pct: float) -> CurveTick:
    """A later tick of the same market with every USD-UST quote moved by ``shift_pct``."""
    later = retick(tick, seq)
    curves = {
        name: ({k: v + shift_pct for k, v in quotes.items()} if name == "USD-UST" else dict(quotes))
        for name, quotes in tick.curves.items()
    }
    return later.model_copy(update={"curves": curves})


@pytest.fixture(scope="module")
def api(engine: Engine, serve_url: str, token: str) -> Iterator[httpx.Client]:
    """The Serve app reading the engine's Redis database (what-if reads the live ticks there)."""
    from ray import serve

    from serve_app import build_app

    prefix = f"/whatif-{RUN.lower()}"
    base = serve_url.rsplit("/", 1)[0]
    args = {
        "database_url": engine.settings.database_url,
        "redis_url": engine.settings.redis_url,
        "relay": False,
    }
    serve.run(build_app(args), name=f"whatif-{RUN.lower()}", route_prefix=prefix)
    with httpx.Client(
        base_url=base + prefix, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        yield http
    serve.delete(f"whatif-{RUN.lower()}")


@pytest.fixture(scope="module")
def book(engine: Engine, serve_url: str, token: str, sessions: SessionFactory) -> str:
    """A USD bond book of its own (its DV01 moves with the USD-UST quotes)."""
    with httpx.Client(base_url=serve_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        create_book(http, BOOK)
        for ident, face, maturity, coupon in (
            (f"LIM-UST10-{RUN}", 5_000_000, "2034-02-15", 4.0),
            (f"LIM-UST30-{RUN}", 2_000_000, "2054-02-15", 4.25),
        ):
            response = http.post("/api/v1/instruments/bonds", json=_bond(ident, face, maturity, coupon))
            assert response.status_code == 201, response.text
    wait_relayed(sessions)
    return BOOK


def monitor_counters(deadline: float) -> dict[str, int]:
    """The limit monitor's counters, waiting while Ray restarts it."""
    while True:
        try:
            return dict(ray.get(ray.get_actor(LIMIT_MONITOR).counters.remote(), timeout=30))
        except (ray.exceptions.RayError, TimeoutError):
            assert time.monotonic() < deadline, "the limit monitor is not answering"
            time.sleep(0.2)


class Ticks:
    """The module's tick sequence: one market state per call, always later in market time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.usd, self.eur = day_ticks(50_000, ticks_per_day=1)
        self.seq = 50_000 + 10

    def send(self, shift_pct: float = 0.0) -> CurveTick:
        self.seq += 10
        tick = _shifted(self.usd, self.seq, shift_pct)
        self.engine.send(tick)
        self.engine.wait_seq(tick.seq)
        deadline = time.monotonic() + 120
        while monitor_counters(deadline).get("seq_USD", -1) < tick.seq:
            assert time.monotonic() < deadline, "the limit monitor did not check the tick"
            time.sleep(0.05)
        return tick


@pytest.fixture(scope="module")
def ticks(engine: Engine, book: str) -> Ticks:
    sequence = Ticks(engine)
    engine.send(sequence.eur)
    sequence.send()
    return sequence


def _dv01(engine: Engine) -> float:
    return float(engine.redis.hget(f"risk:{BOOK}:summary", "dv01") or "nan")


def _kafka_alerts(engine: Engine) -> list[dict[str, Any]]:
    """Every record of the alerts topic of this book (read to the end of the partition)."""
    consumer = Consumer(
        {"bootstrap.servers": engine.settings.kafka_bootstrap, "group.id": f"t-{uuid.uuid4()}"}
    )
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(engine.alerts_topic, 0), timeout=30)
        consumer.assign([TopicPartition(engine.alerts_topic, 0, 0)])
        records: list[dict[str, Any]] = []
        taken = 0
        deadline = time.monotonic() + 60
        while taken < high and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error() is not None:
                continue
            taken += 1
            record = json.loads(message.value())
            assert message.key().decode() == record["book"]
            if record["book"] == BOOK:
                records.append(record)
        return records
    finally:
        consumer.close()


def _history(api: httpx.Client) -> list[dict[str, Any]]:
    response = api.get("/api/v1/alerts", params={"book": BOOK})
    assert response.status_code == 200, response.text
    return list(response.json())


def _set_dv01_limit(api: httpx.Client, limit: float) -> None:
    response = api.put(f"/api/v1/books/{BOOK}/limits", json={"limits": [{"measure": "dv01", "limit": limit}]})
    assert response.status_code == 200, response.text
    assert response.json()["limits"][0]["limit"] == limit


def test_limit_routes_validate_and_need_the_token(api: httpx.Client, book: str) -> None:
    bad = api.put(f"/api/v1/books/{book}/limits", json={"limits": [{"measure": "dv01", "limit": -5}]})
    assert bad.status_code == 422
    assert "limit" in json.dumps(bad.json()["detail"])
    with httpx.Client(base_url=api.base_url, timeout=30) as no_token:
        anonymous = no_token.put(f"/api/v1/books/{book}/limits", json={"limits": []})
    assert anonymous.status_code == 401
    assert api.get("/api/v1/books/NO-SUCH-BOOK/limits").status_code == 404
    body = {"limits": [{"measure": "kr01", "curve": "USD-UST", "limit": 1e5, "warning_pct": 80}]}
    assert api.put("/api/v1/books/ALL/limits", json=body).status_code == 200
    assert api.get("/api/v1/books/ALL/limits").json()["limits"][0]["curve"] == "USD-UST"
    assert api.delete("/api/v1/books/ALL/limits").status_code == 204
    assert api.get("/api/v1/books/ALL/limits").json()["limits"] == []


def test_dv01_crossing_its_limit_gives_one_breach_then_one_clear(
    engine: Engine, api: httpx.Client, ticks: Ticks
) -> None:
    base = _dv01(engine)
    ticks.send(-1.5)  # rates down: a longer bond book has more DV01
    high = _dv01(engine)
    assert high > base > 0
    ticks.send()
    _set_dv01_limit(api, (base + high) / 2)
    before = len(_history(api))
    ticks.send()  # under the limit: nothing
    over = ticks.send(-1.5)  # over it: one breach
    ticks.send(-1.5)  # still over: nothing
    ticks.send(-1.6)
    back = ticks.send()  # under again: one clear
    history = _history(api)[before:]
    assert [(a["kind"], a["measure"], a["seq"]) for a in history] == [
        ("breach", "dv01", over.seq),
        ("clear", "dv01", back.seq),
    ]
    breach = history[0]
    assert breach["limit"] == pytest.approx((base + high) / 2)
    assert breach["value"] == pytest.approx(high, rel=1e-6)
    assert breach["utilisation"] == pytest.approx(high / breach["limit"])
    assert datetime.fromisoformat(breach["market_time"]) == over.market_time
    on_kafka = [r for r in _kafka_alerts(engine) if r["id"] in {a["id"] for a in history}]
    assert [(r["kind"], r["seq"], r["schema"]) for r in on_kafka] == [
        ("breach", over.seq, "risk-alert/1"),
        ("clear", back.seq, "risk-alert/1"),
    ]
    assert on_kafka[0]["value"] == pytest.approx(breach["value"])


def test_a_limit_changed_through_the_api_applies_from_the_next_tick(
    engine: Engine, api: httpx.Client, ticks: Ticks
) -> None:
    ticks.send()
    dv01 = _dv01(engine)
    _set_dv01_limit(api, dv01 * 10)
    before = len(_history(api))
    ticks.send()
    assert _history(api)[before:] == []
    _set_dv01_limit(api, dv01 / 2)  # now in breach: the next tick says so, once
    first = ticks.send()
    ticks.send()
    _set_dv01_limit(api, dv01 * 10)
    cleared = ticks.send()
    assert [(a["kind"], a["seq"]) for a in _history(api)[before:]] == [
        ("breach", first.seq),
        ("clear", cleared.seq),
    ]


def test_a_restarted_monitor_reads_its_state_back_and_repeats_nothing(
    engine: Engine, api: httpx.Client, ticks: Ticks
) -> None:
    ticks.send()
    _set_dv01_limit(api, _dv01(engine) / 2)
    breach = ticks.send()
    before = _history(api)
    assert (before[-1]["kind"], before[-1]["seq"]) == ("breach", breach.seq)
    checked = monitor_counters(time.monotonic() + 60)["ticks_checked"]
    ray.kill(ray.get_actor(LIMIT_MONITOR), no_restart=False)  # Ray restarts it; state from the history
    deadline = time.monotonic() + 120
    while monitor_counters(deadline)["ticks_checked"] >= checked:  # still the killed instance answering
        time.sleep(0.2)
    ticks.send()
    ticks.send()
    assert _history(api) == before, "a restarted monitor repeated an alert"
    _set_dv01_limit(api, _dv01(engine) * 10)
    cleared = ticks.send()
    assert [(a["kind"], a["seq"]) for a in _history(api)[len(before) :]] == [("clear", cleared.seq)]


def _riskctl_price(book: dict[str, Any], market: dict[str, Any], tmp: Path, name: str) -> dict[str, Any]:
    (tmp / f"{name}.json").write_text(json.dumps(book))
    (tmp / "market.json").write_text(json.dumps(market))
    command = [str(Path(sys.executable).parent / "riskctl"), "price", "--book", str(tmp / f"{name}.json")]
    done = subprocess.run(
        [*command, "--market", str(tmp / "market.json")],
        cwd=PROJECT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _close(actual: float, expected: float, what: str) -> None:
    assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), f"{what}: {actual!r} != {expected!r}"


def test_whatif_equals_riskctl_price_with_minus_without_the_trade(
    engine: Engine, api: httpx.Client, ticks: Ticks, tmp_path: Path
) -> None:
    ticks.send()
    dv01 = _dv01(engine)
    _set_dv01_limit(api, dv01 * 1.01)
    trade = _bond(f"WHATIF-{RUN}", 3_000_000, "2044-02-15", 4.5)
    trade["quantity"] = 2
    response = api.post("/api/v1/whatif", json={"trades": [trade]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["book"] == BOOK
    assert answer["same_tick"] is True
    market = api.get("/api/v1/market/live/USD").json()
    assert market["seq"] == answer["markets"]["USD"]["seq"]
    held = api.get(f"/api/v1/books/{BOOK}/export").json()
    assert all(i["id"] != trade["id"] for i in held["instruments"]), "what-if stored the trade"
    terms = dict(trade)  # the book format: the instrument's terms, its book and the signed quantity
    without = _riskctl_price(held, market, tmp_path, "without")["totals"]
    with_trade = _riskctl_price({"instruments": [*held["instruments"], terms]}, market, tmp_path, "with")[
        "totals"
    ]
    (priced,) = answer["trades"]
    assert priced["ok"], priced["error"]
    before, after = answer["books"][BOOK]["before"], answer["books"][BOOK]["after"]
    for measure in ("pv", "dv01", "gamma"):
        difference = with_trade[measure] - without[measure]
        _close(priced[measure], difference, f"trade {measure}")
        _close(answer["trades_usd"][measure], difference, f"trades_usd {measure}")
        _close(after[measure] - before[measure], difference, f"book after - before {measure}")
    for key in set(with_trade["kr01"]) | set(without["kr01"]):
        difference = with_trade["kr01"].get(key, 0.0) - without["kr01"].get(key, 0.0)
        _close(priced["kr01"].get(key, 0.0), difference, f"trade kr01 {key}")
        _close(after["kr01"].get(key, 0.0) - before["kr01"].get(key, 0.0), difference, f"ladder {key}")
    # the book's live totals are the engine's on that same tick
    for measure in ("pv", "dv01"):
        assert_risk_close(measure, before[measure], without[measure], notional_of(held["instruments"]), BOOK)
    (breach,) = [b for b in answer["breaches"] if b["book"] == BOOK]
    assert (breach["measure"], breach["level_before"], breach["level_after"]) == ("dv01", "ok", "breach")


def test_whatif_refuses_bad_trades_naming_the_field(api: httpx.Client, ticks: Ticks) -> None:
    trade = _bond(f"WHATIF-BAD-{RUN}", 1_000_000, "2034-02-15", 4.0)
    trade["coupon_pct"] = 250
    response = api.post("/api/v1/whatif", json={"trades": [trade]})
    assert response.status_code == 422
    assert "coupon_pct" in json.dumps(response.json())
    assert api.post("/api/v1/whatif", json={"trades": []}).status_code == 422
    unknown = api.post(
        "/api/v1/whatif", json={"trades": [_bond("X1", 1e6, "2034-02-15", 4.0)], "book": "NOPE"}
    )
    assert unknown.status_code == 404
