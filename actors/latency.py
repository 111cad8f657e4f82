"""Per-tick latency by stage (produced → consumed → fanned out → shards done → in Redis), with percentiles."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["STAGES", "LatencyWindow", "TickTimings"]

STAGES = ("consume", "fanout", "shards", "redis", "total")


@dataclass(frozen=True)
class TickTimings:
    """Wall-clock instants of one tick in ``time.time_ns()``; ``produced`` comes from the producer."""

    produced: int
    consumed: int
    fanned_out: int
    shards_done: int
    written: int

    def stages_ms(self) -> dict[str, float]:
        return {
            "consume": (self.consumed - self.produced) / 1e6,
            "fanout": (self.fanned_out - self.consumed) / 1e6,
            "shards": (self.shards_done - self.fanned_out) / 1e6,
            "redis": (self.written - self.shards_done) / 1e6,
            "total": (self.written - self.produced) / 1e6,
        }


class LatencyWindow:
    """The last ``size`` ticks' stage latencies; percentiles over that window."""

    def __init__(self, size: int = 2000) -> None:
        self._rows: deque[tuple[float, ...]] = deque(maxlen=size)

    def add(self, timings: TickTimings) -> None:
        stages = timings.stages_ms()
        self._rows.append(tuple(stages[s] for s in STAGES))

    def __len__(self) -> int:
        return len(self._rows)

    def percentiles(self, qs: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
        """``{"total_p95_ms": ..., "shards_p50_ms": ...}``; empty when no tick was seen."""
        if not self._rows:
            return {}
        table = np.asarray(self._rows)
        values = np.percentile(table, qs, axis=0)
        return {
            f"{stage}_p{q}_ms": round(float(values[i, j]), 3)
            for i, q in enumerate(qs)
            for j, stage in enumerate(STAGES)
        }
