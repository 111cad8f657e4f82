"""Batch revaluation over history: ``python -m cluster.batch_reval eod|var|attribution ...``.

Runs on any Ray cluster: locally (a private Ray runtime), on a running head (``--address`` or
``RISK_RAY_ADDRESS``), or as a Ray job (``ray job submit ... -- python -m cluster.batch_reval ...``,
which sets ``RAY_ADDRESS``). The book comes from the security master (PostgreSQL, ``RISK_POSTGRES_*``
or ``--database-url``); results go to ``batch_runs``/``batch_results`` and optionally to a CSV or
Parquet file. A run that fails (bad dates, empty book, no data) exits non-zero with a message, its
``batch_runs`` row says ``failed`` and why, and no result is written.

Examples::

    python -m cluster.batch_reval eod --from 2026-07-01 --to 2026-07-31 --book UST-NOTES
    python -m cluster.batch_reval var --date 2026-07-31 --scenarios 500 --confidence 0.99,0.975
    python -m cluster.batch_reval attribution --from 2026-07-01 --to 2026-07-31 --export pnl.csv
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import typer

__all__ = ["app", "connect_ray", "main"]

app = typer.Typer(
    name="batch_reval",
    help=(
        "Batch jobs over history on Ray: end-of-day revaluation (eod), historical VaR and expected "
        "shortfall (var), P&L attribution (attribution). Results go to PostgreSQL (batch_runs, "
        "batch_results) and optionally to --export FILE.csv|FILE.parquet."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

Runner = Callable[[Sequence[Mapping[str, Any]], list[date]], Any]

_BOOK_HELP = "Book to value (ALL: every book). Positions come from the security master."
_EXPORT_HELP = "Also write the result rows to this .csv or .parquet file (Parquet needs pyarrow)."
_DB_HELP = "Security master database URL (default: from RISK_POSTGRES_* settings)."
_ADDRESS_HELP = (
    "Ray cluster to use (default: RAY_ADDRESS set by `ray job submit`, RISK_RAY_ADDRESS, else local)."
)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint=option) from None


def connect_ray(address: str | None) -> None:
    """Attach to ``address`` / ``RAY_ADDRESS`` / ``RISK_RAY_ADDRESS``, else start a private local Ray."""
    import ray

    from core.config import get_settings

    if ray.is_initialized():
        return
    target = address or os.environ.get("RAY_ADDRESS") or get_settings().ray_address
    if not target or "127.0.0.1" in target or "localhost" in target:
        # a single-machine Ray stays on loopback (see cluster/services/ray_head.py)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if target:
        ray.init(address=target, log_to_driver=False)
    else:
        # "local": a private Ray; without it ray.init attaches to any Ray already running on the machine
        ray.init(address="local", include_dashboard=False, log_to_driver=False)


def _execute(
    kind: str,
    params: dict[str, Any],
    plan: Callable[[], list[date]],
    runner: Runner,
    *,
    book: str,
    export: Path | None,
    database_url: str | None,
    address: str | None,
) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from cluster.batch.errors import BatchError, EmptyBook
    from cluster.batch.export import check_export_path, export_rows
    from cluster.batch.store import fail_run, finish_run, start_run
    from core.config import get_settings
    from core.errors import RiskEngineError
    from pricing import PricingError
    from secmaster.db import make_engine, make_session_factory
    from secmaster.errors import NotFound
    from secmaster.repository.export import load_book

    if export is not None:
        try:
            check_export_path(export)
        except BatchError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    engine = make_engine(database_url or get_settings().database_url, pool_size=1)
    sessions = make_session_factory(engine)
    try:
        run_id = start_run(sessions, kind, {**params, "book": book})
    except SQLAlchemyError as exc:
        engine.dispose()
        typer.echo(
            f"error: cannot record the batch run in {engine.url.render_as_string(hide_password=True)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0]}\n(is PostgreSQL up, and the schema at the "
            "latest revision? `riskctl db upgrade`)",
            err=True,
        )
        raise typer.Exit(1) from None
    try:
        days = plan()
        with sessions() as session:
            entries = load_book(session, book)
        if not entries:
            raise EmptyBook(
                f"book {book} holds no position: add positions (riskctl seed, the HTTP API) first"
            )
        connect_ray(address)
        output = runner(entries, days)
        count = finish_run(sessions, run_id, output.rows, output.summary)
    except (RiskEngineError, PricingError) as exc:
        reason = str(exc)
        fail_run(sessions, run_id, reason)
        typer.echo(f"error: {reason}\nbatch run {run_id} ({kind}) failed; no result was written", err=True)
        raise typer.Exit(1) from None
    except NotFound as exc:
        fail_run(sessions, run_id, str(exc))
        typer.echo(f"error: {exc}\nbatch run {run_id} ({kind}) failed; no result was written", err=True)
        raise typer.Exit(1) from None
    except BaseException as exc:
        fail_run(sessions, run_id, f"unexpected {type(exc).__name__}: {exc}")
        raise
    finally:
        engine.dispose()
    if export is not None:
        export_rows(export, run_id, output.rows)
    typer.echo(f"batch run {run_id} ({kind}) succeeded: {count} rows in batch_results")
    typer.echo(json.dumps(output.summary, indent=1))


@app.command("eod")
def eod(
    start: str = typer.Option(..., "--from", help="First date (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last date (YYYY-MM-DD), included."),
    book: str = typer.Option("ALL", "--book", help=_BOOK_HELP),
    export: Path | None = typer.Option(None, "--export", help=_EXPORT_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    address: str | None = typer.Option(None, "--address", help=_ADDRESS_HELP),
) -> None:
    """End-of-day revaluation of today's book on each business day's close: pv, dv01, gamma, kr01 per
    day and book (USD). One Ray task per day."""
    from cluster.batch import jobs

    first, last = _day(start, "--from"), _day(end, "--to")
    params = {"from": first.isoformat(), "to": last.isoformat()}
    _execute(
        "eod", params, lambda: jobs.eod_days(first, last), jobs.run_eod,
        book=book, export=export, database_url=database_url, address=address,
    )  # fmt: skip


@app.command("var")
def var(
    day: str = typer.Option(..., "--date", help="VaR date (YYYY-MM-DD): the book is valued on its close."),
    scenarios: int = typer.Option(500, "--scenarios", help="Number of one-day historical moves (N)."),
    confidence: str = typer.Option("0.99,0.975", "--confidence", help="Comma-separated confidence levels."),
    worst: int = typer.Option(5, "--worst", min=1, help="How many worst scenarios the summary lists."),
    book: str = typer.Option("ALL", "--book", help=_BOOK_HELP),
    export: Path | None = typer.Option(None, "--export", help=_EXPORT_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    address: str | None = typer.Option(None, "--address", help=_ADDRESS_HELP),
) -> None:
    """One-day historical VaR and expected shortfall: the N daily curve moves ending on --date applied to
    that day's book with full revaluation (fast engine). VaR = minus the k-th worst P&L, k = ceil(N(1-a));
    ES = minus the mean of the k worst."""
    from cluster.batch import jobs
    from cluster.batch.errors import BadRequest
    from cluster.batch.stats import parse_confidences

    as_of = _day(day, "--date")
    try:
        levels = parse_confidences(confidence)
    except BadRequest as exc:
        raise typer.BadParameter(str(exc), param_hint="--confidence") from None
    params = {"date": as_of.isoformat(), "scenarios": scenarios, "confidence": list(levels)}

    def runner(entries: Sequence[Mapping[str, Any]], days: list[date]) -> jobs.JobOutput:
        return jobs.run_var(entries, days, levels, worst=worst)

    _execute(
        "var", params, lambda: jobs.var_days(as_of, scenarios), runner,
        book=book, export=export, database_url=database_url, address=address,
    )  # fmt: skip


@app.command("attribution")
def attribution(
    start: str = typer.Option(..., "--from", help="First date (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last date (YYYY-MM-DD), included."),
    book: str = typer.Option("ALL", "--book", help=_BOOK_HELP),
    export: Path | None = typer.Option(None, "--export", help=_EXPORT_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    address: str | None = typer.Option(None, "--address", help=_ADDRESS_HELP),
) -> None:
    """P&L attribution per business day and book: actual (full revaluation) vs predicted by the previous
    close's kr01 and gamma, and the residual."""
    from cluster.batch import jobs

    first, last = _day(start, "--from"), _day(end, "--to")
    params = {"from": first.isoformat(), "to": last.isoformat()}
    _execute(
        "attribution", params, lambda: jobs.attribution_days(first, last), jobs.run_attribution,
        book=book, export=export, database_url=database_url, address=address,
    )  # fmt: skip


def main() -> None:
    app()


if __name__ == "__main__":
    main()
