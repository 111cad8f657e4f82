"""``riskctl batch``: the batch jobs of :mod:`cluster.batch_reval` (EOD revaluation, VaR, attribution)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from cluster.batch_reval import app as batch_app

    app.add_typer(batch_app, name="batch", help="Batch revaluation, historical VaR/ES and P&L attribution.")
