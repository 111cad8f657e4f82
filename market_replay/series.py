"""Loaders of the real daily series in ``market_replay/data`` (see its README for provenance).

Each file is read once per process into an :class:`ObservedTable`: sorted dates and, per column, the
value or ``None`` where the publisher has none. Lookups answer "the last good value at or before a
date" with the date it was observed, so callers can flag carried-forward values.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "Observation",
    "ObservedTable",
    "ecb_aaa_table",
    "estr_table",
    "sofr_table",
    "ust_table",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

_UST_COLUMNS = {
    "1 Mo": "bill/1M", "2 Mo": "bill/2M", "3 Mo": "bill/3M", "4 Mo": "bill/4M", "6 Mo": "bill/6M",
    "1 Yr": "bill/1Y", "2 Yr": "par_bond/2Y", "3 Yr": "par_bond/3Y", "5 Yr": "par_bond/5Y",
    "7 Yr": "par_bond/7Y", "10 Yr": "par_bond/10Y", "20 Yr": "par_bond/20Y", "30 Yr": "par_bond/30Y",
}  # fmt: skip
_AAA_COLUMNS = {f"SR_{tenor}": tenor for tenor in ("3M", "6M", "1Y", "2Y", "5Y", "10Y")}


@dataclass(frozen=True)
class Observation:
    """A published value and the date it was published for."""

    value: float
    observed_on: date


class ObservedTable:
    """Daily observations of a few named columns; ``None`` marks a missing value."""

    def __init__(self, dates: Sequence[date], columns: Mapping[str, Sequence[float | None]]) -> None:
        self.dates: tuple[date, ...] = tuple(dates)
        self.columns: dict[str, tuple[float | None, ...]] = {k: tuple(v) for k, v in columns.items()}
        self._last_index = {name: _last_observed_index(values) for name, values in self.columns.items()}

    @property
    def first_date(self) -> date:
        return self.dates[0]

    @property
    def last_date(self) -> date:
        return self.dates[-1]

    def index_at_or_before(self, day: date) -> int:
        """Row index of the last date at or before ``day`` (-1 if ``day`` precedes the table)."""
        return bisect_right(self.dates, day) - 1

    def has_row(self, day: date) -> bool:
        index = self.index_at_or_before(day)
        return index >= 0 and self.dates[index] == day

    def last_good(self, column: str, day: date) -> Observation | None:
        """The last non-missing value of ``column`` at or before ``day``, or ``None`` if there is none."""
        index = self.index_at_or_before(day)
        if index < 0:
            return None
        observed = self._last_index[column][index]
        if observed < 0:
            return None
        value = self.columns[column][observed]
        assert value is not None  # _last_index only points at observed rows
        return Observation(value, self.dates[observed])

    def value_on(self, column: str, index: int) -> float | None:
        return self.columns[column][index]

    def items_before(self, column: str, day: date) -> list[tuple[date, float]]:
        """Every observed ``(date, value)`` of ``column`` strictly before ``day``, oldest first."""
        end = bisect_right(self.dates, day)
        if end > 0 and self.dates[end - 1] == day:
            end -= 1
        values = self.columns[column]
        return [(self.dates[i], v) for i in range(end) if (v := values[i]) is not None]


def _last_observed_index(values: Sequence[float | None]) -> tuple[int, ...]:
    last = -1
    out = []
    for i, value in enumerate(values):
        if value is not None:
            last = i
        out.append(last)
    return tuple(out)


def _read(path: Path, columns: Mapping[str, str]) -> tuple[list[date], dict[str, list[float | None]]]:
    dates: list[date] = []
    out: dict[str, list[float | None]] = {name: [] for name in columns.values()}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            dates.append(date.fromisoformat(row["date"]))
            for header, name in columns.items():
                cell = (row.get(header) or "").strip()
                out[name].append(float(cell) if cell else None)
    return dates, out


@lru_cache(maxsize=1)
def ust_table() -> ObservedTable:
    """Treasury par yields (percent), keyed ``bill/1M`` .. ``par_bond/30Y``, 1990 to 2026-08-05.

    The partial H.15 extension continues the table after the last full-curve date with 5 tenors.
    """
    dates, columns = _read(DATA_DIR / "ust_par_yield_curve_daily.csv", _UST_COLUMNS)
    ext_dates, ext_columns = _read(DATA_DIR / "ust_cmt_partial_2026_extension.csv", _UST_COLUMNS)
    keep = [i for i, day in enumerate(ext_dates) if day > dates[-1]]
    dates += [ext_dates[i] for i in keep]
    for name in columns:
        columns[name] += [ext_columns[name][i] for i in keep]
    return ObservedTable(dates, columns)


@lru_cache(maxsize=1)
def sofr_table() -> ObservedTable:
    """SOFR by effective date, percent, column ``SOFR`` (Federal Reserve Bank of New York, via FRED)."""
    return ObservedTable(*_read(DATA_DIR / "sofr_daily.csv", {"sofr_pct": "SOFR"}))


@lru_cache(maxsize=1)
def estr_table() -> ObservedTable:
    """€STR by date, percent, column ``ESTR`` (ECB)."""
    return ObservedTable(*_read(DATA_DIR / "estr_daily.csv", {"estr_pct": "ESTR"}))


@lru_cache(maxsize=1)
def ecb_aaa_table() -> ObservedTable:
    """ECB AAA Svensson spot rates (continuous compounding), percent, columns ``3M`` .. ``10Y``."""
    return ObservedTable(*_read(DATA_DIR / "ecb_aaa_spot_curve_daily.csv", _AAA_COLUMNS))
