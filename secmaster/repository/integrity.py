"""Turn a database constraint violation into the security master's error naming the field and the rule."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from secmaster.errors import Conflict, DuplicateInstrument, InUse, NotFound, RuleViolation, SecmasterError

__all__ = ["translate_integrity_error"]

#: constraint name -> (field, rule) for the check constraints of the schema
_CHECKS = {
    "ck_instruments_maturity_after_start": ("maturity_date", "must be after the start (issue) date"),
    "ck_instruments_iso_currency": ("currency", "must be three upper-case letters (ISO 4217)"),
    "ck_bonds_positive_face": ("face", "must be positive"),
    "ck_bonds_coupon_bounds": ("coupon_pct", "must be between 0 and 20"),
    "ck_interest_rate_swaps_positive_notional": ("notional", "must be positive"),
    "ck_ois_swaps_positive_notional": ("notional", "must be positive"),
    "ck_interest_rate_swaps_fixed_rate_bounds": ("fixed_rate_pct", "must be between -5 and 20"),
    "ck_ois_swaps_fixed_rate_bounds": ("fixed_rate_pct", "must be between -5 and 20"),
    "ck_positions_nonzero_quantity": ("quantity", "must not be 0"),
    "ck_books_not_reserved": ("name", "ALL is reserved for the whole portfolio"),
}


def translate_integrity_error(error: IntegrityError) -> SecmasterError:
    """The domain error for a violated constraint (unknown constraints become a generic conflict)."""
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    if constraint in _CHECKS:
        field, rule = _CHECKS[constraint]
        return RuleViolation(field, rule)
    if constraint == "uq_instruments_isin":
        return DuplicateInstrument("an instrument with this ISIN already exists")
    if constraint == "uq_bonds_cusip":
        return DuplicateInstrument("a bond with this CUSIP already exists")
    if constraint == "pk_instruments":
        return DuplicateInstrument("an instrument with this id already exists")
    if constraint == "pk_books":
        return Conflict("a book with this name already exists")
    if constraint.startswith("fk_positions_"):
        target = "book" if constraint == "fk_positions_book_name_books" else "instrument"
        if "is still referenced" in str(error.orig):
            return InUse(f"positions refer to this {target}; delete them first or pass force=true")
        return NotFound(f"the {target} of the position does not exist")
    return Conflict(f"the write conflicts with stored data ({constraint or 'constraint'})")
