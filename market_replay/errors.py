"""Errors raised by :mod:`market_replay`. Each says what was wrong and what to do.

::

    RiskEngineError (core.errors)
    └── MarketReplayError          base of everything this package raises on purpose
        ├── NoMarketData           a date or market outside the coverage of the data (names the range)
        ├── UserCsvError           a user quote CSV that cannot be used at all (bad header, no good row)
        ├── ReplayConfigError      an invalid replay setting (speed, rate, date range, ticks per day)
        └── DeliveryError          the Kafka producer could not deliver ticks (names the count and cause)

Bad rows of a user CSV are not errors: they are reported as :class:`market_replay.user_csv.CsvIssue`
with their line number and the replay carries on with the good rows.
"""

from __future__ import annotations

from core.errors import RiskEngineError

__all__ = ["DeliveryError", "MarketReplayError", "NoMarketData", "ReplayConfigError", "UserCsvError"]


class MarketReplayError(RiskEngineError):
    """Base class of the errors raised on purpose by :mod:`market_replay`."""


class NoMarketData(MarketReplayError):
    """The requested date or market is outside the data; the message gives the covered range."""


class UserCsvError(MarketReplayError):
    """A user quote CSV cannot be used at all; the message says what the file must look like."""


class ReplayConfigError(MarketReplayError):
    """An invalid replay setting; the message names the setting and the accepted values."""


class DeliveryError(MarketReplayError):
    """Ticks could not be delivered to Kafka; the message gives how many and the first cause."""
