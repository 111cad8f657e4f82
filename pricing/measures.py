"""Risk measures from a PV matrix ``[instrument, scenario]`` (docs/architecture.md section 4); pure functions.

- ``pv`` = base; ``dv01 = (PV(-1bp) - PV(+1bp)) / 2`` on the parallel shift of every quote;
- ``gamma = PV(+1bp) + PV(-1bp) - 2 PV(base)``;
- ``kr01[CURVE/TENOR]`` = the same central difference with only that quote bumped.

Parallel and pillar scenarios re-bootstrap the bumped curve and every curve built on it, so an
instrument's kr01 has exactly zero entries for curves it does not depend on; those are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.errors import EngineError
from pricing.scenarios import BASE, PARALLEL_DOWN, PARALLEL_UP, ScenarioSet

__all__ = ["InstrumentMeasures", "RiskArrays", "measures_from_pv_matrix", "risk_arrays"]


@dataclass(frozen=True)
class InstrumentMeasures:
    pv: float
    dv01: float
    gamma: float
    kr01: dict[str, float]


@dataclass(frozen=True)
class RiskArrays:
    """Measures: ``pv``, ``dv01``, ``gamma`` ``[instrument]``; ``kr01`` ``[instrument, pillar]``."""

    pv: np.ndarray
    dv01: np.ndarray
    gamma: np.ndarray
    kr01: np.ndarray
    pillars: tuple[str, ...]


def risk_arrays(pv_matrix: np.ndarray, scenarios: ScenarioSet) -> RiskArrays:
    """Measures of every instrument from its PV in every scenario (all columns, in scenario order)."""
    if pv_matrix.ndim != 2 or pv_matrix.shape[1] != len(scenarios):
        raise EngineError(
            f"PV matrix has shape {pv_matrix.shape}; expected [instruments, {len(scenarios)}] (all scenarios)"
        )
    base = pv_matrix[:, BASE]
    up, down = pv_matrix[:, PARALLEL_UP], pv_matrix[:, PARALLEL_DOWN]
    kr01 = (pv_matrix[:, 4::2] - pv_matrix[:, 3::2]) / 2.0
    return RiskArrays(base.copy(), (down - up) / 2.0, up + down - 2.0 * base, kr01, scenarios.pillars)


def measures_from_pv_matrix(pv_matrix: np.ndarray, scenarios: ScenarioSet) -> list[InstrumentMeasures]:
    arrays = risk_arrays(pv_matrix, scenarios)
    result = []
    for row in range(pv_matrix.shape[0]):
        kr01 = {
            pillar: float(value)
            for pillar, value in zip(arrays.pillars, arrays.kr01[row], strict=True)
            if value != 0.0
        }
        result.append(
            InstrumentMeasures(float(arrays.pv[row]), float(arrays.dv01[row]), float(arrays.gamma[row]), kr01)
        )
    return result
