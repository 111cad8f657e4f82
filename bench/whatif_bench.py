"""What-if benchmark: ``POST /api/v1/whatif`` of one trade against the live 10,000-position book.

The live state is what the engine leaves in Redis after a tick: the book's totals and KR01 ladder (book
``ALL``, from ``price_portfolio`` of the generated ``--size`` book on the tick's snapshot, written in the
aggregator's layout) and the tick itself in ``market:live`` (the limit monitor's write); limits on ``ALL``
(dv01, kr01 of every curve, gamma, stop-loss) in a database of its own. The Serve app (Ray Serve, one
replica, as ``riskctl serve`` runs it) answers over loopback, one client at a time. Measured:

- ``warm``: what-if on a tick already seen (the market's curves and bumped scenarios are kept per tick);
- ``cold``: the first what-if after each new tick (it bootstraps that market's curves and scenarios);
- baseline, same run: pricing the same trade through ``POST /api/v1/price`` on the same snapshot.

Writes ``bench/results/whatif.json``. Run: ``python bench/whatif_bench.py --size 10000``.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import numpy as np
import redis
from stack import RESULTS, bench_database, machine, start_serve

from actors.whatif import live_snapshot
from core.config import get_settings
from core.keys import ALL_BOOKS, MARKET_LIVE, book_kr01_key, book_summary_key
from core.messages import CurveTick
from market_replay import generate_ticks
from pricing import price_portfolio
from pricing.book_generator import generate_book

BUDGET_MS = 200.0
AS_OF = date(2026, 2, 26)
REDIS_DB = 12
TRADE = {
    "id": "WHATIF-UST-10Y", "type": "bond", "isin": "US91282CJZ59", "currency": "USD", "face": 10_000_000,
    "coupon_pct": 4.0, "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
    "maturity_date": "2034-02-15", "discount_curve": "USD-UST",
}  # fmt: skip


def _stats(samples: list[float]) -> dict[str, float]:
    values = np.asarray(samples)
    return {
        "count": len(samples),
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "max": round(float(values.max()), 2),
    }


def _combined(ticks: list[CurveTick]) -> dict[str, Any]:
    snapshot: dict[str, Any] = {"as_of": ticks[0].as_of.isoformat(), "fx": {}, "curves": [], "fixings": {}}
    for tick in ticks:
        part = live_snapshot(tick)
        snapshot["fx"].update(part["fx"])
        snapshot["curves"].extend(part["curves"])
        for index, series in part["fixings"].items():
            snapshot["fixings"].setdefault(index, {}).update(series)
    return snapshot


def _write_live(client: redis.Redis, ticks: list[CurveTick], totals: dict[str, Any]) -> None:
    """The book's totals and the ticks, as the aggregator and the limit monitor write them."""
    last = ticks[-1]
    summary = {
        "pv": repr(totals["pv"]), "dv01": repr(totals["dv01"]), "gamma": repr(totals["gamma"]),
        "pnl_open": "0.0", "pnl_predicted": "0.0", "pnl_residual": "0.0", "n_ok": str(totals["n_ok"]),
        "n_failed": str(totals["n_failed"]), "n_pending": "0", "seq": str(last.seq), "market": last.market,
        "market_time": last.market_time.isoformat(), "as_of": last.as_of.isoformat(),
        "computed_at": repr(time.time()), "latency_ms": "0.0", "stale": "0", "stale_reason": "",
    }  # fmt: skip
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(book_summary_key(ALL_BOOKS), mapping=summary)  # type: ignore[arg-type]
        pipe.delete(book_kr01_key(ALL_BOOKS))
        pipe.hset(book_kr01_key(ALL_BOOKS), mapping={k: repr(v) for k, v in totals["kr01"].items()})
        for tick in ticks:
            pipe.hset(MARKET_LIVE, tick.market, tick.to_json().decode())
        pipe.execute()


def _timed(http: httpx.Client, path: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = http.post(path, json=body)
    elapsed = (time.perf_counter() - started) * 1000.0
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:500]}")
    return elapsed, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="positions in the live book")
    parser.add_argument("--warm", type=int, default=100, help="what-if requests on one tick")
    parser.add_argument("--cold", type=int, default=10, help="new ticks, each followed by one what-if")
    parser.add_argument("--baseline", type=int, default=20, help="POST /api/v1/price requests")
    args = parser.parse_args()
    settings = get_settings()
    import ray

    ticks = [s.tick for s in generate_ticks(AS_OF, AS_OF, ticks_per_day=1)]
    snapshot = _combined(ticks)
    started = time.perf_counter()
    book = generate_book(args.size, AS_OF)
    totals = price_portfolio(book, snapshot)["totals"]
    print(f"[whatif] live totals of {args.size:,} positions priced in {time.perf_counter() - started:.1f} s")
    redis_url = f"redis://{settings.host}:{settings.redis_port}/{REDIS_DB}"
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    _write_live(client, ticks, totals)
    limits = {
        "limits": [
            {"measure": "dv01", "limit": abs(totals["dv01"]) * 1.5, "warning_pct": 80},
            {"measure": "gamma", "limit": abs(totals["gamma"]) * 1.5 + 1.0},
            {"measure": "pnl_stop_loss", "limit": 1e6},
            *({"measure": "kr01", "curve": c, "limit": 1e6} for c in ("USD-UST", "USD-SOFR", "EUR-ESTR")),
        ]
    }
    token = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    with bench_database(settings, "risk_bench_whatif") as url:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            base = start_serve(
                url, redis_url, settings.kafka_bootstrap, f"secmaster.events.bench-{uuid.uuid4().hex[:6]}"
            )
            with httpx.Client(base_url=base, timeout=120, headers=token) as http:
                assert http.put("/api/v1/books/ALL/limits", json=limits).status_code == 200
                body = {"trades": [TRADE]}
                _timed(http, "/api/v1/whatif", body)  # the replica's first call (imports, first bootstrap)
                warm = [_timed(http, "/api/v1/whatif", body)[0] for _ in range(args.warm)]
                cold = []
                for n in range(args.cold):
                    moved = [t.model_copy(update={"seq": t.seq + 1000 * (n + 1)}) for t in ticks]
                    _write_live(client, moved, totals)
                    cold.append(_timed(http, "/api/v1/whatif", body)[0])
                price_body = {"book": {"instruments": [TRADE]}, "market": snapshot}
                _timed(http, "/api/v1/price", price_body)
                baseline = [_timed(http, "/api/v1/price", price_body)[0] for _ in range(args.baseline)]
                _ms, answer = _timed(http, "/api/v1/whatif", body)
        finally:
            ray.shutdown()
    client.flushdb()
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "size": args.size,
        "trade": TRADE["id"],
        "whatif_warm_ms": _stats(warm),
        "whatif_cold_ms": _stats(cold),
        "price_baseline_ms": _stats(baseline),
        "budget_ms": BUDGET_MS,
        "within_budget": _stats(warm)["p95"] <= BUDGET_MS and _stats(cold)["p95"] <= BUDGET_MS,
        "answer_sample": {
            "trade_dv01": answer["trades"][0]["dv01"],
            "book_dv01_before": answer["books"][ALL_BOOKS]["before"]["dv01"],
            "book_dv01_after": answer["books"][ALL_BOOKS]["after"]["dv01"],
            "limits_checked": len(answer["limits"]),
        },
        "note": "one client, sequential requests over loopback; cold = first what-if after a new tick",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "whatif.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("whatif_warm_ms", "whatif_cold_ms", "price_baseline_ms")}))


if __name__ == "__main__":
    main()
