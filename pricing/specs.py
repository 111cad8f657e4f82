"""Instrument specs: frozen, picklable contract terms, and their JSON form (docs/architecture.md section 5).

Three forms of an instrument (as in Strata): the spec here (contract terms only, per one unit of face or
notional as stored), the QuantLib objects built from it inside a process (:mod:`pricing.instruments`), and
the fast engine's cashflow rows (:mod:`pricing.cashflows`). Who holds how much of it, in which book, is a
:class:`pricing.positions.Position`, never part of the spec. :func:`spec_from_dict` validates the terms of a
book entry and :func:`check_spec` a spec built in code, both with the rule set of :mod:`pricing.rules` (the
one the security master's schemas use); they raise :class:`~pricing.errors.SpecError` naming the
instrument, the field and the rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import date
from typing import Any

from pricing import rules
from pricing.conventions import CALENDARS, CURRENCIES, CURVES, DAY_COUNTS, FREQUENCIES, INDICES
from pricing.dates import parse_iso_date
from pricing.errors import SpecError
from pricing.identifiers import validate_cusip, validate_isin
from pricing.rules import INSTRUMENT_TYPES, SIDES

__all__ = [
    "POSITION_FIELDS",
    "SIDES",
    "BondSpec",
    "InstrumentSpec",
    "OisSwapSpec",
    "SwapSpec",
    "cashflow_count",
    "check_spec",
    "instrument_id_of",
    "position_fields",
    "spec_from_dict",
    "spec_to_dict",
    "spec_type",
]

#: fields of a book entry that describe the position holding the instrument, not the instrument:
#: ``book``, the signed ``quantity`` and ``instrument_id`` (the instrument's id when the entry's ``id`` names
#: the position, as a whole-portfolio export does for an instrument held in several books)
POSITION_FIELDS = frozenset({"book", "quantity", "instrument_id"})

_MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}


@dataclass(frozen=True)
class BondSpec:
    """Fixed-rate bond; zero coupon bonds and bills have ``coupon_pct=0`` and ``frequency="once"``."""

    id: str
    currency: str
    face: float
    coupon_pct: float
    frequency: str
    day_count: str
    issue_date: date
    maturity_date: date
    discount_curve: str
    isin: str | None = None
    cusip: str | None = None
    settlement_days: int = 1
    calendar: str = "US-GOVT"

    @property
    def curves(self) -> tuple[str, ...]:
        return (self.discount_curve,)


@dataclass(frozen=True)
class SwapSpec:
    """Vanilla IRS, fixed vs IBOR (dual curve: ``discount_curve`` discounts, ``forecast_curve`` forecasts)."""

    id: str
    currency: str
    notional: float
    side: str
    fixed_rate_pct: float
    start_date: date
    maturity_date: date
    fixed_frequency: str
    fixed_day_count: str
    float_index: str
    float_spread_bp: float
    discount_curve: str
    forecast_curve: str
    float_frequency: str | None = None  # default: the index's
    float_day_count: str | None = None  # default: the index's

    @property
    def curves(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.discount_curve, self.forecast_curve)))


@dataclass(frozen=True)
class OisSwapSpec:
    """Fixed vs compounded overnight (SOFR or ESTR); the OIS curve discounts and forecasts."""

    id: str
    currency: str
    notional: float
    side: str
    fixed_rate_pct: float
    start_date: date
    maturity_date: date
    float_index: str
    discount_curve: str
    fixed_frequency: str = "annual"
    fixed_day_count: str = "ACT/360"

    @property
    def forecast_curve(self) -> str:
        return INDICES[self.float_index].forecast_curve

    @property
    def curves(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.discount_curve, self.forecast_curve)))


InstrumentSpec = BondSpec | SwapSpec | OisSwapSpec
_TYPES: dict[str, type[BondSpec] | type[SwapSpec] | type[OisSwapSpec]] = dict(
    zip(INSTRUMENT_TYPES, (BondSpec, SwapSpec, OisSwapSpec), strict=True)
)


def spec_type(spec: InstrumentSpec) -> str:
    """The book entry ``type`` of a spec (one of :data:`pricing.rules.INSTRUMENT_TYPES`)."""
    return next(name for name, cls in _TYPES.items() if isinstance(spec, cls))


_DATE_FIELDS = frozenset({"issue_date", "maturity_date", "start_date"})
_NUMBER_FIELDS = frozenset({"face", "coupon_pct", "notional", "fixed_rate_pct", "float_spread_bp"})


def _field(ident: str, name: str, value: Any) -> Any:
    """Type-check one field value; raises ``SpecError`` naming the instrument and the field."""
    where = f"instrument {ident}: {name}"
    if name in _DATE_FIELDS:
        try:
            return parse_iso_date(value, where)
        except ValueError as exc:
            raise SpecError(str(exc)) from None
    if name in _NUMBER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SpecError(f"{where} {value!r} is not a finite number")
        return float(value)
    if name == "settlement_days":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{where} {value!r} must be an integer")
        return value
    if value is not None and not isinstance(value, str):
        raise SpecError(f"{where} {value!r} must be a string")
    return value


def _check_choice(
    ident: str, name: str, value: object, allowed: Mapping[str, object] | frozenset[str]
) -> None:
    if value not in allowed:
        raise SpecError(
            f"instrument {ident}: {name} {value!r} unknown (allowed: {', '.join(sorted(allowed))})"
        )


def _rule(ident: str, name: str, check: Any, *args: Any) -> None:
    """Apply one rule of :mod:`pricing.rules`; its ``ValueError`` becomes a ``SpecError`` naming the field."""
    try:
        check(*args)
    except ValueError as exc:
        raise SpecError(f"instrument {ident}: {name}: {exc}") from None


def check_spec(spec: InstrumentSpec) -> None:
    """Every rule of :mod:`pricing.rules` and the conventions on ``spec``; raises ``SpecError`` naming the
    instrument, the field and the rule."""
    ident = spec.id
    _check_choice(ident, "currency", spec.currency, CURRENCIES)
    _check_choice(ident, "discount_curve", spec.discount_curve, CURVES)
    if CURVES[spec.discount_curve].currency != spec.currency:
        raise SpecError(
            f"instrument {ident}: discount_curve {spec.discount_curve} is not a {spec.currency} curve"
        )
    if isinstance(spec, BondSpec):
        _check_bond(spec)
    else:
        _check_swap(spec)


def _check_bond(spec: BondSpec) -> None:
    ident = spec.id
    _check_choice(ident, "frequency", spec.frequency, FREQUENCIES)
    _check_choice(ident, "day_count", spec.day_count, DAY_COUNTS)
    _check_choice(ident, "calendar", spec.calendar, CALENDARS)
    _rule(ident, "face", rules.POSITIVE_AMOUNT.check, spec.face)
    _rule(ident, "coupon_pct", rules.COUPON_PCT.check, spec.coupon_pct)
    _rule(ident, "frequency", rules.check_zero_coupon, spec.coupon_pct, spec.frequency)
    _rule(ident, "settlement_days", rules.SETTLEMENT_DAYS.check, spec.settlement_days)
    _rule(ident, "maturity_date", rules.check_maturity, spec.issue_date, spec.maturity_date, "issue_date")
    if spec.isin is not None:
        _rule(ident, "isin", validate_isin, spec.isin)
    if spec.cusip is not None:
        _rule(ident, "cusip", validate_cusip, spec.cusip)
        if spec.isin is not None:
            _rule(ident, "cusip", rules.check_cusip_in_isin, spec.cusip, spec.isin)


def _check_swap(spec: SwapSpec | OisSwapSpec) -> None:
    ident = spec.id
    _check_choice(ident, "side", spec.side, frozenset(SIDES))
    _check_choice(ident, "float_index", spec.float_index, INDICES)
    _check_choice(ident, "fixed_frequency", spec.fixed_frequency, _MONTHS)
    _check_choice(ident, "fixed_day_count", spec.fixed_day_count, DAY_COUNTS)
    index = INDICES[spec.float_index]
    _rule(ident, "notional", rules.POSITIVE_AMOUNT.check, spec.notional)
    _rule(ident, "fixed_rate_pct", rules.FIXED_RATE_PCT.check, spec.fixed_rate_pct)
    _rule(ident, "maturity_date", rules.check_maturity, spec.start_date, spec.maturity_date, "start_date")
    if index.currency != spec.currency:
        raise SpecError(f"instrument {ident}: float_index {spec.float_index} is not a {spec.currency} index")
    if isinstance(spec, SwapSpec):
        _rule(ident, "float_spread_bp", rules.FLOAT_SPREAD_BP.check, spec.float_spread_bp)
        if index.overnight:
            raise SpecError(
                f"instrument {ident}: float_index {spec.float_index} is overnight; use type 'ois'"
            )
        if spec.forecast_curve != index.forecast_curve:
            raise SpecError(
                f"instrument {ident}: forecast_curve {spec.forecast_curve} does not forecast "
                f"{spec.float_index} "
                f"(use {index.forecast_curve})"
            )
        if spec.float_frequency is not None:
            _check_choice(ident, "float_frequency", spec.float_frequency, _MONTHS)
        if spec.float_day_count is not None:
            _check_choice(ident, "float_day_count", spec.float_day_count, DAY_COUNTS)
    elif not index.overnight:
        raise SpecError(
            f"instrument {ident}: float_index {spec.float_index} is not an overnight index (SOFR, ESTR)"
        )


def instrument_id_of(data: Mapping[str, Any]) -> str:
    """The id of the instrument a book entry holds: its ``instrument_id`` if given, else its ``id``;
    raises ``SpecError`` when that is not a non-empty string."""
    if not isinstance(data, Mapping):
        raise SpecError(f"instrument {data!r}: expected an object")
    name = "instrument_id" if data.get("instrument_id") is not None else "id"
    ident = data.get(name)
    if not isinstance(ident, str) or not ident:
        raise SpecError(f"instrument {data.get('id')!r}: {name} must be a non-empty string")
    return ident


def position_fields(data: Mapping[str, Any]) -> tuple[str | None, float]:
    """The validated ``book`` (``None`` when absent) and signed ``quantity`` (default 1) of a book entry;
    raises ``SpecError`` naming the entry, the field and the rule."""
    where = f"instrument {data.get('id')}"
    book = data.get("book")
    if book is not None and (not isinstance(book, str) or not book):
        raise SpecError(f"{where}: book {book!r} must be a non-empty string")
    quantity = data.get("quantity", 1.0)
    if isinstance(quantity, bool) or not isinstance(quantity, int | float) or not math.isfinite(quantity):
        raise SpecError(f"{where}: quantity {quantity!r} is not a finite number")
    _rule(str(data.get("id")), "quantity", rules.check_quantity, float(quantity))
    return book, float(quantity)


def spec_from_dict(data: Mapping[str, Any]) -> InstrumentSpec:
    """The validated contract terms of a book entry (docs/architecture.md §5); raises ``SpecError`` with the
    reason. The entry's position fields (:data:`POSITION_FIELDS`) are checked (:func:`position_fields`)
    but are not terms (:func:`pricing.positions.position_from_dict` reads them), except ``instrument_id``,
    which is the spec's id."""
    ident = instrument_id_of(data)
    position_fields(data)
    kind = data.get("type")
    if kind not in _TYPES:
        raise SpecError(f"instrument {ident}: type {kind!r} unknown (allowed: {', '.join(_TYPES)})")
    cls = _TYPES[kind]
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("type", "id") or name in POSITION_FIELDS:
            continue
        if name not in known:
            if name == "forecast_curve" and cls is OisSwapSpec:
                continue  # accepted for symmetry with swaps; always the index's curve
            raise SpecError(f"instrument {ident}: field {name!r} is not a {kind} field")
        values[name] = _field(ident, name, value)
    if cls is BondSpec and values.get("currency") == "EUR":
        values.setdefault("calendar", "TARGET")
        values.setdefault("settlement_days", 2)
    if cls is OisSwapSpec and "float_index" in values and values["float_index"] in INDICES:
        values.setdefault("discount_curve", INDICES[values["float_index"]].forecast_curve)
    missing = [
        name
        for name, f in known.items()
        if name != "id" and f.default is MISSING and f.default_factory is MISSING and name not in values
    ]
    if missing:
        raise SpecError(f"instrument {ident}: missing field(s) {', '.join(missing)} for type {kind}")
    spec = cls(id=ident, **values)
    check_spec(spec)
    return spec


