"""Users' own quotes: a long CSV ``date,curve,instrument,tenor,rate_pct`` replayed like the real data.

Every row is checked; a bad row is skipped and reported as a :class:`CsvIssue` with its line number
(1 = the header) and the reason, including a quote implausible for its curve (a decimal such as 0.0552
written for 5.52 %, see :mod:`market_replay.plausibility`). Files as spreadsheets save them are read:
UTF-8 with a byte-order mark, CRLF line ends, all-empty rows (skipped), ``;`` or tab separators
(detected) with decimal commas in ``;`` files (:mod:`core.spreadsheet_csv`).
The market of a row is the prefix of its curve (``USD-``, ``EUR-``).
A quote present on a user's earlier date but missing on a later one is carried forward (flagged
``stale``) for at most :data:`~market_replay.rules.MAX_CARRY_DAYS` days; a weekday with no row for a
market is a holiday of that market. User quotes are taken as observed (not ``derived``); fixings
come from the built-in series where they cover the date, and ``EURUSD`` is the built-in constant.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from core.messages import MAX_RATE_PCT, MIN_RATE_PCT
from core.spreadsheet_csv import decimal_point, detect_separator
from market_replay.errors import NoMarketData, UserCsvError
from market_replay.fixings import MARKET_INDICES, recent_fixings
from market_replay.plausibility import implausible_quotes
from market_replay.recipes import DayQuotes
from market_replay.rules import DERIVED_FX_KEY, EURUSD_SPOT, MARKETS, MAX_CARRY_DAYS, Market, tenor_years

__all__ = ["CSV_HEADER", "INSTRUMENTS", "CsvIssue", "CsvSource", "load_user_csv", "parse_user_csv"]

CSV_HEADER = ("date", "curve", "instrument", "tenor", "rate_pct")
INSTRUMENTS = ("bill", "deposit", "ois", "par_bond", "swap")
_CURVE = re.compile(r"^(?P<market>[A-Z]{3})-[A-Z0-9][A-Z0-9-]*$")


@dataclass(frozen=True)
class CsvIssue:
    """A rejected row: its line number in the file (1 = header) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvSource:
    """Day quotes from a user's CSV (see the module docstring for the rules)."""

    def __init__(self, rows: dict[Market, dict[date, dict[str, dict[str, float]]]], name: str) -> None:
        self.name = name
        self._days: dict[Market, dict[date, DayQuotes]] = {
            m: _effective_days(m, rows.get(m, {})) for m in MARKETS
        }

    def coverage(self, market: Market) -> tuple[date, date]:
        days = self._days[market]
        if not days:
            raise NoMarketData(f"{self.name}: no {market} quotes (curves must start with '{market}-')")
        return min(days), max(days)

    def is_open(self, market: Market, day: date) -> bool:
        return day in self._days[market]

    def day_quotes(self, market: Market, day: date) -> DayQuotes:
        first, last = self.coverage(market)
        if not first <= day <= last:
            raise NoMarketData(
                f"{self.name}: no {market} quotes for {day}: the file covers {first} to {last}"
            )
        days = self._days[market]
        if day in days:
            return days[day]
        previous = max(d for d in days if d < day)
        carried = days[previous]
        every = frozenset(f"{curve}/{key}" for curve, quotes in carried.curves.items() for key in quotes)
        return DayQuotes(market, day, carried.curves, carried.fx, carried.derived | every, every)

    def fixings(self, market: Market, before: date) -> dict[str, dict[date, float]]:
        return {index: recent_fixings(index, before) for index in MARKET_INDICES[market]}


def _effective_days(market: Market, rows: dict[date, dict[str, dict[str, float]]]) -> dict[date, DayQuotes]:
    out: dict[date, DayQuotes] = {}
    last_seen: dict[tuple[str, str], tuple[date, float]] = {}
    for day in sorted(rows):
        for curve, quotes in rows[day].items():
            for key, rate in quotes.items():
                last_seen[(curve, key)] = (day, rate)
        curves: dict[str, dict[str, float]] = {}
        stale: set[str] = set()
        for (curve, key), (seen, rate) in last_seen.items():
            if (day - seen).days > MAX_CARRY_DAYS:
                continue
            curves.setdefault(curve, {})[key] = rate
            if seen != day:
                stale.add(f"{curve}/{key}")
        out[day] = DayQuotes(
            market,
            day,
            curves,
            {"EURUSD": EURUSD_SPOT},
            frozenset(stale | {DERIVED_FX_KEY}),
            frozenset(stale),
        )
    return out


