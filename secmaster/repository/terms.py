"""Conversions between the ORM instruments and the book JSON of docs/architecture.md section 5."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from secmaster.models import Bond, Instrument, InterestRateSwap, OisSwap
from secmaster.schemas import BondCreate, OisCreate, SwapCreate

__all__ = [
    "apply_terms",
    "create_terms",
    "instrument_terms",
    "new_instrument",
    "position_entry",
    "terms_etag",
]

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


def position_entry(instrument: Instrument, book: str, quantity: float) -> dict[str, Any]:
    """A position in the book format: the instrument's own terms (per one unit of face or notional as
    stored, never scaled), its ``book`` and its signed ``quantity``. Pricing values the instrument once and
    multiplies its risk by the quantity (``pricing.positions``), so a short position (negative quantity)
    is exactly minus the long one, for bonds and swaps alike.
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


def create_terms(data: BondCreate | SwapCreate | OisCreate, instrument_id: str) -> dict[str, Any]:
    """``instrument_terms`` of the instrument that ``new_instrument(data, instrument_id)`` stores, built
    from the validated terms without an ORM object (the bulk path writes 100,000 of these)."""
    terms: dict[str, Any] = {"id": instrument_id, "type": data.type, "currency": data.currency}
    if isinstance(data, BondCreate):
        terms["isin"] = data.isin
        terms.update({name: getattr(data, name) for name in _BOND_FIELDS})
        if terms["cusip"] is None:
            del terms["cusip"]
        terms["issue_date"] = data.issue_date.isoformat()
    else:
        terms.update({name: getattr(data, name) for name in _SWAP_FIELDS})
        terms["start_date"] = data.start_date.isoformat()
        if isinstance(data, SwapCreate):
            terms["float_spread_bp"] = data.float_spread_bp
            terms["forecast_curve"] = data.forecast_curve
    terms["maturity_date"] = data.maturity_date.isoformat()
    return terms


def terms_etag(terms: dict[str, Any]) -> str:
    """A strong HTTP ETag (quoted) of an instrument's stored terms: equal terms, equal tags (RFC 9110)."""
    canonical = json.dumps(terms, sort_keys=True, separators=(",", ":")).encode()
    return f'"{hashlib.blake2b(canonical, digest_size=12).hexdigest()}"'
