"""When to send each tick: the pure schedule behind ``--speed`` and ``--rate``.

A tick's ``replay_offset_s`` is the market session time elapsed since the first replayed session
opened, counting only trading time (08:00-17:00 of each replayed day; nights, weekends and market
holidays take no time). At speed ``s`` a tick is due ``(offset - first_offset) / s`` seconds after
the replay starts: at ``1x`` a day of ticks takes 9 hours, at ``100x`` 5.4 minutes. ``--rate R``
sends tick ``i`` (0-based) at ``i / R`` seconds whatever its market time; ``max`` never waits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from market_replay.errors import ReplayConfigError

__all__ = ["Pace", "send_offset"]

_SPEED = re.compile(r"^(?P<factor>[0-9]+(\.[0-9]*)?)x$")


@dataclass(frozen=True)
class Pace:
    """How fast to replay: a market-time speed factor, a fixed tick rate, or neither (``max``)."""

    speed: float | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.speed is not None and self.rate is not None:
            raise ReplayConfigError("give either a speed (e.g. 10x) or a rate (ticks/s), not both")
        for name, value in (("speed", self.speed), ("rate", self.rate)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ReplayConfigError(f"{name} must be a positive number, got {value}")

    @property
    def is_max(self) -> bool:
        return self.speed is None and self.rate is None

    @classmethod
    def parse(cls, speed: str = "max", rate: float | None = None) -> Pace:
        """``speed`` is ``max`` or ``<factor>x`` (``1x``, ``10x``, ``100x``); ``rate`` overrides it."""
        if rate is not None:
            return cls(rate=rate)
        text = speed.strip().lower()
        if text == "max":
            return cls()
        match = _SPEED.match(text)
        if match is None:
            raise ReplayConfigError(f"speed {speed!r} is not 'max' or '<factor>x' (e.g. 1x, 10x, 100x)")
        return cls(speed=float(match["factor"]))

    def describe(self) -> str:
        if self.rate is not None:
            return f"{self.rate:g} ticks/s"
        return "max" if self.speed is None else f"{self.speed:g}x"


def send_offset(pace: Pace, replay_offset_s: float, index: int) -> float | None:
    """Seconds after the replay start at which tick ``index`` is due; ``None`` means send now.

    ``replay_offset_s`` is the tick's session time relative to the first tick of the replay.
    """
    if pace.rate is not None:
        return index / pace.rate
    if pace.speed is not None:
        return replay_offset_s / pace.speed
    return None