def load_user_csv(path: Path) -> tuple[CsvSource, tuple[CsvIssue, ...]]:
    """Read a user quote CSV; bad rows are returned as issues, a file with no good row is an error."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_user_csv(handle, name=path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserCsvError(f"cannot read user quote CSV {path}: {exc}") from exc


def parse_user_csv(lines: Iterable[str], name: str = "user CSV") -> tuple[CsvSource, tuple[CsvIssue, ...]]:
    """Parse CSV text lines (header first); see :func:`load_user_csv`."""
    remaining = iter(lines)
    first = next(remaining, "").lstrip("\ufeff")  # a byte-order mark read without utf-8-sig
    separator = detect_separator(first)
    reader = csv.reader(itertools.chain([first], remaining), delimiter=separator)
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != CSV_HEADER:
        raise UserCsvError(
            f"{name}: the first line must be the header {','.join(CSV_HEADER)} (separated by ',', ';' or "
            f"a tab), got {header} (read with separator {separator!r})"
        )
    rows: dict[Market, dict[date, dict[str, dict[str, float]]]] = {}
    first_line: dict[tuple[date, str, str], int] = {}
    issues: list[CsvIssue] = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        try:
            day, market, curve, key, rate = _parse_row([decimal_point(cell, separator) for cell in record])
        except ValueError as exc:
            issues.append(CsvIssue(line, str(exc)))
            continue
        if (day, curve, key) in first_line:
            issues.append(
                CsvIssue(line, f"duplicate of line {first_line[(day, curve, key)]} ({day} {curve} {key})")
            )
            continue
        first_line[(day, curve, key)] = line
        rows.setdefault(market, {}).setdefault(day, {}).setdefault(curve, {})[key] = rate
    for market, days in rows.items():
        for day, curves in days.items():
            for (curve, key), reason in implausible_quotes(market, day, curves).items():
                del curves[curve][key]
                issues.append(CsvIssue(first_line[(day, curve, key)], reason))
            for curve in [curve for curve, quotes in curves.items() if not quotes]:
                del curves[curve]
    rows = {m: {d: c for d, c in days.items() if c} for m, days in rows.items()}
    issues.sort(key=lambda issue: issue.line)
    good = sum(
        len(quotes) for days in rows.values() for curves in days.values() for quotes in curves.values()
    )
    if good == 0:
        details = "; ".join(str(issue) for issue in issues[:5])
        raise UserCsvError(f"{name}: no usable quote row ({len(issues)} bad rows: {details})")
    return CsvSource(rows, name), tuple(issues)


def _parse_row(record: list[str]) -> tuple[date, Market, str, str, float]:
    if len(record) != len(CSV_HEADER):
        raise ValueError(f"expected {len(CSV_HEADER)} fields ({','.join(CSV_HEADER)}), got {len(record)}")
    day_text, curve, instrument, tenor, rate_text = (cell.strip() for cell in record)
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise ValueError(f"date {day_text!r} is not a date YYYY-MM-DD") from None
    if day.weekday() >= 5:
        raise ValueError(f"date {day} is a {day:%A}; quotes must be for business days")
    match = _CURVE.match(curve)
    if match is None or match["market"] not in MARKETS:
        raise ValueError(
            f"curve {curve!r} must start with a market prefix ({', '.join(m + '-' for m in MARKETS)})"
        )
    if instrument not in INSTRUMENTS:
        raise ValueError(f"instrument {instrument!r} is not one of {', '.join(INSTRUMENTS)}")
    tenor_years(tenor)  # raises ValueError with the reason
    try:
        rate = float(rate_text)
    except ValueError:
        raise ValueError(f"rate_pct {rate_text!r} is not a number") from None
    if not math.isfinite(rate) or not MIN_RATE_PCT <= rate <= MAX_RATE_PCT:
        raise ValueError(
            f"rate_pct {rate_text} is outside [{MIN_RATE_PCT:g}, {MAX_RATE_PCT:g}] (rates are in percent)"
        )
    return day, cast(Market, match["market"]), curve, f"{instrument}/{tenor}", rate
