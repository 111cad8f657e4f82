"""Key grammar shared by the feed, Kafka, Redis and the dashboard (one naming scheme everywhere).

Risk factor keys are ``CURVE/TENOR`` (``EUR-EURIBOR-6M/10Y``); Redis keys follow DESIGN.md section 6.
"""

from __future__ import annotations

__all__ = [
    "ALL_BOOKS",
    "CONSUMER_GROUP",
    "ENGINE_STATUS",
    "RISK_UPDATES_CHANNEL",
    "TOPIC_CURVES",
    "TOPIC_CURVES_DLQ",
    "TOPIC_SECMASTER_EVENTS",
    "book_by_type_key",
    "book_history_key",
    "book_kr01_key",
    "book_summary_key",
    "instrument_risk_key",
    "risk_factor_key",
    "split_risk_factor_key",
]

TOPIC_CURVES = "market.curves"
TOPIC_CURVES_DLQ = "market.curves.dlq"
TOPIC_SECMASTER_EVENTS = "secmaster.events"
CONSUMER_GROUP = "risk-engine"
RISK_UPDATES_CHANNEL = "risk.updates"
ENGINE_STATUS = "engine:status"
ALL_BOOKS = "ALL"


def risk_factor_key(curve: str, tenor: str) -> str:
    return f"{curve}/{tenor}"


def split_risk_factor_key(key: str) -> tuple[str, str]:
    curve, sep, tenor = key.rpartition("/")
    if not sep or not curve or not tenor:
        raise ValueError(f"risk factor key {key!r} is not of the form CURVE/TENOR")
    return curve, tenor


def book_summary_key(book: str) -> str:
    return f"risk:{book}:summary"


def book_kr01_key(book: str) -> str:
    return f"risk:{book}:kr01"


def book_by_type_key(book: str) -> str:
    return f"risk:{book}:by_type"


def book_history_key(book: str) -> str:
    return f"risk:{book}:history"


def instrument_risk_key(instrument_id: str) -> str:
    return f"risk:instr:{instrument_id}"
