"""Field types and business rules shared by the schema families.

Names come from ``pricing.conventions``; bounds and rules from ``pricing.rules`` and ``pricing.identifiers``,
the rule set that ``riskctl price``, ``POST /api/v1/price`` and the engine apply too. A breach is a 422
naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from core.keys import ALL_BOOKS
from pricing import rules
from pricing.conventions import CURRENCIES, CURVES, DAY_COUNTS, FREQUENCIES, INDICES
from pricing.identifiers import validate_cusip, validate_isin
from pricing.rules import MAX_TENOR_YEARS

__all__ = [
    "ALL_BOOKS",
    "BOOK_PATTERN",
    "ID_PATTERN",
    "INPUT_CONFIG",
    "MAX_LIMIT",
    "MAX_TENOR_YEARS",
    "BookName",
    "CouponPct",
    "Currency",
    "CurveName",
    "Cusip",
    "DayCount",
    "Frequency",
    "IndexName",
    "InstrumentId",
    "Isin",
    "Notional",
    "Quantity",
    "SpreadBp",
    "SwapRatePct",
    "check_dates",
]

MAX_LIMIT = 1000

#: Input models reject unknown fields (a typo is an error, not silently ignored) and NaN/infinity.
INPUT_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=False)


def _one_of(kind: str, allowed: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {kind} {value!r}; use one of {', '.join(sorted(allowed))}")
        return value

    return AfterValidator(check)


def _enum_schema(allowed: frozenset[str]) -> dict[str, Any]:
    return {"enum": sorted(allowed)}


def _currency(value: str) -> str:
    if len(value) != 3 or not value.isascii() or not value.isupper() or not value.isalpha():
        raise ValueError(f"currency {value!r} is not an ISO 4217 code (three upper-case letters)")
    if value not in CURRENCIES:
        raise ValueError(
            f"currency {value} has no curves in this engine; use one of {', '.join(sorted(CURRENCIES))}"
        )
    return value


#: Instrument ids and book names are safe in URL paths, Redis keys and CSV cells.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
BOOK_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,31}$"


def _not_all(value: str) -> str:
    if value == ALL_BOOKS:
        raise ValueError(f"book name {ALL_BOOKS!r} is reserved for the whole portfolio")
    return value


InstrumentId = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(description="Letters, digits and . _ : - (at most 64 characters)", examples=["UST-91282CJZ5"]),
]
BookName = Annotated[
    str,
    StringConstraints(pattern=BOOK_PATTERN),
    AfterValidator(_not_all),
    Field(description="Upper-case letters, digits, _ and - (at most 32); ALL is reserved", examples=["GOVT"]),
]
Isin = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$"),
    AfterValidator(validate_isin),
    Field(description="ISO 6166 ISIN with a valid check digit", examples=["US91282CJZ59"]),
]
Cusip = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9*@#]{8}[0-9]$"),
    AfterValidator(validate_cusip),
    Field(description="CUSIP with a valid check digit", examples=["91282CJZ5"]),
]
Currency = Annotated[
    str,
    AfterValidator(_currency),
    Field(description="ISO 4217 code of a currency with curves", json_schema_extra=_enum_schema(CURRENCIES)),
]
DayCount = Annotated[
    str,
    _one_of("day count", frozenset(DAY_COUNTS)),
    Field(json_schema_extra=_enum_schema(frozenset(DAY_COUNTS))),
]
Frequency = Annotated[
    str,
    _one_of("frequency", frozenset(FREQUENCIES)),
    Field(json_schema_extra=_enum_schema(frozenset(FREQUENCIES))),
]
IndexName = Annotated[
    str, _one_of("index", frozenset(INDICES)), Field(json_schema_extra=_enum_schema(frozenset(INDICES)))
]
CurveName = Annotated[
    str, _one_of("curve", frozenset(CURVES)), Field(json_schema_extra=_enum_schema(frozenset(CURVES)))
]


def _bounded(bound: rules.Bound, description: str) -> Any:
    """A pydantic ``Field`` with the bounds of ``bound`` (shown in the OpenAPI schema too)."""
    if bound.low_open:
        return Field(gt=bound.low, le=bound.high, description=description)
    return Field(ge=bound.low, le=bound.high, description=description)


Notional = Annotated[float, _bounded(rules.POSITIVE_AMOUNT, "Positive amount in the instrument's currency")]
CouponPct = Annotated[float, _bounded(rules.COUPON_PCT, "Annual coupon in percent (0 for zero coupon)")]
SwapRatePct = Annotated[float, _bounded(rules.FIXED_RATE_PCT, "Fixed rate in percent")]
SpreadBp = Annotated[float, _bounded(rules.FLOAT_SPREAD_BP, "Spread over the index in basis points")]
Quantity = Annotated[
    float,
    AfterValidator(rules.check_quantity),
    _bounded(rules.QUANTITY, "Units of the instrument's face or notional held; negative is short; not 0"),
]


def check_dates(start: date | None, maturity: date, start_field: str) -> date:
    """The maturity rule of :func:`pricing.rules.check_maturity` (no start: nothing to compare)."""
    if start is None:
        return maturity
    return rules.check_maturity(start, maturity, start_field)
