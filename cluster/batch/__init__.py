"""Batch jobs over history, run by :mod:`cluster.batch_reval` (also ``riskctl batch``).

Modules: ``calendar`` (business days with market data), ``scenarios`` (historical one-day quote moves),
``stats`` (VaR and expected shortfall), ``tasks`` (the work of one Ray task: value a day, value a chunk
of scenarios), ``jobs`` (EOD revaluation, VaR, P&L attribution spread over Ray tasks), ``store``
(``batch_runs``/``batch_results`` in PostgreSQL), ``export`` (CSV, Parquet), ``progress``.

Errors (each says what was wrong and what to do)::

    RiskEngineError (core.errors)
    └── BatchError             base of what the batch jobs raise on purpose
        ├── BadRequest         a date range, date, scenario count, confidence or book that cannot work
        ├── EmptyBook          the book holds no position to value
        └── ExportError        the export file cannot be written (format, missing pyarrow, path)
"""

from __future__ import annotations

from cluster.batch.errors import BadRequest, BatchError, EmptyBook, ExportError

__all__ = ["BadRequest", "BatchError", "EmptyBook", "ExportError"]
