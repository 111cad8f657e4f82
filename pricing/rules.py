"""The one rule set for instrument terms, used by every path that accepts an instrument.

``riskctl price``, ``POST /api/v1/price`` and :class:`~pricing.engine.PortfolioEngine` check specs with
these rules (:func:`pricing.specs.check_spec`); the security master's pydantic schemas take their bounds
and validators from here (a breach is a 422 on the field); the database check constraints repeat the
bounds only as a safety net. Rule functions raise ``ValueError`` with the reason (without the field name,
which the caller adds: pydantic puts it in ``loc``, :mod:`pricing.specs` in the ``SpecError`` message).

=================  ===========================  ===============================================
rule               value                        where it comes from
=================  ===========================  ===============================================
coupon_pct         0 to 20 (percent)            no sovereign or IG coupon in this market is higher
fixed_rate_pct     -5 to 20 (percent)           EUR rates went to about -1 %; room both ways
float_spread_bp    -1000 to 1000                a spread beyond 10 % is a typo
face, notional     > 0 and <= 1e12              direction is the side / the position's sign
quantity           -1e6 to 1e6, not 0           negative = short
settlement_days    0 to 5                       T+0 .. T+5 covers every market here
tenor              maturity after start, at     100-year bonds exist, nothing longer does
                   most 100 years later
isin, cusip        check digits, ISO 3166       :mod:`pricing.identifiers`
                   country prefix
types              bond, swap, ois              :data:`INSTRUMENT_TYPES`
=================  ===========================  ===============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "COUPON_PCT",
    "FIXED_RATE_PCT",
    "FLOAT_SPREAD_BP",
    "INSTRUMENT_TYPES",
    "MAX_TENOR_YEARS",
    "POSITIVE_AMOUNT",
    "QUANTITY",
    "SETTLEMENT_DAYS",
    "SIDES",
    "Bound",
    "check_cusip_in_isin",
    "check_maturity",
    "check_quantity",
    "check_zero_coupon",
]

#: Instrument types of a book entry (``type``) and of the security master's ``instruments.type``.
INSTRUMENT_TYPES = ("bond", "swap", "ois")
#: Swap directions, as seen by the holder.
SIDES = ("pay_fixed", "receive_fixed")
#: No instrument in this market runs longer than this (100-year bonds exist; nothing longer does).
MAX_TENOR_YEARS = 100


@dataclass(frozen=True)
class Bound:
    """A closed interval ``[low, high]`` of a number field (``low`` excluded when ``low_open``)."""

    low: float
    high: float
    unit: str
    low_open: bool = False

    def check(self, value: float) -> float:
        """``value`` if inside the bound; raises ``ValueError`` stating the bound otherwise."""
        too_low = value <= self.low if self.low_open else value < self.low
        if too_low or value > self.high:
            left = "(" if self.low_open else "["
            raise ValueError(f"{value:g} is outside {left}{self.low:g}, {self.high:g}] {self.unit}")
        return value


COUPON_PCT = Bound(0.0, 20.0, "percent")
FIXED_RATE_PCT = Bound(-5.0, 20.0, "percent")
FLOAT_SPREAD_BP = Bound(-1000.0, 1000.0, "basis points")
POSITIVE_AMOUNT = Bound(0.0, 1e12, "in the instrument's currency (direction is the side or the sign)", True)
QUANTITY = Bound(-1e6, 1e6, "units of face or notional")
SETTLEMENT_DAYS = Bound(0, 5, "business days")


def check_quantity(quantity: float) -> float:
    """A position size: inside :data:`QUANTITY` and not 0 (delete the position instead)."""
    if quantity == 0:
        raise ValueError("must not be 0; delete the position instead")
    return QUANTITY.check(quantity)


def check_maturity(start: date, maturity: date, start_field: str) -> date:
    """Maturity strictly after the start (issue) date and at most :data:`MAX_TENOR_YEARS` later."""
    if maturity <= start:
        raise ValueError(f"{maturity} is not after {start_field} {start}")
    if (maturity - start).days > MAX_TENOR_YEARS * 366:
        raise ValueError(f"{maturity} is more than {MAX_TENOR_YEARS} years after {start_field} {start}")
    return maturity


def check_zero_coupon(coupon_pct: float, frequency: str) -> str:
    """``frequency`` ``once`` exactly for zero-coupon bonds (coupon 0)."""
    if coupon_pct == 0 and frequency != "once":
        raise ValueError("a zero-coupon bond (coupon_pct 0) must have frequency 'once'")
    if coupon_pct != 0 and frequency == "once":
        raise ValueError(f"'once' is for zero-coupon bonds; coupon_pct is {coupon_pct:g}")
    return frequency


def check_cusip_in_isin(cusip: str, isin: str) -> str:
    """A CUSIP given with an ISIN must be its national number (characters 3 to 11)."""
    if isin[2:11] != cusip:
        raise ValueError(f"CUSIP {cusip} is not the national number of ISIN {isin} ({isin[2:11]})")
    return cusip
