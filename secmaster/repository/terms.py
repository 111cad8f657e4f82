"""Conversions between the ORM instruments and the book JSON of DESIGN.md section 5."""

from __future__ import annotations

from typing import Any

from secmaster.models import Bond, Instrument, InterestRateSwap, OisSwap
from secmaster.schemas import BondCreate, OisCreate, SwapCreate

__all__ = ["apply_terms", "instrument_terms", "new_instrument", "scaled_terms"]

_SWAP_FIELDS = (
    "notional",
    "side",
    "fixed_rate_pct",
    "fixed_frequency",
    "fixed_day_count",
    "float_index",
    "discount_curve",
)
_BOND_FIELDS = ("cusip", "face", "coupon_pct", "frequency", "day_count", "discount_curve")


def instrument_terms(instrument: Instrument) -> dict[str, Any]:
    """The instrument in the book format (unscaled, without ``book``): the fields of its Create schema."""
    terms: dict[str, Any] = {"id": instrument.id, "type": instrument.type, "currency": instrument.currency}
    if isinstance(instrument, Bond):
        terms["isin"] = instrument.isin
        terms.update({name: getattr(instrument, name) for name in _BOND_FIELDS})
        if terms["cusip"] is None:
            del terms["cusip"]
        terms["issue_date"] = instrument.start_date.isoformat()
    elif isinstance(instrument, InterestRateSwap | OisSwap):
        terms.update({name: getattr(instrument, name) for name in _SWAP_FIELDS})
        terms["start_date"] = instrument.start_date.isoformat()
        if isinstance(instrument, InterestRateSwap):
            terms["float_spread_bp"] = instrument.float_spread_bp
            terms["forecast_curve"] = instrument.forecast_curve
    terms["maturity_date"] = instrument.maturity_date.isoformat()
    return terms


def scaled_terms(instrument: Instrument, book: str, quantity: float) -> dict[str, Any]:
    """A position in the book format: the instrument's own terms (per one unit of face or notional as
    stored), its ``book`` and its signed ``quantity``. Pricing multiplies the instrument's cashflows by the
    quantity, so a position's risk is the instrument's risk times its quantity: a short position (negative
    quantity) is exactly minus the long one, for bonds and swaps alike.
    """
    terms = instrument_terms(instrument)
    terms["book"] = book
    terms["quantity"] = quantity
    return terms


def new_instrument(data: BondCreate | SwapCreate | OisCreate, instrument_id: str) -> Instrument:
    """The ORM object for validated terms."""
    fields = data.model_dump(exclude={"type", "id", "book", "quantity"})
    if isinstance(data, BondCreate):
        fields["start_date"] = fields.pop("issue_date")
        return Bond(id=instrument_id, **fields)
    if isinstance(data, SwapCreate):
        return InterestRateSwap(id=instrument_id, **fields)
    return OisSwap(id=instrument_id, **fields)


def apply_terms(instrument: Instrument, data: BondCreate | SwapCreate | OisCreate) -> list[str]:
    """Copy validated terms onto a stored instrument; return the names of the fields that changed."""
    fields = data.model_dump(exclude={"type", "id", "book", "quantity"})
    if isinstance(data, BondCreate):
        fields["start_date"] = fields.pop("issue_date")
    changed = []
    for name, value in fields.items():
        if getattr(instrument, name) != value:
            setattr(instrument, name, value)
            changed.append("issue_date" if isinstance(instrument, Bond) and name == "start_date" else name)
    return changed
