"""Pricing benchmark: full risk set (pv, dv01, gamma, kr01 on every pillar) of a generated book.

Times, on the sample market of 2024-03-15 and ``generate_book(size)`` (docs/architecture.md section 8 mix):
- ``fast``: build (QuantLib instruments -> cashflow rows) and valuation of every scenario in numpy;
  also one real-time tick (``update_market`` with new quote values + every scenario);
- ``quantlib``: QuantLib instruments on the live curves, per scenario only dependent instruments repriced;
- ``naive``: the textbook loop, every instrument's ``NPV()`` in every bumped scenario.
Writes ``bench/results/pricing.json`` and prints a table. Run: ``python bench/pricing_bench.py --size 10000``.
"""

from __future__ import annotations

import argparse
import copy
import json
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

from pricing import BondSpec, PortfolioEngine, measures_from_pv_matrix, spec_from_dict  # noqa: E402
from pricing.book_generator import generate_book  # noqa: E402
from pricing.curves import CurveSet  # noqa: E402
from pricing.indices import load_fixings  # noqa: E402
from pricing.instruments import build_instrument  # noqa: E402
from pricing.market import parse_market  # noqa: E402

AS_OF = date(2024, 3, 15)
MARKET = ROOT / "pricing" / "samples" / "market_2024-03-15.json"


def _timed(action: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def naive_loop(specs: list[Any], market: dict[str, Any]) -> tuple[np.ndarray, float]:
    """Every instrument observes the curves; per scenario: bump quotes, NPV() every instrument, reset."""
    snapshot = parse_market(market)
    load_fixings(snapshot.fixings)  # QuantLib's process-wide fixing history, as the engines load it
    curves = CurveSet(snapshot)
    from pricing.scenarios import build_scenarios

    scenarios = build_scenarios(curves.pillars)
    instruments = [build_instrument(spec, curves.handles) for spec in specs]
    out = np.empty((len(specs), len(scenarios)))
    started = time.perf_counter()
    for column, scenario in enumerate(scenarios.scenarios):
        curves.apply_bumps(scenario.bumps)
        out[:, column] = [instrument.NPV() for instrument in instruments]
        curves.reset(scenario.bumps)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "pricing.json")
    args = parser.parse_args()

    market = json.loads(MARKET.read_text())
    specs = [spec_from_dict(entry) for entry in generate_book(args.size, AS_OF, args.seed)]

    fast, fast_build = _timed(lambda: PortfolioEngine(specs, market, engine="fast"))
    _, fast_cold = _timed(fast.pv_matrix)  # first call also flattens the cashflow tables
    fast_value = min(_timed(fast.pv_matrix)[1] for _ in range(3))
    fast_pv = fast.pv_matrix()
    _, measures_time = _timed(lambda: measures_from_pv_matrix(fast_pv, fast.scenarios))
    tick_updates, tick_values, rebuilt = [], [], []
    for shift in (0.01, -0.02, 0.015):  # three ticks: new quote values, same quote set
        tick = copy.deepcopy(market)
        for curve in tick["curves"]:
            for quote in curve["quotes"]:
                quote["rate_pct"] += shift
        was_rebuilt, seconds = _timed(lambda tick=tick: fast.update_market(tick))
        rebuilt.append(was_rebuilt)
        tick_updates.append(seconds)
        tick_values.append(_timed(fast.pv_matrix)[1])
    tick_update, tick_value = float(np.median(tick_updates)), float(np.median(tick_values))
    fast.update_market(market)
    fast_pv = fast.pv_matrix()

    reference, quantlib_build = _timed(lambda: PortfolioEngine(specs, market, engine="quantlib"))
    quantlib_pv, quantlib_value = _timed(reference.pv_matrix)
    naive_pv, naive_value = naive_loop([reference.specs[i] for i in reference.ids], market)

    sizes = np.asarray(  # the engines value one unit of each instrument
        [abs(s.face if isinstance(s, BondSpec) else s.notional) for s in fast.specs.values()]
    )
    parity = float((np.abs(fast_pv - quantlib_pv) / sizes[:, None] * 1e6).max())
    naive_parity = float((np.abs(naive_pv - quantlib_pv) / sizes[:, None] * 1e6).max())
    rows = fast._book.n_rows if fast._book is not None else 0
    result: dict[str, Any] = {
        "benchmark": "pricing",
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "quantlib": ql.__version__,
            "numpy": np.__version__,
        },
        "book": {
            "size": args.size,
            "seed": args.seed,
            "priced": len(fast.ids),
            "failed": len(fast.failures),
            "cashflow_rows": rows,
            "as_of": AS_OF.isoformat(),
        },
        "scenarios": len(fast.scenarios),
        "pillars": len(fast.scenarios.pillars),
        "seconds": {
            "fast_build": fast_build,
            "fast_full_risk_first_call": fast_cold,
            "fast_full_risk": fast_value,
            "fast_measures": measures_time,
            "fast_tick_update_market": tick_update,
            "fast_tick_full_risk": tick_value,
            "quantlib_build": quantlib_build,
            "quantlib_full_risk": quantlib_value,
            "naive_full_risk": naive_value,
        },
        "naive_measured_in_full": True,
        "tick_rebuilt_curves": any(rebuilt),
        "notes": "fast_full_risk: best of 3 warm calls; fast_tick_*: median of 3 ticks (update_market with "
        "new quote values, then every scenario); naive and quantlib measured once, in full, on the whole "
        "book; 2-core machine shared with other jobs, so timings are noisy.",
        "speedup_fast_vs_naive": naive_value / fast_value,
        "speedup_fast_tick_vs_naive": naive_value / (tick_update + tick_value),
        "speedup_quantlib_vs_naive": naive_value / quantlib_value,
        "parity_max_abs_diff_per_1m_notional": {
            "fast_vs_quantlib": parity,
            "naive_vs_quantlib": naive_parity,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    seconds = result["seconds"]
    print(f"pricing bench: {args.size} instruments, {result['scenarios']} scenarios, {rows} cashflow rows")
    print(f"{'what':<34} {'seconds':>10}")
    for key, value in seconds.items():
        print(f"{key:<34} {value:>10.3f}")
    print(
        f"speed-up fast vs naive {result['speedup_fast_vs_naive']:.1f}x; quantlib vs naive "
        f"{result['speedup_quantlib_vs_naive']:.1f}x; parity {parity:.2e} per 1M"
    )


if __name__ == "__main__":
    main()
