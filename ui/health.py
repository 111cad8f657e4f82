"""When the live view must be shown as stale, and why (the trader must never mistake old risk for new)."""

from __future__ import annotations

from collections.abc import Sequence

from core.records import BookSummaryRecord
from core.status_record import EngineStatusRecord
from ui.format import format_age

__all__ = ["stale_reasons", "tick_age_seconds"]


def tick_age_seconds(summary: BookSummaryRecord | None, now: float) -> float | None:
    """Wall-clock seconds since the engine wrote the book's latest tick."""
    if summary is None:
        return None
    return max(now - summary.computed_at, 0.0)


def stale_reasons(
    summary: BookSummaryRecord | None,
    engine: EngineStatusRecord,
    now: float,
    stale_after_seconds: float,
    errors: Sequence[str] = (),
) -> list[str]:
    """Every reason the view is stale; empty when the latest tick is fresh, complete and every record
    read (``errors``: the Redis records that could not be read, see :mod:`ui.snapshot`; with no summary
    they are the reasons, as an unreadable summary is not one that was never published)."""
    reasons = list(errors)
    if summary is None:
        return reasons or ["no risk has been published for this book yet"]
    age = tick_age_seconds(summary, now)
    if age is not None and age > stale_after_seconds:
        reasons.append(f"no tick for {format_age(age)} (limit {format_age(stale_after_seconds)})")
    if summary.stale:
        reasons.append(summary.stale_reason or "the engine marked this tick stale")
    reasons.extend(f"curve {curve} rejected: its last tick failed" for curve in engine.rejected_curves or ())
    return reasons
