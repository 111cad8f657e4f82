"""Cashflow tables of the fast engine, extracted once per instrument, valuation date and fixing set.

Rows are those of one unit of the instrument (its face or notional as stored, the pay leg negative); a
position scales the instrument's measures by its quantity (:mod:`pricing.positions`).

Every future cashflow becomes one row whose value in a scenario is::

    (fixed + floating * P_f(start) / P_f(end)) * P_d(pay)

with ``P_d`` the discount curve and ``P_f`` the forecast curve, which covers exactly what QuantLib does:

- fixed coupons, redemptions and already-fixed floating coupons: ``fixed = amount``, ``floating = 0``;
- IBOR coupons not yet fixed (QuantLib's default par coupons): forward ``(P(v)/P(e) - 1) / tau`` with
  ``v`` the fixing value date, ``e`` the par-coupon end date and ``tau`` the index day count from ``v`` to
  ``e``, so ``floating = N alpha g / tau`` and ``fixed = N alpha (s - g / tau)``;
- compounded overnight coupons (telescopic formula, no lookback): past fixings compound into ``C``, the
  rest is ``P(v_i) / P(v_n)``: ``floating = N C``, ``fixed = -N``.

Cashflows paid on or before the valuation date are dropped (QuantLib's default ``includeReferenceDateEvents
= false``). A coupon fixing before the valuation date needs its fixing in the snapshot, else
:class:`~pricing.errors.FixingError` names it; a fixing on the valuation date is used when present and
forecast otherwise, as in QuantLib. Times are whole days from the valuation date (curve time = days/365).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import QuantLib as ql

from pricing.conventions import CALENDARS, DAY_COUNTS, INDICES
from pricing.dates import from_ql_date, to_ql_date
from pricing.errors import FixingError
from pricing.instruments import legs
from pricing.specs import BondSpec, InstrumentSpec

__all__ = ["CashflowRows", "extract_rows"]

Fixings = Mapping[str, Mapping[date, float]]


@dataclass(frozen=True)
class CashflowRows:
    """The rows of one instrument (one unit, already multiplied by the leg's sign)."""

    discount_curve: str
    forecast_curve: str | None
    pay_days: tuple[int, ...]
    fixed: tuple[float, ...]
    floating: tuple[float, ...]
    start_days: tuple[int, ...]
    end_days: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.pay_days)


def _fixing(ident: str, index: str, day: ql.Date, fixings: Fixings) -> float:
    try:
        return fixings[index][from_ql_date(day)]
    except KeyError:
        raise FixingError(
            f"instrument {ident}: missing {index} fixing for {from_ql_date(day).isoformat()} (add it to the "
            f"snapshot's fixings)"
        ) from None


def _today_fixing(index: str, day: ql.Date, fixings: Fixings) -> float | None:
    return fixings.get(index, {}).get(from_ql_date(day))


class _Builder:
    def __init__(self, spec: InstrumentSpec, as_of: date, fixings: Fixings) -> None:
        self.spec = spec
        self.today = to_ql_date(as_of)
        self.fixings = fixings
        self.pay: list[int] = []
        self.fixed: list[float] = []
        self.floating: list[float] = []
        self.start: list[int] = []
        self.end: list[int] = []

    def add(self, pay: ql.Date, fixed: float, floating: float = 0.0, start: int = 0, end: int = 0) -> None:
        self.pay.append(pay - self.today)
        self.fixed.append(fixed)
        self.floating.append(floating)
        self.start.append(start)
        self.end.append(end)

    def ibor(self, sign: float, coupon: ql.FloatingRateCoupon) -> None:
        name = self.spec.float_index  # type: ignore[union-attr]
        convention = INDICES[name]
        fixing_date = coupon.fixingDate()
        nominal, accrual = coupon.nominal(), coupon.accrualPeriod()
        gearing, spread = coupon.gearing(), coupon.spread()
        known = _today_fixing(name, fixing_date, self.fixings) if fixing_date == self.today else None
        if fixing_date < self.today:
            known = _fixing(self.spec.id, name, fixing_date, self.fixings)
        if known is not None:
            self.add(coupon.date(), sign * nominal * accrual * (gearing * known + spread))
            return
        calendar = CALENDARS[convention.calendar]
        value_date = calendar.advance(fixing_date, convention.fixing_days, ql.Days)
        next_fixing = calendar.advance(coupon.accrualEndDate(), -convention.fixing_days, ql.Days)
        end_date = max(calendar.advance(next_fixing, convention.fixing_days, ql.Days), value_date + 1)
        tau = DAY_COUNTS[convention.day_count].yearFraction(value_date, end_date)
        self.add(
            coupon.date(),
            sign * nominal * accrual * (spread - gearing / tau),
            sign * nominal * accrual * gearing / tau,
            value_date - self.today,
            end_date - self.today,
        )

    def overnight(self, sign: float, coupon: ql.OvernightIndexedCoupon) -> None:
        name = self.spec.float_index  # type: ignore[union-attr]
        fixing_dates, value_dates, spans = coupon.fixingDates(), coupon.valueDates(), coupon.dt()
        nominal, accrual = coupon.nominal(), coupon.accrualPeriod()
        gearing, spread = coupon.gearing(), coupon.spread()
        periods = len(spans)
        compound, position = 1.0, 0
        while position < periods and fixing_dates[position] < self.today:
            compound *= (
                1.0 + _fixing(self.spec.id, name, fixing_dates[position], self.fixings) * spans[position]
            )
            position += 1
        if position < periods and fixing_dates[position] == self.today:
            today = _today_fixing(name, fixing_dates[position], self.fixings)
            if today is not None:
                compound *= 1.0 + today * spans[position]
                position += 1
        if position == periods:
            self.add(coupon.date(), sign * nominal * (gearing * (compound - 1.0) + accrual * spread))
            return
        self.add(
            coupon.date(),
            sign * nominal * (accrual * spread - gearing),
            sign * nominal * gearing * compound,
            value_dates[position] - self.today,
            value_dates[periods] - self.today,
        )


def extract_rows(
    spec: InstrumentSpec, instrument: ql.Instrument, as_of: date, fixings: Fixings
) -> CashflowRows:
    """The fast engine's rows of one instrument; raises ``FixingError`` for a missing past fixing."""
    builder = _Builder(spec, as_of, fixings)
    for signed, cashflows in legs(spec, instrument):
        for cashflow in cashflows:
            if not cashflow.date() > builder.today:
                continue
            overnight = ql.as_overnight_indexed_coupon(cashflow)
            if overnight is not None:
                builder.overnight(signed, overnight)
                continue
            ibor = ql.as_floating_rate_coupon(cashflow) if not isinstance(spec, BondSpec) else None
            if ibor is not None:
                builder.ibor(signed, ibor)
                continue
            builder.add(cashflow.date(), signed * cashflow.amount())
    forecast = None if isinstance(spec, BondSpec) else spec.forecast_curve
    return CashflowRows(
        spec.discount_curve,
        forecast,
        tuple(builder.pay),
        tuple(builder.fixed),
        tuple(builder.floating),
        tuple(builder.start),
        tuple(builder.end),
    )
