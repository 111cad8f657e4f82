"""QuantLib curves bootstrapped from a market snapshot, with every quote a ``SimpleQuote``.

A :class:`CurveSet` owns one set of curves (``USD-UST``, ``USD-SOFR``, ``EUR-ESTR``, ``EUR-EURIBOR-6M``,
whichever the snapshot carries). A bump is ``SimpleQuote.setValue``; QuantLib re-bootstraps lazily the
bumped curve and every curve built on it (``EUR-EURIBOR-6M`` is bootstrapped with ``EUR-ESTR`` as
exogenous discounting). Reference date = valuation date, curve time = ACT/365F.

Quote instruments (rates are decimals inside):

- ``deposit``: the index fixing (``1D`` overnight rate on OIS curves, ``6M`` EURIBOR deposit);
- ``ois``: fixed vs compounded overnight, annual both legs, index payment lag;
- ``fra``: ``6X12`` style FRA on the curve's IBOR index;
- ``swap``: annual 30/360 fixed vs 6M EURIBOR, discounted on the ``discount_curve`` (dual curve);
- ``bill``: zero coupon Treasury bill quoted as a bond-equivalent yield ``y`` with ``d`` days from
  settlement (T+1) to maturity: price = 100 / (1 + y d/b) if d <= 183, else the Treasury formula
  100 / ((1 + y/2)(1 + (d - b/2) y / b)), ``b`` = 366 if the year after settlement has a 29 February,
  else 365 (31 CFR 356 App. B; :mod:`pricing.yields`);
Bill helpers are quoted in clean price: ``quote_price(key)`` is the price their yield implies.

- ``par_bond``: a semiannual ACT/ACT-ICMA Treasury issued at settlement (T+1) with the quote as coupon,
  priced at par, street convention (coupon dates unadjusted): sum of c/2 P(t_i) + P(T) = P(settlement).
  It is bootstrapped as the equivalent single-curve swap (coupons vs a telescoping compounded leg), so the
  coupon follows the quote and a bump stays a ``setValue``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

import numpy as np
import QuantLib as ql

from pricing.conventions import (
    BUSINESS_DAY_RULES,
    CALENDARS,
    CURVE_TIME_DAY_COUNT,
    CURVES,
    DAY_COUNTS,
    FREQUENCIES,
    INDICES,
    INTERPOLATIONS,
)
from pricing.dates import from_ql_date, parse_fra_tenor, parse_tenor, to_ql_date
from pricing.errors import EngineError, MarketDataError
from pricing.indices import load_fixings, make_index
from pricing.market import CurveQuotes, MarketSnapshot, Quote
from pricing.yields import zero_price

__all__ = ["BOOTSTRAP_ACCURACY", "CurveSet", "bill_price"]

BOOTSTRAP_ACCURACY = 1e-15


def bill_price(rate: float, settlement: date, maturity: date) -> float:
    """Price per 100 of a Treasury bill from its bond-equivalent yield (decimal): the rule of the calculator
    and of the bond analytics (:func:`pricing.yields.zero_price`), so a bill reports its quote back."""
    return zero_price(maturity, settlement, 100.0 * rate)


def _build_order(snapshot: MarketSnapshot) -> list[CurveQuotes]:
    """Curves sorted so that a discount curve comes before the curves built on it."""
    ordered: list[CurveQuotes] = []
    pending = list(snapshot.curves)
    while pending:
        ready = [
            c for c in pending if c.discount_curve is None or c.discount_curve in {o.name for o in ordered}
        ]
        if not ready:  # parse_market already rejects absent discount curves; only a cycle gets here
            raise MarketDataError(f"curves {[c.name for c in pending]}: circular discount curve dependency")
        ordered.extend(ready)
        pending = [c for c in pending if c not in ready]
    return ordered


class CurveSet:
    """The bootstrapped curves of one market snapshot; bumps are ``setValue`` on the quotes.

    A curve that cannot be built (a quote QuantLib refuses, a bootstrap that fails, e.g. a missing index
    fixing on a weekend valuation date) does not stop the others: it lands in :attr:`failures` (curve ->
    reason naming the quote), and so does every curve built on it; only the healthy curves are in
    :attr:`curves`, :attr:`handles` and :attr:`pillars`. ``MarketDataError`` only when no curve at all
    can be built. Sets ``ql.Settings.instance().evaluationDate`` to the snapshot date (helpers need it to
    roll dates).
    """

    def __init__(self, snapshot: MarketSnapshot, interpolation: str = "linear_zero") -> None:
        if interpolation not in INTERPOLATIONS:
            raise EngineError(
                f"interpolation {interpolation!r} unknown (use one of {', '.join(INTERPOLATIONS)})"
            )
        self.snapshot = snapshot
        self.interpolation = interpolation
        self.as_of = snapshot.as_of
        ql.Settings.instance().evaluationDate = to_ql_date(snapshot.as_of)
        self._quotes: dict[str, ql.SimpleQuote] = {}
        self._keepalive: list[object] = []  # derived quotes and their Python callbacks
        self.curves: dict[str, ql.YieldTermStructure] = {}
        self.handles: dict[str, ql.YieldTermStructureHandle] = {}
        self.pillar_curve: dict[str, str] = {}
        #: pillar key -> the QuantLib rate helper that prices that quote (``impliedQuote`` reprices it)
        self.helpers: dict[str, ql.RateHelper] = {}
        #: curve -> why it could not be built (the curves built on it fail too, naming it)
        self.failures: dict[str, str] = {}
        for curve in _build_order(snapshot):
            if curve.discount_curve in self.failures:
                self.failures[curve.name] = (
                    f"curve {curve.name}: its discount curve {curve.discount_curve} failed "
                    f"({self.failures[curve.discount_curve]})"
                )
                continue
            try:
                self._build_curve(curve)
            except MarketDataError as exc:
                self.failures[curve.name] = str(exc)
                self._forget(curve)
        if not self.curves:
            raise MarketDataError("; ".join(self.failures.values()))
        healthy = [c for c in snapshot.curves if c.name in self.curves]
        self.pillars: tuple[str, ...] = tuple(c.pillar_key(q) for c in healthy for q in c.quotes)
        self._base_rates = {key: quote.value() for key, quote in self._quotes.items()}
        self.dependents = self._dependents(healthy)

    def _build_curve(self, curve: CurveQuotes) -> None:
        helpers = []
        helper_quote: list[tuple[ql.RateHelper, str]] = []
        for quote in curve.quotes:
            key = curve.pillar_key(quote)
            simple = ql.SimpleQuote(quote.rate)
            self._quotes[key] = simple
            self.pillar_curve[key] = curve.name
            try:
                helper = self._helper(curve, quote, ql.QuoteHandle(simple))
            except RuntimeError as exc:
                raise MarketDataError(
                    f"curve {curve.name} quote {quote.instrument}/{quote.tenor}: {exc}"
                ) from None
            helpers.append(helper)
            self.helpers[key] = helper
            helper_quote.append((helper, f"{quote.instrument}/{quote.tenor}"))
        self._keepalive.append(helpers)
        term_structure = self._piecewise(helpers)
        term_structure.enableExtrapolation()
        self.curves[curve.name] = term_structure
        self.handles[curve.name] = ql.YieldTermStructureHandle(term_structure)
        self._bootstrap(curve.name, helper_quote)

    def _forget(self, curve: CurveQuotes) -> None:
        """Drop what a failed curve left behind (its quotes, helpers and term structure)."""
        for quote in curve.quotes:
            key = curve.pillar_key(quote)
            for store in (self._quotes, self.pillar_curve, self.helpers):
                store.pop(key, None)  # type: ignore[attr-defined]
        self.curves.pop(curve.name, None)
        self.handles.pop(curve.name, None)

    def recovers(self, snapshot: MarketSnapshot) -> bool:
        """Whether every failed curve of this set would build on ``snapshot`` (same date; a cheap probe on
        the failed curves and the curves they are built on, e.g. after a missing fixing arrived)."""
        if not self.failures:
            return False
        needed = set(self.failures)
        for curve in snapshot.curves:
            if curve.name in needed and curve.discount_curve is not None:
                needed.add(curve.discount_curve)
        probe = MarketSnapshot(
            snapshot.as_of, tuple(c for c in snapshot.curves if c.name in needed), snapshot.fixings
        )
        load_fixings(snapshot.fixings)  # helpers read past fixings from QuantLib's process-wide history
        try:
            return not CurveSet(probe, self.interpolation).failures
        except MarketDataError:
            return False
        finally:
            ql.Settings.instance().evaluationDate = to_ql_date(self.as_of)
            load_fixings(self.snapshot.fixings)

    # -- construction ------------------------------------------------------------------------------
    def _piecewise(self, helpers: list[ql.RateHelper]) -> ql.YieldTermStructure:
        reference = to_ql_date(self.as_of)
        time_day_count = DAY_COUNTS[CURVE_TIME_DAY_COUNT]
        # QuantLib's default solver accuracy (1e-12 on each quote) lets a re-bootstrap land up to ~1e-5 per
        # 1M notional away from the previous one on 30Y trades; 1e-15 makes results independent of history.
        bootstrap = ql.IterativeBootstrap(BOOTSTRAP_ACCURACY)
        if self.interpolation == "linear_zero":
            return ql.PiecewiseLinearZero(reference, helpers, time_day_count, bootstrap)
        return ql.PiecewiseLogLinearDiscount(reference, helpers, time_day_count, bootstrap)

    def _bootstrap(self, name: str, helper_quote: list[tuple[ql.RateHelper, str]]) -> None:
        try:
            self.curves[name].nodes()
        except RuntimeError as exc:
            message = str(exc)
            named = [quote for helper, quote in helper_quote if str(helper.pillarDate()) in message]
            which = f"quote {' and '.join(named)}" if named else "quotes"
            raise MarketDataError(f"curve {name} {which}: bootstrap failed ({message})") from None

    def _derived(self, rate: ql.QuoteHandle, price: Callable[[float], float]) -> ql.QuoteHandle:
        derived = ql.DerivedQuote(rate, price)
        self._keepalive.extend([price, derived])
        return ql.QuoteHandle(derived)

    def _helper(self, curve: CurveQuotes, quote: Quote, rate: ql.QuoteHandle) -> ql.RateHelper:
        convention = CURVES[curve.name]
        calendar = CALENDARS[convention.calendar]
        if quote.instrument in ("deposit", "ois", "fra", "swap"):
            assert convention.index is not None
            index = make_index(convention.index)
        if quote.instrument == "deposit":
            return ql.DepositRateHelper(rate, index)
        if quote.instrument == "ois":
            return ql.OISRateHelper(
                convention.settlement_days,
                parse_tenor(quote.tenor),
                rate,
                index,
                paymentLag=INDICES[convention.index or ""].payment_lag_days,
                paymentFrequency=FREQUENCIES[convention.fixed_frequency],
                endOfMonth=INDICES[convention.index or ""].end_of_month,
                fixedDayCount=DAY_COUNTS[convention.fixed_day_count],
            )
        if quote.instrument == "fra":
            months_to_start, months_to_end = parse_fra_tenor(quote.tenor)
            if months_to_end - months_to_start != parse_tenor(INDICES[convention.index or ""].tenor).length():
                raise MarketDataError(
                    f"curve {curve.name} quote fra/{quote.tenor}: FRA period must equal the index tenor"
                )
            return ql.FraRateHelper(rate, months_to_start, index)
        if quote.instrument == "swap":
            discount = (
                self.handles[curve.discount_curve] if curve.discount_curve else ql.YieldTermStructureHandle()
            )
            return ql.SwapRateHelper(
                rate,
                parse_tenor(quote.tenor),
                calendar,
                FREQUENCIES[convention.fixed_frequency],
                BUSINESS_DAY_RULES[convention.business_day],
                DAY_COUNTS[convention.fixed_day_count],
                index,
                ql.QuoteHandle(),
                ql.Period(0, ql.Days),
                discount,
            )
        settlement = calendar.advance(to_ql_date(self.as_of), convention.settlement_days, ql.Days)
        if quote.instrument == "bill":
            maturity = calendar.adjust(settlement + parse_tenor(quote.tenor), ql.Following)
            start, end = from_ql_date(settlement), from_ql_date(maturity)
            bond = ql.ZeroCouponBond(
                convention.settlement_days, calendar, 100.0, maturity, ql.Following, 100.0, settlement
            )
            return ql.BondHelper(self._derived(rate, lambda y: bill_price(y, start, end)), bond)
        # par_bond: on one curve, a bond at par is a swap of its coupons against the telescoping
        # compounded leg D(settle) - D(maturity); the coupon is the quote itself, so a bump is a setValue
        par_index = ql.OvernightIndex(
            "USD-UST-PAR", 0, ql.USDCurrency(), ql.NullCalendar(), DAY_COUNTS[CURVE_TIME_DAY_COUNT]
        )
        frequency = FREQUENCIES[convention.fixed_frequency]
        return ql.OISRateHelper(
            0,
            parse_tenor(quote.tenor),
            rate,
            par_index,
            paymentFrequency=frequency,
            forwardStart=ql.Period(settlement - to_ql_date(self.as_of), ql.Days),
            fixedPaymentFrequency=frequency,
            fixedDayCount=DAY_COUNTS[convention.fixed_day_count],
            convention=ql.Unadjusted,
            paymentConvention=ql.Unadjusted,
        )

    def quote_price(self, key: str) -> float:
        """The value a helper is fitted to: the rate itself, or the clean price of a bill."""
        return float(self.helpers[key].quote().value())

    @staticmethod
    def _dependents(curves: list[CurveQuotes]) -> dict[str, tuple[str, ...]]:
        """Curve -> itself and every curve built (transitively) on it."""
        result: dict[str, tuple[str, ...]] = {}
        for curve in curves:
            found = [curve.name]
            for name in found:
                found.extend(c.name for c in curves if c.discount_curve == name and c.name not in found)
            result[curve.name] = tuple(found)
        return result

    # -- quotes and bumps --------------------------------------------------------------------------
    @property
    def base_rates(self) -> Mapping[str, float]:
        return dict(self._base_rates)

    def set_rates(self, rates: Mapping[str, float]) -> None:
        """New base quote values (``CURVE/TENOR`` -> decimal) for the same quote set (a new tick); quotes
        of failed curves are ignored."""
        for key, value in rates.items():
            if key not in self._quotes:
                continue
            self._quotes[key].setValue(value)
            self._base_rates[key] = value

    def apply_bumps(self, bumps: Mapping[str, float]) -> None:
        """Shift the named quotes from their base value (decimal shifts); ``reset`` undoes it."""
        for key, shift in bumps.items():
            self._quotes[key].setValue(self._base_rates[key] + shift)

    def reset(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._quotes[key].setValue(self._base_rates[key])

    def affected_curves(self, keys: Iterable[str]) -> frozenset[str]:
        """Curves that move when the quotes ``keys`` move."""
        return frozenset(name for key in keys for name in self.dependents[self.pillar_curve[key]])

    def rebootstrap(self) -> None:
        """Force every curve to bootstrap now; raises ``MarketDataError`` naming the curve on failure."""
        for name in self.curves:
            self._bootstrap(name, [])

    # -- nodes for the fast engine -----------------------------------------------------------------
    def node_times(self, name: str) -> np.ndarray:
        return np.asarray(self.curves[name].times(), dtype=float)

    def node_values(self, name: str) -> np.ndarray:
        """Zero rates (linear_zero) or discount factors (loglinear_discount) at the curve nodes."""
        return np.asarray(self.curves[name].data(), dtype=float)
