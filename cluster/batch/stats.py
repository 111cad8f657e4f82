"""Historical VaR and expected shortfall of a P&L sample (pure numpy).

Convention (documented in the README): with ``N`` scenario P&Ls sorted from worst to best and
``k = ceil(N · (1 − α))`` (at least 1), ``VaR_α`` is minus the k-th worst P&L and ``ES_α`` minus the mean of
the k worst. Both are positive numbers for a loss; ``ES_α ≥ VaR_α`` always. With N = 500: k = 5 at 99%,
k = 13 at 97.5%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cluster.batch.errors import BadRequest

__all__ = ["TailRisk", "parse_confidences", "tail_count", "tail_risk", "worst_scenarios"]


@dataclass(frozen=True)
class TailRisk:
    confidence: float
    var: float
    es: float
    tail_count: int


def tail_count(n_scenarios: int, confidence: float) -> int:
    """``k = ceil(N (1 − α))``, at least 1 (rounded first so that 500 × 0.01 is 5, not 5.0000000001)."""
    if not 0.0 < confidence < 1.0:
        raise BadRequest(f"confidence must be between 0 and 1 (e.g. 0.99), not {confidence}")
    if n_scenarios < 1:
        raise BadRequest("VaR needs at least one scenario")
    return max(1, math.ceil(round(n_scenarios * (1.0 - confidence), 9)))


def tail_risk(pnl: Sequence[float] | np.ndarray, confidence: float) -> TailRisk:
    """VaR and ES at ``confidence`` of the scenario P&Ls ``pnl`` (see the module docstring)."""
    ordered = np.sort(np.asarray(pnl, dtype=float))
    k = tail_count(len(ordered), confidence)
    return TailRisk(confidence, float(-ordered[k - 1]), float(-ordered[:k].mean()), k)


def worst_scenarios(
    pnl: Sequence[float] | np.ndarray, labels: Sequence[str], count: int
) -> list[tuple[str, float]]:
    """The ``count`` worst scenarios as ``(label, pnl)``, worst first (ties in label order)."""
    values = np.asarray(pnl, dtype=float)
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} P&Ls but {len(labels)} labels")
    order = np.argsort(values, kind="stable")[:count]
    return [(labels[i], float(values[i])) for i in order]


def parse_confidences(text: str) -> tuple[float, ...]:
    """``"0.99,0.975"`` -> ``(0.99, 0.975)``; each strictly between 0 and 1."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise BadRequest(
            f"--confidence must be comma-separated numbers like 0.99,0.975, not {text!r}"
        ) from None
    if not values:
        raise BadRequest("--confidence needs at least one level, e.g. 0.99,0.975")
    for value in values:
        tail_count(1, value)
    return values
