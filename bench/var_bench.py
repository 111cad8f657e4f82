"""Historical VaR benchmark: 500 one-day historical scenarios, full revaluation, 10,000 instruments.

Same run, same book, same scenarios:
- ``fast over Ray``: :func:`cluster.batch.jobs.run_var` on a local Ray runtime (one task per CPU, each
  building a fast-engine ``PortfolioEngine`` for its share of the positions once, then
  ``update_market`` + numpy valuation per scenario), from the book dicts to VaR/ES rows. Ray start-up is
  not counted (a running cluster is the normal case); everything else is.
- ``naive QuantLib``: one process, every instrument built on the live QuantLib curves; per scenario every
  quote ``setValue`` to its shifted value, then ``NPV()`` of every instrument. Measured on the first
  ``--naive-scenarios`` scenarios of the whole book and extrapolated linearly to all scenarios only when
  the full loop would take more than ``--naive-budget-s`` seconds (the JSON says which).

Writes ``bench/results/var.json``. Run: ``python bench/var_bench.py --size 10000 --scenarios 500``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import QuantLib as ql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # local Ray on loopback

import ray  # noqa: E402

from cluster.batch.jobs import run_var, var_days  # noqa: E402
from cluster.batch.scenarios import historical_moves, quote_ids, shift_snapshot  # noqa: E402
from market_replay import market_snapshot  # noqa: E402
from pricing import parse_market, position_from_dict  # noqa: E402
from pricing.book_generator import generate_book  # noqa: E402
from pricing.curves import CurveSet  # noqa: E402
from pricing.dates import to_ql_date  # noqa: E402
from pricing.errors import PricingError  # noqa: E402
from pricing.indices import load_fixings  # noqa: E402
from pricing.instruments import build_instrument  # noqa: E402

AS_OF = date(2026, 7, 30)
BUDGET_S = 10.0


def naive_loop(book: list[dict[str, Any]], today: dict[str, Any], moves: list[Any], n: int) -> dict[str, Any]:
    """Per scenario: setValue on every quote, NPV() of every instrument (observing the live curves)."""
    snapshot = parse_market(today)
    ql.Settings.instance().evaluationDate = to_ql_date(snapshot.as_of)
    load_fixings(snapshot.fixings)  # seasoned swaps need their past fixings, as in the fast engine
    curves = CurveSet(snapshot)
    instruments, quantities = [], []
    for entry in book:
        spec, position = position_from_dict(entry)
        try:
            instrument = build_instrument(spec, curves.handles)
            instrument.NPV()
        except (PricingError, RuntimeError):
            continue  # matured or unpriceable: the fast path counts these as failures too
        instruments.append(instrument)
        quantities.append(position.quantity)
    started = time.perf_counter()
    for move in moves[:n]:
        curves.set_rates(shift_snapshot(snapshot, move.shifts).rates)
        np.asarray([i.NPV() for i in instruments]) * np.asarray(quantities)
    elapsed = time.perf_counter() - started
    curves.set_rates(snapshot.rates)
    return {"seconds": elapsed, "scenarios": n, "instruments": len(instruments)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--scenarios", type=int, default=500)
    parser.add_argument("--naive-scenarios", type=int, default=25, help="scenarios timed in the naive loop")
    parser.add_argument("--naive-budget-s", type=float, default=180.0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "var.json")
    args = parser.parse_args()

    book = [
        {**entry, "book": entry.get("book") or "BENCH"} for entry in generate_book(args.size, AS_OF, seed=0)
    ]
    days = var_days(AS_OF, args.scenarios)
    today = market_snapshot(AS_OF)
    moves = historical_moves(days, quote_ids(parse_market(today)))

    ray.init(num_cpus=os.cpu_count() or 2, include_dashboard=False, log_to_driver=False)
    try:
        started = time.perf_counter()
        output = run_var(book, days, (0.99, 0.975))
        fast_s = time.perf_counter() - started
    finally:
        ray.shutdown()

    sample = naive_loop(book, today, moves, min(args.naive_scenarios, len(moves)))
    per_scenario = sample["seconds"] / sample["scenarios"]
    full_estimate = per_scenario * len(moves)
    if full_estimate <= args.naive_budget_s and sample["scenarios"] < len(moves):
        sample = naive_loop(book, today, moves, len(moves))
        naive = {"seconds": sample["seconds"], "measured_scenarios": len(moves), "extrapolated": False}
    else:
        naive = {
            "seconds": full_estimate,
            "measured_scenarios": sample["scenarios"],
            "measured_seconds": sample["seconds"],
            "extrapolated": sample["scenarios"] < len(moves),
        }
    result = {
        "benchmark": "historical VaR/ES, one-day moves, full revaluation",
        "as_of": AS_OF.isoformat(),
        "instruments": args.size,
        "priced_instruments": sample["instruments"],
        "scenarios": len(moves),
        "fast_ray_seconds": round(fast_s, 3),
        "fast_slowest_task_seconds": output.summary["slowest_task_seconds"],
        "fast_failed_positions": output.summary["n_failed_positions"],
        "naive_quantlib_seconds": round(naive["seconds"], 3),
        "naive": naive,
        "speedup": round(naive["seconds"] / fast_s, 1),
        "budget_seconds": BUDGET_S,
        "within_budget": fast_s <= BUDGET_S,
        "var_usd": output.summary["var"],
        "es_usd": output.summary["es"],
        "worst": output.summary["worst"][:3],
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("worst", "naive")}, indent=1))


if __name__ == "__main__":
    main()
