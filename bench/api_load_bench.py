"""API load benchmark: ``GET /api/v1/instruments/{id}`` at 50 connections against a no-op route, same run.

The load generator is ``wrk`` (Debian package ``wrk``; ``make bench`` installs it), a compiled client, so
the driver takes little of the 2 cores. On a database of its own seeded like ``riskctl seed`` (every
Treasury outstanding on 2026-02-27 + 200 generated swaps), one Ray runtime serves, on one proxy:

- the project's app (``serve_app.build_app``, the deployment options of ``serve_app.DEPLOYMENT_OPTIONS``);
- a no-op FastAPI route (``GET /baseline/noop``, a small JSON) deployed with the same options and replicas.

wrk alternates between the two (``--rounds``, each ``--seconds`` at ``--connections``), so a noisy
machine slows both alike; then one connection on each (the service time of one request). Diagnosis in the
same run (``--no-diagnosis`` skips it), each the GET at 50 connections with one option changed: the read
cache off (ORM query + pydantic + JSON encoding per request), the per-request access log on, Ray's
default ``max_ongoing_requests`` (5), two replicas. The driver also times the pieces of one uncached read
in-process (ORM load, validation, JSON encoding, ETag) and a cached one. Last, with Ray stopped, the same
no-op route and the project's GET on a plain uvicorn process: what the serving layer costs.

Budget (docs/architecture.md §8): GET throughput >= 80 % of the no-op's, GET p99 <= 2x the no-op's p99, one
client p50 <= 10 ms. Writes ``bench/results/api_load.json``. Run: ``python bench/api_load_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from stack import RESULTS, ROOT, bench_database, free_port, machine, session_factory

from core.config import get_settings
from secmaster.seed import seed

BUDGET = {"throughput_ratio_min": 0.8, "p99_ratio_max": 2.0, "single_client_p50_ms_max": 10.0}
NOOP_PATH = "/baseline/noop"
_WRK_LINE = re.compile(r"^WRK_JSON (\{.*\})$", re.MULTILINE)

_LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,'
    .. '"write_errors":%d,"non_2xx":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def noop_app() -> Any:
    """The no-op baseline: a FastAPI app whose one route returns a small JSON (also a uvicorn factory)."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/noop")
    async def noop() -> dict[str, str]:
        return {"status": "ok"}

    return app


def project_app() -> Any:
    """The project's FastAPI app without Ray (uvicorn factory; database and topic from the environment)."""
    from serve_app import AppArgs, RiskApi, create_app

    args = AppArgs(
        database_url=os.environ["BENCH_DATABASE_URL"], relay=False, events_topic=os.environ["BENCH_EVENTS"]
    )
    return create_app(RiskApi(args))


# --- wrk -----------------------------------------------------------------------------------------------


def _wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is not installed: `apt-get install wrk` (make bench installs it)")
    return found


def _lua_script(directory: Path, ids: list[str] | None) -> Path:
    script = directory / f"wrk-{uuid.uuid4().hex[:6]}.lua"
    if ids is None:
        script.write_text(_LUA_DONE)
        return script
    table = ",".join(json.dumps(f"/api/v1/instruments/{instrument_id}") for instrument_id in ids)
    script.write_text(
        f"local paths = {{{table}}}\n"
        "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n"
        'request = function() return wrk.format("GET", paths[math.random(#paths)]) end\n' + _LUA_DONE
    )
    return script


def wrk(url: str, script: Path, connections: int, seconds: float) -> dict[str, Any]:
    """One wrk run: requests/s, latency percentiles (ms), errors."""
    threads = max(1, min(2, connections))
    argv = [
        _wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(script), url,
    ]  # fmt: skip
    completed = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=seconds + 60)
    match = _WRK_LINE.search(completed.stdout)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stdout}\n{completed.stderr}")
    raw = json.loads(match.group(1))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "connections": connections,
        "seconds": round(seconds_run, 1),
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds_run, 1),
        "latency_ms": {q: round(raw[f"{q}_us"] / 1000, 2) for q in ("p50", "p90", "p99", "max")},
        "non_2xx": raw["non_2xx"],
        "socket_errors": errors,
    }


def _merged(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one target: summed requests over summed time; the worst round's percentiles."""
    requests, seconds = sum(r["requests"] for r in runs), sum(r["seconds"] for r in runs)
    return {
        "connections": runs[0]["connections"],
        "seconds": round(seconds, 1),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1),
        "latency_ms": {q: max(r["latency_ms"][q] for r in runs) for q in ("p50", "p90", "p99", "max")},
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "rounds": runs,
    }


