"""When the live view must be shown as stale, and why (the trader must never mistake old risk for new)."""

from __future__ import annotations

from ui.format import format_age
from ui.snapshot import BookSummary, EngineStatus

__all__ = ["stale_reasons", "tick_age_seconds"]


def tick_age_seconds(summary: BookSummary | None, now: float) -> float | None:
    """Wall-clock seconds since the engine wrote the book's latest tick."""
    if summary is None or summary.computed_at is None:
        return None
    return max(now - summary.computed_at, 0.0)


def stale_reasons(
    summary: BookSummary | None, engine: EngineStatus, now: float, stale_after_seconds: float
) -> list[str]:
    """Every reason the view is stale; empty when the latest tick is fresh and complete."""
    if summary is None:
        return ["no risk has been published for this book yet"]
    reasons = []
    age = tick_age_seconds(summary, now)
    if age is None:
        reasons.append("the engine did not say when it computed this tick")
    elif age > stale_after_seconds:
        reasons.append(f"no tick for {format_age(age)} (limit {format_age(stale_after_seconds)})")
    if summary.stale:
        reasons.append(summary.fields.get("stale_reason") or "the engine marked this tick stale")
    reasons.extend(f"curve {curve} rejected: its last tick failed" for curve in engine.rejected_curves)
    return reasons
