"""Seed the security master: the real Treasury book outstanding on a date plus a generated swap book.

Books: ``UST-NOTES`` and ``UST-BONDS`` (every nominal Treasury note and bond outstanding, see
:mod:`secmaster.treasury`; instrument face 1,000,000, long positions of 1 to 25 units), ``EUR-IRS`` and
``USD-OIS`` (``size`` generated swaps, see :mod:`secmaster.swapgen`; one unit each).
Seeding is idempotent and additive: instruments and positions that exist are left as they are, so a
second run with a larger ``size`` only adds the new swaps. Every insert records its outbox event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select

from secmaster.db import SessionFactory, transaction
from secmaster.models import Book, Instrument, Position
from secmaster.outbox import record_event
from secmaster.repository.terms import instrument_terms, new_instrument
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate
from secmaster.swapgen import generate_swaps
from secmaster.treasury import TreasuryNote, outstanding_treasuries

__all__ = ["DEFAULT_AS_OF", "SEED_BOOKS", "SeedReport", "seed", "seed_rows", "treasury_row"]

#: The last date of the bundled Treasury par curve.
DEFAULT_AS_OF = date(2026, 2, 27)
TREASURY_FACE = 1_000_000.0
SEED_BOOKS = {
    "UST-NOTES": "US Treasury notes outstanding (real CUSIPs, official coupons and dated dates)",
    "UST-BONDS": "US Treasury bonds outstanding (real CUSIPs, official coupons and dated dates)",
    "EUR-IRS": "Generated EUR 6M IRS, EURIBOR 6M forecast, ESTR discounting",
    "USD-OIS": "Generated USD SOFR OIS",
}
_CHUNK = 500
_ROW = TypeAdapter[BondCreate | SwapCreate | OisCreate](InstrumentCreate)


@dataclass(frozen=True)
class SeedReport:
    treasuries: int
    swaps: int
    created: int
    skipped: int


def treasury_row(note: TreasuryNote) -> dict[str, Any]:
    """A Treasury in the book format: ACT/ACT-ICMA, semiannual, discounted on ``USD-UST``; the issue date
    is the dated date (interest accrues from it); ``derived`` when the coupon is the synthetic rule's."""
    return {
        "id": f"UST-{note.cusip}",
        "type": "bond",
        "isin": note.isin,
        "cusip": note.cusip,
        "currency": "USD",
        "face": TREASURY_FACE,
        "coupon_pct": note.coupon_pct,
        "frequency": "semiannual",
        "day_count": "ACT/ACT-ICMA",
        "issue_date": note.dated_date.isoformat(),
        "maturity_date": note.maturity_date.isoformat(),
        "discount_curve": "USD-UST",
        "derived": note.derived,
        "book": "UST-BONDS" if note.security_type == "Bond" else "UST-NOTES",
    }


def seed_rows(as_of: date, size: int) -> tuple[list[dict[str, Any]], int]:
    """Every seed row (book format with ``book`` and ``quantity``) and how many are Treasuries."""
    rng = random.Random(f"treasury-quantities:{as_of.isoformat()}")
    treasuries = [
        treasury_row(note) | {"quantity": float(rng.randint(1, 25))} for note in outstanding_treasuries(as_of)
    ]
    swaps = [
        swap | {"book": "EUR-IRS" if swap["type"] == "swap" else "USD-OIS", "quantity": 1.0}
        for swap in generate_swaps(as_of, size)
    ]
    return treasuries + swaps, len(treasuries)


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def seed(
    factory: SessionFactory,
    as_of: date = DEFAULT_AS_OF,
    size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Create the seed books and instruments in chunks of 500 (one transaction each); ``progress`` is
    called with the number of rows handled after each chunk."""
    rows, treasuries = seed_rows(as_of, size)
    with transaction(factory) as session:
        existing = set(session.scalars(select(Book.name)))
        for name, description in SEED_BOOKS.items():
            if name not in existing:
                session.add(Book(name=name, description=description))
                record_event(session, "book", "created", name, {"name": name, "description": description})
    created = 0
    for chunk in _chunks(rows):
        with transaction(factory) as session:
            ids = [row["id"] for row in chunk]
            present = set(session.scalars(select(Instrument.id).where(Instrument.id.in_(ids))))
            for row in chunk:
                if row["id"] in present:
                    continue
                data = _ROW.validate_python(row)
                instrument = new_instrument(data, row["id"])
                session.add(instrument)
                session.add(
                    Position(book_name=row["book"], instrument_id=row["id"], quantity=row["quantity"])
                )
                event = instrument_terms(instrument) | {
                    "position": {"book": row["book"], "quantity": row["quantity"]}
                }
                record_event(session, "instrument", "created", row["id"], event)
                created += 1
        if progress is not None:
            progress(len(chunk))
    return SeedReport(
        treasuries=treasuries, swaps=len(rows) - treasuries, created=created, skipped=len(rows) - created
    )
