"""The fast engine: every scenario valued at once in numpy on the nodes of the QuantLib curves.

After each (bumped) bootstrap only the curve nodes are read (times fixed by the pillar dates, values per
scenario); discount factors are then interpolated here exactly as QuantLib does:

- ``linear_zero`` (``PiecewiseLinearZero``): zero rate linear in time between nodes (QuantLib's ``locate``:
  first segment before the first node, last segment at the last node), ``z(0) = z_1``; beyond the last node
  flat instantaneous forward ``z(t) = (z_n t_n + f (t - t_n)) / t`` with ``f = z_n + t_n z'(t_n)``;
  ``P(t) = exp(-z(t) t)``.
- ``loglinear_discount`` (``PiecewiseLogLinearDiscount``): ``log P`` linear between nodes, continued
  along the last segment beyond the last node.

Any other interpolation is refused (``EngineError``), never approximated.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pricing.cashflows import CashflowRows
from pricing.errors import EngineError

__all__ = ["CurveNodes", "FastBook", "discount_factors"]

_YEAR_DAYS = 365.0  # curve time is ACT/365F


@dataclass(frozen=True)
class CurveNodes:
    """One curve's nodes in every requested scenario: ``values[scenario, node]``."""

    times: np.ndarray
    values: np.ndarray
    interpolation: str


def discount_factors(nodes: CurveNodes, times: np.ndarray) -> np.ndarray:
    """Discount factors ``[len(times), n_scenarios]`` replicating QuantLib's interpolation."""
    node_times, values = nodes.times, nodes.values.T  # values: [node, scenario]
    last = len(node_times) - 1
    segment = np.clip(np.searchsorted(node_times, times, side="right") - 1, 0, last - 1)
    dt = (node_times[1:] - node_times[:-1])[:, None]
    if nodes.interpolation == "linear_zero":
        slopes = (values[1:] - values[:-1]) / dt
        zero = values[segment] + (times - node_times[segment])[:, None] * slopes[segment]
        beyond = times > node_times[last]
        if beyond.any():
            t_max, z_max = node_times[last], values[last]
            forward = z_max + t_max * slopes[last - 1]
            t_out = times[beyond][:, None]
            zero[beyond] = (z_max * t_max + forward * (t_out - t_max)) / t_out
        return np.asarray(np.exp(-zero * times[:, None]))
    if nodes.interpolation == "loglinear_discount":
        logs = np.log(values)
        slopes = (logs[1:] - logs[:-1]) / dt
        return np.asarray(np.exp(logs[segment] + (times - node_times[segment])[:, None] * slopes[segment]))
    raise EngineError(
        f"fast engine: interpolation {nodes.interpolation!r} is not replicated; use engine 'quantlib'"
    )


