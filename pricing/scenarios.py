"""Scenario sets: the bumped quote sets of docs/architecture.md section 4, built once per market snapshot.

Order (``3 + 2 * len(pillars)`` scenarios)::

    0 base | 1 all quotes +1bp | 2 all quotes -1bp | 3 + 2k pillar k +1bp | 4 + 2k pillar k -1bp

A scenario is plain data (quote key -> decimal shift), picklable, shared by every instrument and engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["BASE", "PARALLEL_DOWN", "PARALLEL_UP", "Scenario", "ScenarioSet", "build_scenarios"]

BASE, PARALLEL_UP, PARALLEL_DOWN = 0, 1, 2


@dataclass(frozen=True)
class Scenario:
    name: str
    bumps: Mapping[str, float]  # pillar key CURVE/TENOR -> shift (decimal)


@dataclass(frozen=True)
class ScenarioSet:
    pillars: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    shift: float

    def __len__(self) -> int:
        return len(self.scenarios)

    def pillar_up(self, k: int) -> int:
        return 3 + 2 * k

    def pillar_down(self, k: int) -> int:
        return 4 + 2 * k

    def chunks(self, parts: int) -> list[list[int]]:
        """Scenario indices split into ``parts`` contiguous groups (for parallel tasks)."""
        size = -(-len(self) // max(parts, 1))
        return [list(range(i, min(i + size, len(self)))) for i in range(0, len(self), size)]


def build_scenarios(pillars: Sequence[str], shift_bp: float = 1.0) -> ScenarioSet:
    shift = shift_bp / 10_000.0
    scenarios = [
        Scenario("base", {}),
        Scenario("parallel+", {p: shift for p in pillars}),
        Scenario("parallel-", {p: -shift for p in pillars}),
    ]
    for pillar in pillars:
        scenarios.append(Scenario(f"{pillar}+", {pillar: shift}))
        scenarios.append(Scenario(f"{pillar}-", {pillar: -shift}))
    return ScenarioSet(tuple(pillars), tuple(scenarios), shift)
