"""Date and tenor helpers: ISO strings and ``datetime.date`` at the edges, ``ql.Date`` inside."""

from __future__ import annotations

import re
from datetime import date

import QuantLib as ql

__all__ = ["from_ql_date", "parse_fra_tenor", "parse_iso_date", "parse_tenor", "to_ql_date"]

_TENOR = re.compile(r"^(?P<n>[0-9]{1,3})(?P<unit>[DWMY])$")
_FRA_TENOR = re.compile(r"^(?P<start>[0-9]{1,2})X(?P<end>[0-9]{1,2})$")
_UNITS = {"D": ql.Days, "W": ql.Weeks, "M": ql.Months, "Y": ql.Years}


def to_ql_date(day: date) -> ql.Date:
    return ql.Date(day.day, day.month, day.year)


def from_ql_date(day: ql.Date) -> date:
    return date(day.year(), day.month(), day.dayOfMonth())


def parse_iso_date(text: object, what: str) -> date:
    """``"2024-03-15"`` -> ``date``; raises ``ValueError`` naming ``what`` otherwise."""
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise ValueError(f"{what}: {text!r} is not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_tenor(tenor: str) -> ql.Period:
    """``"1D"``, ``"2W"``, ``"6M"``, ``"10Y"`` -> ``ql.Period``; raises ``ValueError`` otherwise."""
    match = _TENOR.match(tenor) if isinstance(tenor, str) else None
    if match is None or int(match["n"]) == 0:
        raise ValueError(f"tenor {tenor!r} is not of the form <n><D|W|M|Y> (e.g. '1D', '6M', '10Y')")
    return ql.Period(int(match["n"]), _UNITS[match["unit"]])


def parse_fra_tenor(tenor: str) -> tuple[int, int]:
    """``"6X12"`` -> ``(6, 12)`` months to start and to end; raises ``ValueError`` otherwise."""
    match = _FRA_TENOR.match(tenor) if isinstance(tenor, str) else None
    if match is None or not 0 < int(match["start"]) < int(match["end"]):
        raise ValueError(f"FRA tenor {tenor!r} is not of the form <start>X<end> in months (e.g. '6X12')")
    return int(match["start"]), int(match["end"])