def spec_to_dict(spec: InstrumentSpec) -> dict[str, Any]:
    """The book entry of a spec (inverse of :func:`spec_from_dict`; ``None`` fields left out)."""
    data: dict[str, Any] = {"id": spec.id, "type": spec_type(spec)}
    for name, value in asdict(spec).items():
        if name == "id" or value is None:
            continue
        data[name] = value.isoformat() if isinstance(value, date) else value
    return data


def cashflow_count(spec: InstrumentSpec) -> int:
    """Number of cashflows of the whole trade (all legs), from its terms alone: a load-balancing weight."""
    months = (
        (spec.maturity_date.year - _start(spec).year) * 12 + spec.maturity_date.month - _start(spec).month
    )
    months = max(months, 1)
    if isinstance(spec, BondSpec):
        if spec.frequency == "once":
            return 1
        return math.ceil(months / _MONTHS[spec.frequency]) + 1
    fixed = math.ceil(months / _MONTHS[spec.fixed_frequency])
    if isinstance(spec, SwapSpec):
        float_frequency = spec.float_frequency or INDICES[spec.float_index].float_frequency
        return fixed + math.ceil(months / _MONTHS[float_frequency])
    return 2 * fixed


def _start(spec: InstrumentSpec) -> date:
    return spec.issue_date if isinstance(spec, BondSpec) else spec.start_date
