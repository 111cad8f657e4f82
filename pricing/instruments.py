"""QuantLib instruments built from specs (the "resolved" form, rebuilt inside each process).

With ``handles`` the instrument gets its pricing engine and its index is linked to the forecast curve
(the ``quantlib`` engine); without, it is only a source of cashflows for the fast engine's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import QuantLib as ql

from pricing.conventions import BUSINESS_DAY_RULES, CALENDARS, DAY_COUNTS, FREQUENCIES, INDICES, day_counter
from pricing.dates import from_ql_date, to_ql_date
from pricing.indices import make_index
from pricing.specs import BondSpec, InstrumentSpec, OisSwapSpec, SwapSpec

__all__ = ["build_instrument", "is_month_end", "last_payment_date", "legs"]

Handles = Mapping[str, ql.YieldTermStructureHandle]


def is_month_end(day: date) -> bool:
    """Whether ``day`` is the last calendar day of its month (weekends and holidays count)."""
    return (day + timedelta(days=1)).month != day.month


def _bond(spec: BondSpec) -> ql.Bond:
    calendar = CALENDARS[spec.calendar]
    issue, maturity = to_ql_date(spec.issue_date), to_ql_date(spec.maturity_date)
    if spec.frequency == "once":
        return ql.ZeroCouponBond(
            spec.settlement_days, calendar, spec.face, maturity, ql.Following, 100.0, issue
        )
    schedule = ql.Schedule(
        issue,
        maturity,
        ql.Period(FREQUENCIES[spec.frequency]),
        calendar,
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        # 31 CFR 356 App. B I.A.1: a security maturing on the last day of a month pays on the last day of
        # every coupon month (Feb 28 -> Aug 31). QuantLib's own test is the last *business* day of the
        # month, so the flag is set from the calendar month end of the maturity date here.
        is_month_end(spec.maturity_date),
    )
    return ql.FixedRateBond(
        spec.settlement_days,
        spec.face,
        schedule,
        [spec.coupon_pct / 100.0],
        day_counter(spec.day_count, schedule),
        ql.Following,
        100.0,
        issue,
    )


def _schedule(spec: SwapSpec | OisSwapSpec, frequency: str) -> ql.Schedule:
    index = INDICES[spec.float_index]
    convention = BUSINESS_DAY_RULES["modified_following"]
    return ql.Schedule(
        to_ql_date(spec.start_date),
        to_ql_date(spec.maturity_date),
        ql.Period(FREQUENCIES[frequency]),
        CALENDARS[index.calendar],
        convention,
        convention,
        ql.DateGeneration.Backward,
        # the index's end-of-month rule, as in the curve's own OIS and swap helpers
        index.end_of_month,
    )


def _swap(spec: SwapSpec, forecast: ql.YieldTermStructureHandle | None) -> ql.VanillaSwap:
    index_convention = INDICES[spec.float_index]
    kind = ql.Swap.Payer if spec.side == "pay_fixed" else ql.Swap.Receiver
    return ql.VanillaSwap(
        kind,
        spec.notional,
        _schedule(spec, spec.fixed_frequency),
        spec.fixed_rate_pct / 100.0,
        DAY_COUNTS[spec.fixed_day_count],
        _schedule(spec, spec.float_frequency or index_convention.float_frequency),
        make_index(spec.float_index, forecast),
        spec.float_spread_bp / 10_000.0,
        DAY_COUNTS[spec.float_day_count or index_convention.day_count],
    )


def _ois(spec: OisSwapSpec, forecast: ql.YieldTermStructureHandle | None) -> ql.OvernightIndexedSwap:
    index_convention = INDICES[spec.float_index]
    kind = ql.Swap.Payer if spec.side == "pay_fixed" else ql.Swap.Receiver
    return ql.OvernightIndexedSwap(
        kind,
        spec.notional,
        _schedule(spec, spec.fixed_frequency),
        spec.fixed_rate_pct / 100.0,
        DAY_COUNTS[spec.fixed_day_count],
        make_index(spec.float_index, forecast),
        0.0,
        index_convention.payment_lag_days,
        ql.Following,
        CALENDARS[index_convention.calendar],
    )


def build_instrument(spec: InstrumentSpec, handles: Handles | None = None) -> ql.Instrument:
    """The QuantLib instrument of ``spec``; priced on ``handles`` (curve name -> handle) when given."""
    if isinstance(spec, BondSpec):
        bond = _bond(spec)
        if handles is not None:
            bond.setPricingEngine(ql.DiscountingBondEngine(handles[spec.discount_curve]))
        return bond
    forecast = handles[spec.forecast_curve] if handles is not None else None
    swap = _swap(spec, forecast) if isinstance(spec, SwapSpec) else _ois(spec, forecast)
    if handles is not None:
        swap.setPricingEngine(ql.DiscountingSwapEngine(handles[spec.discount_curve]))
    return swap


def legs(spec: InstrumentSpec, instrument: ql.Instrument) -> list[tuple[float, tuple[ql.CashFlow, ...]]]:
    """(sign, cashflows) of each leg, signs as seen by the holder (payer pays the fixed leg)."""
    if isinstance(spec, BondSpec):
        return [(1.0, tuple(instrument.cashflows()))]
    fixed_sign = -1.0 if spec.side == "pay_fixed" else 1.0
    floating = instrument.floatingLeg() if isinstance(spec, SwapSpec) else instrument.overnightLeg()
    return [(fixed_sign, tuple(instrument.fixedLeg())), (-fixed_sign, tuple(floating))]


def last_payment_date(spec: InstrumentSpec, instrument: ql.Instrument) -> date:
    """The date of the last cash flow of ``instrument`` on any leg (business-day adjusted, payment lag
    included): the position is alive while this date is after the valuation date."""
    return max(
        from_ql_date(cashflow.date()) for _, cashflows in legs(spec, instrument) for cashflow in cashflows
    )