# --- where one read's time goes (in-process) -----------------------------------------------------------


def _per_read_costs(database_url: str, ids: list[str]) -> dict[str, float]:
    """Microseconds per read for each piece of the uncached GET, and for a cache hit."""
    from secmaster import repository
    from secmaster.api.instruments import _read, read_model
    from secmaster.read_cache import InstrumentReadCache

    sessions = session_factory(database_url)
    sample = (ids * (2000 // len(ids) + 1))[:2000]

    def timed(action: Callable[[str], Any]) -> float:
        started = time.perf_counter()
        for instrument_id in sample:
            action(instrument_id)
        return round((time.perf_counter() - started) / len(sample) * 1e6, 1)

    def orm_load(instrument_id: str) -> Any:
        with sessions() as session:
            return repository.get_instrument(session, instrument_id)

    loaded = {instrument_id: orm_load(instrument_id) for instrument_id in ids}
    models = {instrument_id: read_model(instrument) for instrument_id, instrument in loaded.items()}
    cache = InstrumentReadCache()
    for instrument_id in ids:
        cache.put(instrument_id, _read.dump_json(models[instrument_id]), '"x"', cache.generation)
    costs = {
        "orm_session_and_polymorphic_query_us": timed(orm_load),
        "pydantic_read_model_us": timed(lambda i: read_model(loaded[i])),
        "json_encoding_us": timed(lambda i: _read.dump_json(models[i])),
        "etag_us": timed(lambda i: repository.terms_etag(repository.instrument_terms(loaded[i]))),
        "cache_hit_us": timed(cache.get),
    }
    sessions.kw["bind"].dispose()
    return costs


# --- Serve ---------------------------------------------------------------------------------------------


def _deploy_project(args: dict[str, Any], **overrides: Any) -> None:
    from typing import cast

    from ray import serve

    from serve_app import DEPLOYMENT_OPTIONS, AppArgs, RiskDeployment

    parsed = AppArgs.model_validate(args)
    options = DEPLOYMENT_OPTIONS | {"num_replicas": parsed.num_replicas} | overrides
    deployment: Any = cast(Any, RiskDeployment).options(**options)
    serve.run(deployment.bind(parsed.model_dump()), name="bench", route_prefix="/")


def _deploy_noop(num_replicas: int) -> None:
    from ray import serve

    from serve_app import DEPLOYMENT_OPTIONS

    @serve.deployment(name="noop", num_replicas=num_replicas, **DEPLOYMENT_OPTIONS)
    @serve.ingress(noop_app())
    class NoOp:
        pass

    serve.run(NoOp.bind(), name="baseline", route_prefix="/baseline")  # type: ignore[attr-defined]


def _wait_ok(url: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")


@contextmanager
def _uvicorn(factory: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", f"api_load_bench:{factory}", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--app-dir", str(ROOT / "bench"), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(argv, env=os.environ | env | {"PYTHONPATH": str(ROOT)})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of no-op and GET")
    parser.add_argument("--no-diagnosis", action="store_true", help="skip the one-option-changed runs")
    args = parser.parse_args()
    _wrk_binary()
    settings = get_settings()
    run = uuid.uuid4().hex[:8]
    import ray
    from ray import serve

    from serve_app import DEPLOYMENT_OPTIONS, SERVE_LOGGING

    results: dict[str, Any] = {}
    diagnosis: dict[str, Any] = {}
    events = f"secmaster.events.bench-{run}"
    with bench_database(settings, f"risk_bench_api_{run}") as url, tempfile.TemporaryDirectory() as tmp:
        sessions = session_factory(url)
        seeded = seed(sessions, size=200)
        sessions.kw["bind"].dispose()
        book = {"treasuries": seeded.treasuries, "swaps": seeded.swaps}
        app_args = {
            "database_url": url,
            "redis_url": settings.redis_url,
            "kafka_bootstrap": settings.kafka_bootstrap,
            "events_topic": events,
        }
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            serve.start(http_options={"host": "127.0.0.1", "port": free_port()}, logging_config=SERVE_LOGGING)
            from ray.serve.context import _get_global_client

            base = f"http://127.0.0.1:{_get_global_client().http_config.port}"
            _deploy_project(app_args)
            _deploy_noop(1)
            _wait_ok(f"{base}/healthz")
            _wait_ok(f"{base}{NOOP_PATH}")
            ids = [item["id"] for item in httpx.get(f"{base}/api/v1/instruments?limit=1000").json()["items"]]
            get_script, noop_script = _lua_script(Path(tmp), ids), _lua_script(Path(tmp), None)
            noop_url, conns = f"{base}{NOOP_PATH}", args.connections
            wrk(noop_url, noop_script, conns, 3)  # warm-up (also fills the read cache)
            wrk(base, get_script, conns, 3)
            rounds: dict[str, list[dict[str, Any]]] = {"serve_noop": [], "serve_get": []}
            for _ in range(args.rounds):
                rounds["serve_noop"].append(wrk(noop_url, noop_script, conns, args.seconds))
                rounds["serve_get"].append(wrk(base, get_script, conns, args.seconds))
            results.update({name: _merged(runs) for name, runs in rounds.items()})
            results["serve_noop_single_client"] = wrk(noop_url, noop_script, 1, 5)
            results["serve_get_single_client"] = wrk(base, get_script, 1, 5)
            if not args.no_diagnosis:
                serve.delete("baseline")
                changes: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
                    "read_cache_off": ({"read_cache": False}, {}),
                    "access_log_on": ({}, {"logging_config": {"enable_access_log": True}}),
                    "max_ongoing_requests_5": ({}, {"max_ongoing_requests": 5}),
                    "two_replicas": ({"num_replicas": 2}, {}),
                }
                for name, (arg_changes, option_changes) in changes.items():
                    _deploy_project(app_args | arg_changes, **option_changes)
                    _wait_ok(f"{base}/healthz")
                    wrk(base, get_script, conns, 3)
                    diagnosis[f"serve_get_{name}"] = wrk(
                        base, get_script, conns, max(5.0, args.seconds * 2 / 3)
                    )
            diagnosis["per_read_us"] = _per_read_costs(url, ids)
        finally:
            if ray.is_initialized():
                serve.shutdown()
                ray.shutdown()
        with _uvicorn("noop_app", {}) as plain:
            _wait_ok(f"{plain}/noop")
            wrk(f"{plain}/noop", noop_script, conns, 3)
            results["plain_uvicorn_noop"] = wrk(f"{plain}/noop", noop_script, conns, args.seconds)
        with _uvicorn("project_app", {"BENCH_DATABASE_URL": url, "BENCH_EVENTS": events}) as plain:
            _wait_ok(f"{plain}/healthz")
            wrk(plain, get_script, conns, 3)
            results["plain_uvicorn_get"] = wrk(plain, get_script, conns, args.seconds)
        from confluent_kafka.admin import AdminClient

        AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics([events])
    noop, get = results["serve_noop"], results["serve_get"]
    verdict = {
        "throughput_ratio": round(get["requests_per_s"] / noop["requests_per_s"], 3),
        "p99_ratio": round(get["latency_ms"]["p99"] / noop["latency_ms"]["p99"], 3),
        "single_client_p50_ms": results["serve_get_single_client"]["latency_ms"]["p50"],
    }
    within = (
        verdict["throughput_ratio"] >= BUDGET["throughput_ratio_min"]
        and verdict["p99_ratio"] <= BUDGET["p99_ratio_max"]
        and verdict["single_client_p50_ms"] <= BUDGET["single_client_p50_ms_max"]
        and get["non_2xx"] == 0
        and get["socket_errors"] == 0
    )
    report = {
        "benchmark": "GET /api/v1/instruments/{id} vs a no-op route, both on Ray Serve, wrk",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "book": book,
        "deployment_options": DEPLOYMENT_OPTIONS,
        "budget": BUDGET,
        "verdict": verdict,
        "within_budget": within,
        "driver": f"wrk, {args.rounds} alternating rounds of {args.seconds:g} s per target, 2 threads",
        "results": results,
        "diagnosis": diagnosis,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_load.json").write_text(json.dumps(report, indent=1) + "\n")
    for name, row in {**results, **diagnosis}.items():
        if "latency_ms" in row:
            lat = row["latency_ms"]
            print(
                f"{name:<36} {row['connections']:>3} conn {row['requests_per_s']:>8.1f} req/s  "
                f"p50 {lat['p50']:>7.2f}  p99 {lat['p99']:>7.2f} ms  non-2xx {row['non_2xx']}"
            )
    print(f"per read (us): {diagnosis.get('per_read_us')}")
    print(f"verdict: {verdict} -> {'within budget' if within else 'NOT within budget'}")


if __name__ == "__main__":
    main()
