"""`riskctl seed`: the real Treasury book outstanding on a date plus a generated swap book."""

from __future__ import annotations

from datetime import datetime

import typer

__all__ = ["register", "seed"]


def seed(
    date: datetime = typer.Option(
        "2026-02-27", "--date", formats=["%Y-%m-%d"], help="Load the Treasuries outstanding on this date."
    ),
    size: int = typer.Option(
        200,
        "--size",
        min=0,
        max=1_000_000,
        help="Number of generated swaps (60% EUR 6M IRS, 40% USD SOFR OIS).",
    ),
    url: str | None = typer.Option(
        None, "--url", help="SQLAlchemy URL; default: the RISK_POSTGRES_* settings."
    ),
) -> None:
    """Seed books UST-NOTES, UST-BONDS (every nominal Treasury note and bond outstanding on DATE, from the
    real auction data, with official coupons and dated dates; without a record: derived) and EUR-IRS,
    USD-OIS (SIZE deterministic swaps). Idempotent: re-running adds only what is missing. Run `riskctl db
    upgrade` first."""
    from rich.progress import Progress

    from secmaster.db import make_engine, make_session_factory
    from secmaster.seed import seed as run_seed
    from secmaster.seed import seed_rows

    as_of = date.date()
    engine = make_engine(url)
    total = len(seed_rows(as_of, size)[0])
    try:
        with Progress(transient=False) as progress:
            task = progress.add_task(f"seeding {total} instruments", total=total)
            report = run_seed(
                make_session_factory(engine), as_of, size, lambda done: progress.advance(task, done)
            )
    finally:
        engine.dispose()
    typer.echo(
        f"seeded as of {as_of}: {report.treasuries} Treasuries, {report.swaps} swaps; "
        f"{report.created} created, {report.skipped} already present"
    )


def register(app: typer.Typer) -> None:
    app.command(name="seed")(seed)
