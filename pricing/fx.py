"""The one conversion to the reporting currency (USD), used by every path that totals across currencies:
``price_portfolio`` and batch revaluation (a snapshot's ``fx``), the live shard totals and the what-if
(a tick's ``fx``), and the consumer's check of each tick.

A missing rate is always :class:`~pricing.errors.MissingFxRate` naming the pairs that would do: the
snapshot or tick is refused (a 422, a failed batch day, a rejected tick that leaves its market stale),
never a NaN or ``None`` total.
"""

from __future__ import annotations

from collections.abc import Mapping

from pricing.conventions import REPORTING_CURRENCY
from pricing.errors import MissingFxRate

__all__ = ["reporting_rate"]


def reporting_rate(currency: str, fx: Mapping[str, float]) -> float:
    """USD per one unit of ``currency``: the direct pair (``EURUSD``: USD per EUR) or one over the
    inverse (``USDEUR``); 1.0 for USD itself. Raises :class:`MissingFxRate` when neither is there."""
    if currency == REPORTING_CURRENCY:
        return 1.0
    direct = fx.get(f"{currency}{REPORTING_CURRENCY}")
    if direct:
        return float(direct)
    inverse = fx.get(f"{REPORTING_CURRENCY}{currency}")
    if inverse:
        return 1.0 / float(inverse)
    raise MissingFxRate(currency)
