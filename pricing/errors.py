"""Errors raised by :mod:`pricing`.

::

    PricingError                     base of everything this package raises on purpose
    ├── MarketDataError              a market snapshot is unusable (names the curve and the quote)
    │   └── MissingFxRate            no FX rate to USD for a currency to total (names the pairs)
    ├── SpecError                    an instrument dict or spec is invalid (names the field)
    ├── FixingError                  a seasoned trade needs a past fixing the snapshot lacks (names the date)
    ├── EngineError                  an engine cannot do what was asked (unknown engine, unsupported
    │                                interpolation in the fast engine, unknown scenario index...)
    └── CalculatorError              yield/price calculator input that makes no bond or bill (names the field)

``SpecError`` and ``FixingError`` are caught per instrument by the portfolio functions and turned into
failed results (``ok=false`` with the message). ``MarketDataError`` stops the whole valuation when the
snapshot itself is malformed or no curve can be built; a single curve that fails to bootstrap only fails
the positions that depend on it (``CurveSet.failures``).
"""

from __future__ import annotations

__all__ = [
    "CalculatorError",
    "EngineError",
    "FixingError",
    "MarketDataError",
    "MissingFxRate",
    "PricingError",
    "SpecError",
]


class PricingError(Exception):
    """Base class of the errors raised on purpose by :mod:`pricing`."""


class MarketDataError(PricingError):
    """The market snapshot is unusable; the message names the curve and the quote and what to fix."""


class MissingFxRate(MarketDataError):
    """The market has no FX rate from ``currency`` to the reporting currency (:mod:`pricing.fx`)."""

    def __init__(self, currency: str, reporting: str = "USD") -> None:
        super().__init__(
            f"fx: no rate from {currency} to {reporting}: add {currency}{reporting} ({reporting} per "
            f"{currency}) or {reporting}{currency} to the market's fx to total {currency} positions in "
            f"{reporting}"
        )
        self.currency = currency


class SpecError(PricingError):
    """An instrument description is invalid; the message names the instrument, the field and the rule."""


class FixingError(PricingError):
    """A seasoned trade needs a past fixing that the market snapshot does not carry (the date is named)."""


class EngineError(PricingError):
    """An engine was asked for something it does not support."""


class CalculatorError(PricingError):
    """Input of the yield/price calculator that makes no bond or bill; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
