"""Tenor labels (``1W``, ``3M``, ``10Y``, ``ON``) as year fractions, to order pillars along the curve."""

from __future__ import annotations

import re

__all__ = ["quote_tenor", "tenor_years"]

_UNIT_YEARS = {"D": 1 / 365, "W": 7 / 365, "M": 1 / 12, "Y": 1.0}
_OVERNIGHT = {"ON": 1 / 365, "TN": 2 / 365, "SN": 3 / 365}
_TENOR = re.compile(r"^(\d+)([DWMY])$")


def tenor_years(tenor: str) -> float | None:
    """``3M`` -> 0.25; None for a label that is not a tenor (it is then shown after the known pillars)."""
    label = tenor.strip().upper()
    if label in _OVERNIGHT:
        return _OVERNIGHT[label]
    match = _TENOR.match(label)
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_YEARS[match.group(2)]


def quote_tenor(quote_key: str) -> str:
    """The tenor of a quote key ``instrument/tenor`` (``swap/10Y`` -> ``10Y``)."""
    return quote_key.rpartition("/")[2]
