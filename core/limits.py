"""Risk limits and their edge-triggered alerts (pure logic: no I/O, unit-testable).

A limit caps one measure of one book (``ALL``: the whole portfolio), in USD:

==================  ==========================================================================
measure             value checked against ``limit``
==================  ==========================================================================
``dv01``            ``|DV01|`` of the book
``kr01``            ``|kr01|`` of each pillar of ``curve`` (``tenor`` empty: every pillar of the
                    curve, one alert key each; ``tenor`` set: that pillar only)
``gamma``           ``|gamma|`` of the book
``pnl_stop_loss``   the loss since the open, ``max(0, -pnl_open)``
==================  ==========================================================================

``utilisation = value / limit``. The level is ``breach`` at ``utilisation >= 1``, ``warning`` at
``utilisation >= warning_pct / 100`` (when a warning level is set), else ``ok``. An alert is an edge: one
event when the level of an alert key changes (``breach`` or ``warning`` on the way up or down to it,
``clear`` when it comes back to ``ok``), never one per tick. Alert keys are the measure, or
``kr01:CURVE/TENOR`` for a pillar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALERT_SCHEMA",
    "LIMIT_MEASURES",
    "AlertEvent",
    "BookRisk",
    "Level",
    "Limit",
    "LimitCheck",
    "check_limits",
    "transitions",
]

LimitMeasure = Literal["dv01", "kr01", "gamma", "pnl_stop_loss"]
LIMIT_MEASURES: tuple[LimitMeasure, ...] = ("dv01", "kr01", "gamma", "pnl_stop_loss")
Level = Literal["ok", "warning", "breach"]
#: The ``schema`` field of every ``risk.alerts`` record.
ALERT_SCHEMA = "risk-alert/1"


@dataclass(frozen=True)
class Limit:
    """One stored limit; ``limit`` > 0 in USD, ``warning_pct`` in (0, 100) or None."""

    book: str
    measure: LimitMeasure
    limit: float
    warning_pct: float | None = None
    curve: str | None = None  # kr01 only
    tenor: str | None = None  # kr01 only; None: every pillar of the curve


@dataclass(frozen=True)
class BookRisk:
    """The figures of one book on one tick (USD): what limits are checked against."""

    dv01: float
    gamma: float
    pnl_open: float
    kr01: Mapping[str, float]


@dataclass(frozen=True)
class LimitCheck:
    """One alert key's figures on one tick."""

    book: str
    key: str  # dv01 | gamma | pnl_stop_loss | kr01:CURVE/TENOR
    value: float
    limit: float
    utilisation: float
    level: Level


@dataclass(frozen=True)
class AlertEvent:
    """A change of level of one alert key: ``kind`` is ``breach``, ``warning`` or ``clear``."""

    kind: Literal["breach", "warning", "clear"]
    check: LimitCheck


def _level(utilisation: float, warning_pct: float | None) -> Level:
    if utilisation >= 1.0:
        return "breach"
    if warning_pct is not None and utilisation >= warning_pct / 100.0:
        return "warning"
    return "ok"


_DAYS = {"D": 1, "W": 7, "M": 30, "Y": 365}


def _tenor_days(key: str) -> tuple[int, str]:
    """Sort key of a ``CURVE/TENOR`` pillar: its tenor in days (1W before 1M before 10Y)."""
    tenor = key.rpartition("/")[2]
    number, unit = tenor[:-1], tenor[-1:]
    return (int(number) * _DAYS[unit], key) if number.isdigit() and unit in _DAYS else (1 << 30, key)


def _pillars(limit: Limit, kr01: Mapping[str, float]) -> list[tuple[str, float]]:
    if limit.tenor:
        key = f"{limit.curve}/{limit.tenor}"
        return [(key, kr01.get(key, 0.0))]
    prefix = f"{limit.curve}/"
    return sorted(
        ((k, v) for k, v in kr01.items() if k.startswith(prefix)), key=lambda kv: _tenor_days(kv[0])
    )


def check_limits(book: str, risk: BookRisk, limits: Iterable[Limit]) -> list[LimitCheck]:
    """Every alert key of ``book``'s limits with its value, utilisation and level on ``risk``.

    A per-pillar kr01 limit overrides the curve-wide one for its pillar."""
    checks: dict[str, LimitCheck] = {}
    own = [limit for limit in limits if limit.book == book]
    # curve-wide kr01 limits first, so a per-pillar limit of the same pillar replaces them
    for limit in sorted(own, key=lambda lim: lim.measure != "kr01" or bool(lim.tenor)):
        values: list[tuple[str, float]]
        if limit.measure == "dv01":
            values = [("dv01", abs(risk.dv01))]
        elif limit.measure == "gamma":
            values = [("gamma", abs(risk.gamma))]
        elif limit.measure == "pnl_stop_loss":
            values = [("pnl_stop_loss", max(0.0, -risk.pnl_open))]
        else:
            values = [(f"kr01:{key}", abs(value)) for key, value in _pillars(limit, risk.kr01)]
        for key, value in values:
            utilisation = value / limit.limit
            checks[key] = LimitCheck(
                book, key, value, limit.limit, utilisation, _level(utilisation, limit.warning_pct)
            )
    return list(checks.values())


def transitions(previous: Mapping[tuple[str, str], Level], checks: Iterable[LimitCheck]) -> list[AlertEvent]:
    """The events of ``checks`` against the last known levels (missing: ``ok``), one per changed key."""
    events: list[AlertEvent] = []
    for check in checks:
        before = previous.get((check.book, check.key), "ok")
        if check.level == before:
            continue
        events.append(AlertEvent("clear" if check.level == "ok" else check.level, check))
    return events
