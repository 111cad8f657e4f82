"""The Treasury yield <-> price calculator on plain rows: what ``riskctl bond|bill`` and
``POST /api/v1/calculator/{bond,bill}`` compute, one row or many (:mod:`pricing.yields` does the maths).

Rows are mappings of field name to value (strings from a CSV, or numbers and ISO dates from JSON):

- bond: ``coupon_pct, dated_date, maturity_date, settle_date`` and one of ``yield_pct`` (-> price) or
  ``clean_price`` (-> yield), optional ``first_coupon_date`` (a long first coupon; default: the first
  coupon date after the dated date). Result ``{"clean_price", "accrued", "dirty_price", "yield_pct"}``.
- bill: ``maturity_date, settle_date`` and one of ``discount_rate_pct`` or ``investment_rate_pct``.
  Result ``{"price", "discount_rate_pct", "investment_rate_pct"}``.

- an instrument of the security master (:func:`calculate_instrument`): its terms (``coupon_pct,
  frequency, day_count, issue_date`` = the dated date, ``maturity_date``), ``settle_date`` and one of
  ``yield_pct`` or ``clean_price``; a zero-coupon bond or bill (frequency ``once``) is priced on the
  bond-equivalent yield. Result: the bond fields plus ``modified_duration, macaulay_duration, convexity``,
  the same numbers the engine's bond analytics report for a position at that price.

Prices are per 100 of par rounded to 6 decimals as the Treasury publishes them (Appendix B: "P = price
per 100, rounded to six places"), accrued interest to 6 decimals per 100 (5 per $1,000); rates in percent
to 6 decimals. A field that is missing, unparsable or out of range raises
:class:`~pricing.errors.CalculatorError` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from pricing.errors import CalculatorError
from pricing.yields import (
    COUPONS_PER_YEAR,
    BondTerms,
    YieldRisk,
    bill_discount_rate,
    bill_price_from_investment_rate,
    bill_quote,
    bond_price,
    bond_yield,
    zero_price,
    zero_yield,
    zero_yield_risk,
)

__all__ = [
    "BILL_FIELDS",
    "BILL_RESULT_FIELDS",
    "BOND_FIELDS",
    "BOND_RESULT_FIELDS",
    "RowResult",
    "calculate_bill",
    "calculate_bond",
    "calculate_instrument",
    "calculate_rows",
]

BOND_FIELDS = (
    "coupon_pct",
    "dated_date",
    "maturity_date",
    "settle_date",
    "yield_pct",
    "clean_price",
    "first_coupon_date",
)
BOND_RESULT_FIELDS = ("clean_price", "accrued", "dirty_price", "yield_pct")
BILL_FIELDS = ("maturity_date", "settle_date", "discount_rate_pct", "investment_rate_pct")
BILL_RESULT_FIELDS = ("price", "discount_rate_pct", "investment_rate_pct")

#: one row's outcome: (result, None) or (None, the error)
RowResult = tuple[dict[str, float] | None, CalculatorError | None]
_DECIMALS = 6


def _present(row: Mapping[str, object], field: str) -> bool:
    value = row.get(field)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _date(row: Mapping[str, object], field: str) -> date:
    value = row.get(field)
    if isinstance(value, date):
        return value
    if not _present(row, field):
        raise CalculatorError(field, "is required (an ISO date, YYYY-MM-DD)")
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalculatorError(field, f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _number(row: Mapping[str, object], field: str) -> float:
    value = row.get(field)
    if not _present(row, field):
        raise CalculatorError(field, "is required (a number)")
    if isinstance(value, bool):
        raise CalculatorError(field, f"{value!r} is not a number")
    try:
        number = float(value if isinstance(value, int | float) else str(value).strip())
    except ValueError:
        raise CalculatorError(field, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise CalculatorError(field, f"{value!r} is not a finite number")
    return number


def _one_of(row: Mapping[str, object], first: str, second: str) -> str:
    given = [field for field in (first, second) if _present(row, field)]
    if len(given) != 1:
        raise CalculatorError(first, f"give exactly one of {first} or {second}")
    return given[0]


def _round(value: float) -> float:
    return round(value, _DECIMALS)


def calculate_bond(row: Mapping[str, object]) -> dict[str, float]:
    """Price from ``yield_pct`` or yield from ``clean_price`` of one bond row (see the module docstring)."""
    given = _one_of(row, "yield_pct", "clean_price")
    terms = BondTerms(
        coupon_pct=_number(row, "coupon_pct"),
        dated_date=_date(row, "dated_date"),
        maturity_date=_date(row, "maturity_date"),
        first_coupon_date=_date(row, "first_coupon_date") if _present(row, "first_coupon_date") else None,
    )
    settle = _date(row, "settle_date")
    if given == "yield_pct":
        quote = bond_price(terms, settle, _number(row, "yield_pct"))[0]
        clean = _round(quote.clean_price)
        return {
            "clean_price": clean,
            "accrued": quote.accrued,
            "dirty_price": _round(clean + quote.accrued),
            "yield_pct": quote.yield_pct,
        }
    quote = bond_yield(terms, settle, _number(row, "clean_price"))[0]
    return {
        "clean_price": quote.clean_price,
        "accrued": quote.accrued,
        "dirty_price": _round(quote.dirty_price),
        "yield_pct": _round(quote.yield_pct),
    }


def calculate_bill(row: Mapping[str, object]) -> dict[str, float]:
    """Price, discount rate and investment rate of one bill row from either rate."""
    given = _one_of(row, "discount_rate_pct", "investment_rate_pct")
    maturity, settle = _date(row, "maturity_date"), _date(row, "settle_date")
    if given == "discount_rate_pct":
        discount = _number(row, "discount_rate_pct")
        quote = bill_quote(maturity, settle, discount)
        price, investment = quote.price, quote.investment_rate_pct
    else:
        investment = _number(row, "investment_rate_pct")
        price = _round(bill_price_from_investment_rate(maturity, settle, investment))
        discount = bill_discount_rate(maturity, settle, price)
    return {
        "price": price,
        "discount_rate_pct": _round(discount),
        "investment_rate_pct": _round(investment),
    }


def calculate_instrument(terms: Mapping[str, object], row: Mapping[str, object]) -> dict[str, float]:
    """Price or yield of a bond instrument (book-format ``terms``) at ``row``'s settle date and rate."""
    given = _one_of(row, "yield_pct", "clean_price")
    settle = _date(row, "settle_date")
    maturity = _date(terms, "maturity_date")
    risk: YieldRisk
    if terms.get("frequency") == "once":
        if given == "yield_pct":
            yield_pct = _number(row, "yield_pct")
            clean = _round(zero_price(maturity, settle, yield_pct))
        else:
            clean = _number(row, "clean_price")
            yield_pct = _round(zero_yield(maturity, settle, clean))
        accrued, risk = 0.0, zero_yield_risk(maturity, settle, yield_pct)
    else:
        bond = BondTerms(
            coupon_pct=_number(terms, "coupon_pct"),
            dated_date=_date(terms, "issue_date"),
            maturity_date=maturity,
            frequency=COUPONS_PER_YEAR[str(terms["frequency"])],
            day_count=str(terms["day_count"]),
        )
        if given == "yield_pct":
            quote, risk = bond_price(bond, settle, _number(row, "yield_pct"))
            clean, yield_pct = _round(quote.clean_price), quote.yield_pct
        else:
            quote, risk = bond_yield(bond, settle, _number(row, "clean_price"))
            clean, yield_pct = quote.clean_price, _round(quote.yield_pct)
        accrued = quote.accrued
    return {
        "clean_price": clean,
        "accrued": accrued,
        "dirty_price": _round(clean + accrued),
        "yield_pct": yield_pct,
        "modified_duration": risk.modified_duration,
        "macaulay_duration": risk.macaulay_duration,
        "convexity": risk.convexity,
    }


def calculate_rows(
    rows: Iterable[Mapping[str, object]], calculate: Callable[[Mapping[str, object]], dict[str, float]]
) -> list[RowResult]:
    """``calculate`` on every row, in order; a row that fails keeps its place with its error."""
    results: list[RowResult] = []
    for row in rows:
        try:
            results.append((calculate(row), None))
        except CalculatorError as error:
            results.append((None, error))
    return results