class FastBook:
    """Cashflow rows of many instruments flattened into arrays; values all scenarios in one pass."""

    def __init__(self, rows: Sequence[CashflowRows]) -> None:
        self.size = len(rows)
        self._tables = tuple(rows)
        self._sub_books: dict[frozenset[str], tuple[np.ndarray, FastBook]] = {}
        points: dict[tuple[str, int], int] = {}

        def point(curve: str, day: int) -> int:
            return points.setdefault((curve, day), len(points))

        owner, pay, start, end, fixed, floating = [], [], [], [], [], []
        for instrument, table in enumerate(rows):
            count = max(len(table), 1)  # a dummy zero row keeps every instrument in the reduction
            owner.extend([instrument] * count)
            if not len(table):
                pay.append(point(table.discount_curve, 0))
                start.append(pay[-1])
                end.append(pay[-1])
                fixed.append(0.0)
                floating.append(0.0)
                continue
            forecast = table.forecast_curve or table.discount_curve
            pay.extend(point(table.discount_curve, day) for day in table.pay_days)
            start.extend(point(forecast, day) for day in table.start_days)
            end.extend(point(forecast, day) for day in table.end_days)
            fixed.extend(table.fixed)
            floating.extend(table.floating)
        self.n_rows = len(owner)
        owners = np.asarray(owner, dtype=np.int64)
        amounts, projected = np.asarray(fixed), np.asarray(floating)
        is_floating = projected != 0.0
        # rows without a projection (coupons, redemptions, fixed or past-fixed IBOR) and projected rows
        # are valued apart, each with one gather per point it needs
        pays, starts, ends = (np.asarray(a, dtype=np.int64) for a in (pay, start, end))
        self._plain = _Rows.chunked(
            owners[~is_floating], {"pay": pays[~is_floating], "fixed": amounts[~is_floating]}
        )
        self._projected = _Rows.chunked(
            owners[is_floating],
            {
                "pay": pays[is_floating],
                "fixed": amounts[is_floating],
                "floating": projected[is_floating],
                "start": starts[is_floating],
                "end": ends[is_floating],
            },
        )
        self._curve_points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        by_curve: dict[str, list[tuple[int, int]]] = {}
        for (curve, day), index in points.items():
            by_curve.setdefault(curve, []).append((index, day))
        for curve, items in by_curve.items():
            indices = np.asarray([i for i, _ in items], dtype=np.int64)
            times = np.asarray([d for _, d in items], dtype=float) / _YEAR_DAYS
            self._curve_points[curve] = (indices, times)
        self.n_points = len(points)

    @property
    def curves(self) -> frozenset[str]:
        return frozenset(self._curve_points)

    def _sub_book(self, moved: frozenset[str]) -> tuple[np.ndarray, FastBook]:
        """The instruments touching any curve in ``moved`` (their row indices here, and their own book)."""
        if moved not in self._sub_books:
            instruments = np.asarray(
                [
                    i
                    for i, table in enumerate(self._tables)
                    if table.discount_curve in moved or table.forecast_curve in moved
                ],
                dtype=np.int64,
            )
            self._sub_books[moved] = (instruments, FastBook([self._tables[i] for i in instruments]))
        return self._sub_books[moved]

    def value(
        self,
        nodes: Mapping[str, CurveNodes],
        n_scenarios: int,
        moved: Sequence[frozenset[str] | None] | None = None,
        base: np.ndarray | None = None,
        block: int = 16,
    ) -> np.ndarray:
        """PV of every instrument in every scenario: ``[instrument, scenario]``.

        With ``moved`` (per column: the curves that differ from the base, ``None`` for all) and the
        ``base`` PVs, instruments on unmoved curves are copied from ``base`` instead of being revalued.
        """
        out = np.empty((self.size, n_scenarios))
        if self.size == 0:
            return out
        if moved is None or base is None:
            self._value_columns(nodes, list(range(n_scenarios)), out, block)
            return out
        groups: dict[frozenset[str] | None, list[int]] = {}
        for column, curves in enumerate(moved):
            groups.setdefault(curves, []).append(column)
        for curves, columns in groups.items():
            if curves is None:
                self._value_columns(nodes, columns, out, block)
                continue
            out[:, columns] = base[:, None]
            instruments, sub = self._sub_book(curves)
            if sub.size:
                partial = np.empty((sub.size, n_scenarios))
                sub._value_columns(nodes, columns, partial, block)
                out[np.ix_(instruments, np.asarray(columns, dtype=np.int64))] = partial[:, columns]
        return out

    def _value_columns(
        self, nodes: Mapping[str, CurveNodes], columns: list[int], out: np.ndarray, block: int
    ) -> None:
        """Row values ``(fixed + floating P_f(start) / P_f(end)) P_d(pay)`` summed per instrument, for the
        given scenario columns, ``block`` columns at a time (the gathered rows stay in cache). Scenarios
        run along the first axis here: each scenario's rows are contiguous, so the per-instrument sums
        (``np.add.reduceat`` along the last axis) are about 3x faster than down the columns; rows go in
        chunks of about :data:`CHUNK_ROWS`, whose gathered values stay in cache (a 100,000-position book's
        shard: 2x faster than whole)."""
        for first in range(0, len(columns), block):
            cols = columns[first : first + block]
            factors = np.empty((len(cols), self.n_points))
            for curve, (indices, times) in self._curve_points.items():
                sub = CurveNodes(nodes[curve].times, nodes[curve].values[cols], nodes[curve].interpolation)
                factors[:, indices] = discount_factors(sub, times).T
            pv = np.zeros((len(cols), self.size))
            for rows in self._plain:
                values = np.take(factors, rows.pay, axis=1)
                values *= rows.fixed
                pv[:, rows.owners] += np.add.reduceat(values, rows.starts, axis=1)
            for rows in self._projected:
                values = np.take(factors, rows.start, axis=1)
                values /= np.take(factors, rows.end, axis=1)
                values *= rows.floating
                values += rows.fixed
                values *= np.take(factors, rows.pay, axis=1)
                pv[:, rows.owners] += np.add.reduceat(values, rows.starts, axis=1)
            out[:, cols] = pv.T


#: Cashflow rows valued together (whole instruments): their gathered values, 16 scenarios at a time, stay in
#: the cache (measured on 2 cores: 16,384 rows 2x faster than 400,000 at once, the same sums bit for bit).
CHUNK_ROWS = 16_384


@dataclass(frozen=True)
class _Rows:
    """A chunk of cashflow rows of whole instruments, in instrument order: per row the point indices and
    amounts (``pay`` and ``fixed``; ``start``, ``end`` and ``floating`` for projected rows), and each
    instrument's run (``starts`` in the chunk, ``owners``: the instrument) for ``np.add.reduceat``."""

    owners: np.ndarray
    starts: np.ndarray
    pay: np.ndarray
    fixed: np.ndarray
    floating: np.ndarray  # empty for plain rows, as start and end
    start: np.ndarray
    end: np.ndarray

    @staticmethod
    def chunked(owner: np.ndarray, columns: Mapping[str, np.ndarray]) -> tuple[_Rows, ...]:
        """Rows (``owner``: the instrument of each row, non-decreasing) cut into chunks of about
        :data:`CHUNK_ROWS` at instrument boundaries."""
        if not len(owner):
            return ()
        runs = np.flatnonzero(np.r_[True, np.diff(owner) != 0])
        cuts = [0]
        while cuts[-1] + CHUNK_ROWS < len(owner):
            k = int(np.searchsorted(runs, cuts[-1] + CHUNK_ROWS))
            if k >= len(runs):
                break
            cuts.append(int(runs[k]))
        cuts.append(len(owner))
        empty = np.zeros(0)
        chunks = []
        for first, last in itertools.pairwise(cuts):
            in_chunk = runs[(runs >= first) & (runs < last)]
            part = {
                name: columns.get(name, empty)[first:last]
                for name in ("pay", "fixed", "floating", "start", "end")
            }
            chunks.append(_Rows(owners=owner[in_chunk], starts=in_chunk - first, **part))
        return tuple(chunks)
