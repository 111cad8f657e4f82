"""Risk measures from a PV matrix ``[instrument, scenario]`` (docs/architecture.md section 4); pure functions.

Engines value instruments (one unit of face or notional as stored); a position's measures are its
instrument's times its signed quantity (:meth:`InstrumentMeasures.scaled`, :func:`scale_rows`): every
measure is linear in PV, so scaling the measures equals scaling the PVs, and ``x * -q`` is exactly
``-(x * q)`` in IEEE arithmetic, so a short is exactly minus the long.

- ``pv`` = base; ``dv01 = (PV(-1bp) - PV(+1bp)) / 2`` on the parallel shift of every quote;
- ``gamma = PV(+1bp) + PV(-1bp) - 2 PV(base)``;
- ``kr01[CURVE/TENOR]`` = the same central difference with only that quote bumped.

Parallel and pillar scenarios re-bootstrap the bumped curve and every curve built on it, so an
instrument's kr01 has exactly zero entries for curves it does not depend on; those are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pricing.errors import EngineError
from pricing.scenarios import BASE, PARALLEL_DOWN, PARALLEL_UP, ScenarioSet

__all__ = ["InstrumentMeasures", "RiskArrays", "measures_from_pv_matrix", "risk_arrays", "scale_rows"]


@dataclass(frozen=True)
class InstrumentMeasures:
    pv: float
    dv01: float
    gamma: float
    kr01: dict[str, float]

    def scaled(self, quantity: float) -> InstrumentMeasures:
        """The measures of ``quantity`` units (negative: short); kr01 keeps the same non-zero pillars."""
        return InstrumentMeasures(
            self.pv * quantity,
            self.dv01 * quantity,
            self.gamma * quantity,
            {key: value * quantity for key, value in self.kr01.items()},
        )


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


def scale_rows(
    arrays: RiskArrays, rows: Sequence[int] | np.ndarray, quantities: Sequence[float] | np.ndarray
) -> RiskArrays:
    """Position measures from instrument measures: output row ``k`` is ``arrays`` row ``rows[k]`` times
    ``quantities[k]`` (several positions may share one instrument row). Raises ``EngineError`` when the
    lengths differ."""
    picked = np.asarray(rows, dtype=np.int64)
    scale = np.asarray(quantities, dtype=float)
    if picked.shape != scale.shape or picked.ndim != 1:
        raise EngineError(f"{len(picked)} instrument rows for {len(scale)} quantities")
    return RiskArrays(
        arrays.pv[picked] * scale,
        arrays.dv01[picked] * scale,
        arrays.gamma[picked] * scale,
        arrays.kr01[picked] * scale[:, None],
        arrays.pillars,
    )


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
