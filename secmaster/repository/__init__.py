"""Database access of the security master: thin functions over a caller-owned ``Session``.

Callers own the transaction (``with secmaster.db.transaction(factory) as session: ...``): every write
adds its outbox event to that transaction, so the change and its event commit or roll back together.
"""

from __future__ import annotations

from secmaster.repository.batch import batch_results, get_batch_run, list_batch_runs
from secmaster.repository.books import (
    create_book,
    delete_book,
    delete_position,
    get_book,
    list_books,
    list_positions,
    position_counts,
    set_position,
    update_book,
)
from secmaster.repository.export import export_book, load_book
from secmaster.repository.instruments import (
    create_instrument,
    delete_instrument,
    get_instrument,
    list_instruments,
    lock_instrument,
    update_instrument,
)
from secmaster.repository.terms import instrument_terms, terms_etag

__all__ = [
    "batch_results",
    "create_book",
    "create_instrument",
    "delete_book",
    "delete_instrument",
    "delete_position",
    "export_book",
    "get_batch_run",
    "get_book",
    "get_instrument",
    "instrument_terms",
    "list_batch_runs",
    "list_books",
    "list_instruments",
    "list_positions",
    "load_book",
    "lock_instrument",
    "position_counts",
    "set_position",
    "terms_etag",
    "update_book",
    "update_instrument",
]
