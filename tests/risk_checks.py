"""How close two risk numbers computed in different processes must be (test helper).

PV and DV01 agree to a relative 1e-9. Gamma (a second difference) and single-pillar kr01 come from curves
re-bootstrapped from other starting points in another process, so they agree only to the parity bound of
docs/architecture.md section 4, 1e-6 per 1,000,000 notional (measured noise: about 1e-8 per 1,000,000).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["PARITY_PER_MILLION", "RELATIVE", "assert_risk_close", "notional_of"]

RELATIVE = 1e-9
PARITY_PER_MILLION = 1e-6


def notional_of(entries: Iterable[Mapping[str, Any]]) -> float:
    """Total face or notional (times quantity) of book entries."""
    total = 0.0
    for entry in entries:
        size = entry.get("face") if entry.get("type") == "bond" else entry.get("notional")
        total += abs(float(size or 0.0)) * abs(float(entry.get("quantity", 1.0)))
    return total


def assert_risk_close(measure: str, actual: float, expected: float, notional: float, what: str = "") -> None:
    bound = PARITY_PER_MILLION * max(notional, 1e6) / 1e6
    if measure in ("pv", "dv01"):
        close = math.isclose(actual, expected, rel_tol=RELATIVE, abs_tol=bound)
    else:
        close = abs(actual - expected) <= bound
    assert close, (
        f"{what} {measure}: {actual!r} != {expected!r} (notional {notional:,.0f}, bound {bound:.3g})"
    )
