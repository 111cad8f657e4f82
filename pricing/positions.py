"""Positions: how much of an instrument a book holds (docs/architecture.md sections 4 and 5).

An instrument is its contract terms (:mod:`pricing.specs`, per one unit of face or notional as stored); a
:class:`Position` is ``quantity`` units of one instrument held in a book (negative: short). Engines value
each instrument once (:class:`pricing.PortfolioEngine`, one row per instrument); a position's risk is its
instrument's risk times its quantity (:func:`pricing.measures.scale_rows`,
:meth:`pricing.measures.InstrumentMeasures.scaled`), so an instrument held in several books is valued once
and a short is exactly minus the long.

A book entry (the book JSON of docs/architecture.md §5) is one position: the instrument's terms plus the
position fields ``book`` (optional) and ``quantity`` (optional, default 1). Its ``id`` names the entry;
``instrument_id`` (optional, default: the ``id``) names the instrument when the two differ, as in a
whole-portfolio export, which writes ``{id}@{book}`` for an instrument held in several books. Entries
holding the same instrument must carry the same terms. Errors are :class:`~pricing.errors.SpecError`
naming the entry, the field and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pricing.errors import SpecError
from pricing.specs import InstrumentSpec, position_fields, spec_from_dict, spec_to_dict

__all__ = [
    "Position",
    "ResolvedBook",
    "entry_instrument",
    "position_from_dict",
    "position_to_dict",
    "resolve_book",
]


@dataclass(frozen=True)
class Position:
    """``quantity`` units (signed: negative is short) of instrument ``instrument_id`` held in ``book``
    (``None``: an entry of an ad-hoc book that names none)."""

    book: str | None
    instrument_id: str
    quantity: float = 1.0


def entry_instrument(entry: Mapping[str, Any]) -> str:
    """The id of the instrument a book entry holds (its ``instrument_id``, else its ``id``), unvalidated:
    to keep every position of an instrument together (one shard, one batch chunk) before validation."""
    return str(entry.get("instrument_id") or entry.get("id"))


def _entry_id(data: Mapping[str, Any]) -> str:
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise SpecError(f"instrument {ident!r}: id must be a non-empty string")
    return ident


def position_from_dict(data: Mapping[str, Any]) -> tuple[InstrumentSpec, Position]:
    """The instrument's terms and the position of one book entry, both validated; raises ``SpecError``."""
    spec = spec_from_dict(data)
    book, quantity = position_fields(data)
    return spec, Position(book, spec.id, quantity)


def position_to_dict(spec: InstrumentSpec, position: Position) -> dict[str, Any]:
    """The book entry of a position (inverse of :func:`position_from_dict` for an entry named by its
    instrument's id; a ``None`` book is left out)."""
    if position.instrument_id != spec.id:
        raise SpecError(f"position of {position.instrument_id} given the terms of instrument {spec.id}")
    entry = spec_to_dict(spec)
    if position.book is not None:
        entry["book"] = position.book
    entry["quantity"] = position.quantity
    return entry


@dataclass(frozen=True)
class ResolvedBook:
    """A book's entries resolved once: each instrument once, each entry a position referencing one.

    ``instruments``: instrument id -> terms, in the order first held; ``positions``: entry index ->
    position; ``errors``: entry index -> why the entry is not a position (bad terms or quantity, a
    duplicate entry id, terms that differ from an earlier entry holding the same instrument)."""

    instruments: dict[str, InstrumentSpec] = field(default_factory=dict)
    positions: dict[int, Position] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)


def resolve_book(entries: Sequence[Any]) -> ResolvedBook:
    """Resolve book entries (see the module docstring); a bad entry is recorded in ``errors``, never
    raised, and the rest of the book is resolved."""
    resolved = ResolvedBook()
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            spec, position = position_from_dict(entry)
            ident = _entry_id(entry)
            if ident in seen:
                raise SpecError(f"instrument {ident}: duplicate id in the book")
            seen.add(ident)
            held = resolved.instruments.setdefault(spec.id, spec)
            if held != spec:
                raise SpecError(
                    f"instrument {ident}: terms differ from an earlier entry holding instrument {spec.id} "
                    "(entries of one instrument must carry the same terms)"
                )
            resolved.positions[index] = position
        except SpecError as exc:
            resolved.errors[index] = str(exc)
    return resolved
