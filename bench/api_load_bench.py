"""API load benchmark: 50 concurrent clients on ``GET /api/v1/instruments/{id}`` and on creates.

The Serve app (Ray Serve, one replica, as ``riskctl serve`` runs it) on a database of its own seeded like
``riskctl seed`` (every Treasury outstanding on 2026-02-27 + 200 generated swaps), loopback only. The driver
is asyncio + httpx in this process: ``--clients`` tasks, each sending its next request as soon as the
previous one answered, for ``--seconds``. Same run, as baselines:
- the same GET from a single client (no queueing: the service time of one request);
- the same GET with the same 50 clients against the same FastAPI app served by a plain uvicorn process
  (``create_app`` without Ray: what Serve's proxy and replica hop cost);
- diagnosis: the same GET on the Serve app redeployed with ``max_ongoing_requests=100`` (Ray's default of 5
  per replica makes 45 of 50 clients queue in Serve's router).
Writes ``bench/results/api_load.json``. Run: ``python bench/api_load_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np
from stack import RESULTS, ROOT, bench_database, free_port, machine, session_factory, start_serve

from core.config import get_settings
from pricing.identifiers import cusip_check_digit, isin_from_cusip
from secmaster.seed import seed

BUDGET_MS = {"p50": 10.0, "p99": 50.0}
MAX_ONGOING = 100  # the diagnostic run's max_ongoing_requests (the app's deployment keeps Ray's default, 5)
Request = Callable[[httpx.AsyncClient], Any]


async def _drive(base_url: str, clients: int, seconds: float, request: Request, token: str) -> dict[str, Any]:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60, headers=headers) as client:
        until = time.monotonic() + seconds

        async def one_client() -> None:
            while time.monotonic() < until:
                started = time.perf_counter()
                response = await request(client)
                latencies.append((time.perf_counter() - started) * 1000)
                codes[response.status_code] = codes.get(response.status_code, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.monotonic() - started
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "status_codes": {str(code): count for code, count in sorted(codes.items())},
        "latency_ms": {
            "p50": round(float(p50), 1),
            "p95": round(float(p95), 1),
            "p99": round(float(p99), 1),
            "max": round(max(latencies), 1),
        },
    }


def _get_by_id(ids: list[str]) -> Request:
    rng = random.Random(7)
    return lambda client: client.get(f"/api/v1/instruments/{rng.choice(ids)}")


def _create() -> Request:
    numbers = itertools.count()
    run = uuid.uuid4().hex[:2].upper()

    def request(client: httpx.AsyncClient) -> Any:
        body = f"L{run}{next(numbers):05d}"
        return client.post(
            "/api/v1/instruments/bonds",
            json={
                "id": f"LOAD-{body}", "type": "bond", "isin": isin_from_cusip(body + cusip_check_digit(body)),
                "currency": "USD", "face": 1_000_000, "coupon_pct": 4.0, "frequency": "semiannual",
                "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15", "maturity_date": "2034-02-15",
                "discount_curve": "USD-UST",
            },
        )  # fmt: skip

    return request


def plain_app() -> Any:
    """The same FastAPI app without Ray (uvicorn ``--factory`` target; database from the environment)."""
    from serve_app import AppArgs, RiskApi, create_app

    args = AppArgs(database_url=os.environ["BENCH_DATABASE_URL"], relay=False)
    return create_app(RiskApi(args))


def _plain_uvicorn(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "api_load_bench:plain_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--app-dir", str(ROOT / "bench"), "--log-level", "warning",
    ]  # fmt: skip
    env = os.environ | {"BENCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(argv, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the plain uvicorn app did not answer /healthz within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    settings = get_settings()
    token = settings.api_token.get_secret_value()
    run = uuid.uuid4().hex[:8]
    import ray
    from ray import serve

    results: dict[str, Any] = {}
    with bench_database(settings, f"risk_bench_api_{run}") as url:
        sessions = session_factory(url)
        seeded = seed(sessions, size=200)
        results["book"] = {"treasuries": seeded.treasuries, "swaps": seeded.swaps}
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        events = f"secmaster.events.bench-{run}"
        plain: subprocess.Popen[bytes] | None = None
        try:
            base = start_serve(url, settings.redis_url, settings.kafka_bootstrap, events)
            ids = [item["id"] for item in httpx.get(f"{base}/api/v1/instruments?limit=1000").json()["items"]]
            asyncio.run(_drive(base, args.clients, 3.0, _get_by_id(ids), token))  # warm-up
            results["serve_get"] = asyncio.run(
                _drive(base, args.clients, args.seconds, _get_by_id(ids), token)
            )
            results["serve_get_single_client"] = asyncio.run(_drive(base, 1, 5.0, _get_by_id(ids), token))
            results["serve_create"] = asyncio.run(_drive(base, args.clients, 10.0, _create(), token))
            # diagnosis in the same run: the same app with Serve's per-replica concurrency limit raised
            serve.delete("bench")
            base = start_serve(url, settings.redis_url, settings.kafka_bootstrap, events, MAX_ONGOING)
            asyncio.run(_drive(base, args.clients, 3.0, _get_by_id(ids), token))  # warm-up
            results[f"serve_get_max_ongoing_requests_{MAX_ONGOING}"] = asyncio.run(
                _drive(base, args.clients, args.seconds, _get_by_id(ids), token)
            )
            serve.shutdown()
            ray.shutdown()
            plain, plain_url = _plain_uvicorn(url)
            asyncio.run(_drive(plain_url, args.clients, 3.0, _get_by_id(ids), token))  # warm-up
            results["plain_uvicorn_get"] = asyncio.run(
                _drive(plain_url, args.clients, args.seconds, _get_by_id(ids), token)
            )
        finally:
            if plain is not None:
                plain.terminate()
                plain.wait(30)
            if ray.is_initialized():
                serve.shutdown()
                ray.shutdown()
            sessions.kw["bind"].dispose()
            from confluent_kafka.admin import AdminClient

            AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics([events])
    get = results["serve_get"]["latency_ms"]
    report = {
        "benchmark": "API load: GET /api/v1/instruments/{id} and creates, 50 concurrent clients",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "budget_ms": BUDGET_MS,
        "within_budget": get["p50"] <= BUDGET_MS["p50"] and get["p99"] <= BUDGET_MS["p99"],
        "driver": "asyncio + httpx in one process on the same machine (its CPU use competes with the server)",
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_load.json").write_text(json.dumps(report, indent=1) + "\n")
    for name, row in results.items():
        if "latency_ms" in row:
            lat = row["latency_ms"]
            print(
                f"{name:<26} {row['clients']:>3} clients {row['requests_per_s']:>8.1f} req/s  "
                f"p50 {lat['p50']:>7.1f}  p95 {lat['p95']:>7.1f}  p99 {lat['p99']:>7.1f} ms  "
                f"{row['status_codes']}"
            )


if __name__ == "__main__":
    main()
