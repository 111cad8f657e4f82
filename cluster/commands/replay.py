"""`riskctl replay` and `riskctl market-snapshot`: the market feed and one-date market snapshots."""

from __future__ import annotations

import json
import re
import sys
import threading
import time as wall_time
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from core.config import get_settings
from core.keys import TOPIC_CURVES
from core.logging import configure_logging, get_logger
from market_replay.rules import DEFAULT_TICKS_PER_DAY

if TYPE_CHECKING:
    from market_replay import QuoteSource
    from market_replay.producer import ReplayStats
    from market_replay.rules import Market

__all__ = ["register"]

_TOPIC_CHARS = re.compile(r"[a-zA-Z0-9._-]+")

_log = get_logger(__name__)

FROM = typer.Option(None, "--from", help="First date (YYYY-MM-DD). Default: first date every market covers.")
TO = typer.Option(None, "--to", help="Last date (YYYY-MM-DD). Default: last date every market covers.")
MARKETS = typer.Option("USD,EUR", "--markets", help="Comma-separated markets to replay: USD, EUR.")
CSV = typer.Option(None, "--csv", help="Replay your own quotes: a CSV date,curve,instrument,tenor,rate_pct.")
SEED = typer.Option(0, "--seed", help="Seed of the intraday paths (same seed, same ticks).")
TICKS = typer.Option(DEFAULT_TICKS_PER_DAY, "--ticks-per-day", min=1, help="Ticks per market per day.")


def _markets(text: str) -> list[Market]:
    markets = [m.strip().upper() for m in text.split(",") if m.strip()]
    bad = [m for m in markets if m not in ("USD", "EUR")]
    if bad or not markets:
        raise typer.BadParameter(
            f"unknown market(s) {bad or text!r}; use USD, EUR or USD,EUR", param_hint="--markets"
        )
    return cast("list[Market]", markets)


def _source(csv_path: Path | None) -> QuoteSource:
    from market_replay import HistoricalSource, load_user_csv

    if csv_path is None:
        return HistoricalSource()
    source, issues = load_user_csv(csv_path)
    for issue in issues:
        typer.echo(f"{csv_path}: skipped {issue}", err=True)
    if issues:
        typer.echo(f"{csv_path}: {len(issues)} bad row(s) skipped, see above", err=True)
    return source


def _markets_with_data(source: QuoteSource, markets: list[Market]) -> list[Market]:
    """The requested markets the source has data for (a user CSV may hold only one market)."""
    from market_replay import NoMarketData

    available = []
    for market in markets:
        try:
            source.coverage(market)
        except NoMarketData:
            continue
        available.append(market)
    if not available:
        raise NoMarketData(f"{source.name} has no quotes for {', '.join(markets)}")
    return available


def _kafka_topic(name: str) -> str:
    """Kafka's rule for a topic name (1 to 249 of ``a-zA-Z0-9._-``, not ``.`` or ``..``), checked
    before any connection so that a bad name is a clear error, not a broker exception."""
    if not name or len(name) > 249 or name in (".", "..") or not _TOPIC_CHARS.fullmatch(name):
        raise typer.BadParameter(
            f"{name!r} is not a valid Kafka topic name: use 1 to 249 characters of a-z, A-Z, 0-9, "
            "'.', '_' and '-' (not '.' or '..' alone), e.g. market.curves",
            param_hint="--topic",
        )
    return name


def _closed_markets(source: QuoteSource, markets: list[Market], day: date) -> list[Market]:
    """The markets closed on ``day`` within their data's range (outside it the snapshot says so)."""
    covered = [m for m in markets if source.coverage(m)[0] <= day <= source.coverage(m)[1]]
    return [m for m in covered if not source.is_open(m, day)]


def _refuse_closed_day(source: QuoteSource, markets: list[Market], day: date) -> None:
    """A snapshot of a day on which a requested market published no close would carry the previous
    close forward (and miss that day's fixings, so `riskctl price` cannot build it): refuse, and name
    the business day to use instead."""
    closed = _closed_markets(source, markets, day)
    if not closed:
        return
    problem = (
        f"no market data on {day.isoformat()} ({day.strftime('%A')}): {', '.join(closed)} published no close"
    )
    for back in range(1, 15):
        previous = date.fromordinal(day.toordinal() - back)
        if not _closed_markets(source, markets, previous):
            raise ValueError(
                f"{problem}; the last business day before it is {previous.isoformat()} "
                f"(use --date {previous.isoformat()}, or --markets to keep only the open markets)"
            )
    raise ValueError(problem)


def _progress(stats: ReplayStats) -> None:
    """One live line on a terminal (rewritten in place), a plain line per call in a log file."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + stats.progress_line() + "   ")
    else:
        sys.stderr.write(stats.progress_line() + "\n")
    sys.stderr.flush()


def replay(
    start: str | None = FROM,
    end: str | None = TO,
    speed: str = typer.Option("1x", "--speed", help="1x (market time), 10x, 100x, any <n>x, or max."),
    rate: float | None = typer.Option(
        None, "--rate", min=0.001, help="Fixed ticks per second (overrides --speed)."
    ),
    loop: bool = typer.Option(False, "--loop", help="Replay the range again and again until Ctrl-C."),
    markets: str = MARKETS,
    csv_path: Path | None = CSV,
    seed: int = SEED,
    ticks_per_day: int = TICKS,
    topic: str = typer.Option(
        TOPIC_CURVES, "--topic", callback=_kafka_topic, help="Kafka topic to write to (created if missing)."
    ),
    first_seq: int | None = typer.Option(
        None, "--first-seq", min=0, help="seq of the first tick. Default: wall clock in microseconds."
    ),
    max_ticks: int | None = typer.Option(None, "--max-ticks", min=1, help="Stop after this many ticks."),
    new_session: bool = typer.Option(
        False,
        "--new-session",
        help="Start a new session in the engine (each market's first tick is flagged new_session): needed "
        "to replay days earlier than the ones the running engine is on, which it refuses otherwise.",
    ),
) -> None:
    """Stream real historical curves (or your CSV) to Kafka as CurveTick messages, keyed USD / EUR.

    1x is market time: each market day is a 08:00-17:00 session of --ticks-per-day ticks (default one a
    minute); nights, weekends and holidays take no time. Ctrl-C stops cleanly after a flush.
    """
    from confluent_kafka import KafkaException

    from market_replay import MarketReplayError, Pace, generate_ticks
    from market_replay.producer import ensure_topic, replay_to_kafka, stop_on_sigint

    configure_logging()
    try:
        pace = Pace.parse(speed, rate)
        source = _source(csv_path)
        chosen = _markets_with_data(source, _markets(markets))
        first = max(source.coverage(m)[0] for m in chosen)
        last = min(source.coverage(m)[1] for m in chosen)
        day_from = date.fromisoformat(start) if start else first
        day_to = date.fromisoformat(end) if end else last
        if day_to < day_from:  # refused here, not by the lazy generator after Kafka was contacted
            raise ValueError(f"--to {day_to} must be on or after --from {day_from}")
        ticks = generate_ticks(
            day_from,
            day_to,
            markets=chosen,
            ticks_per_day=ticks_per_day,
            seed=seed,
            first_seq=wall_time.time_ns() // 1000 if first_seq is None else first_seq,
            loop=loop,
            source=source,
            new_session=new_session,
        )
        bootstrap = get_settings().kafka_bootstrap
        ensure_topic(bootstrap, topic)
        _log.info("replay starting", topic=topic, source=source.name, start=str(day_from), end=str(day_to),
                  pace=pace.describe(), loop=loop, markets=",".join(chosen))  # fmt: skip
        stop = threading.Event()
        with stop_on_sigint(stop):
            stats = replay_to_kafka(
                ticks,
                topic=topic,
                bootstrap=bootstrap,
                pace=pace,
                stop=stop,
                progress=_progress,
                progress_every_s=0.5 if sys.stderr.isatty() else 10.0,
                max_ticks=max_ticks,
            )
    except (MarketReplayError, ValueError) as exc:
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(1) from None
    except KafkaException as exc:
        typer.echo(f"\nerror: Kafka at {get_settings().kafka_bootstrap}: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    ending = "stopped by Ctrl-C" if stats.stopped else "done"
    typer.echo(f"\n{ending}: {stats.progress_line()} | last seq {stats.last_seq}", err=True)


def market_snapshot(
    day: str = typer.Option(..., "--date", help="Valuation date YYYY-MM-DD."),
    at: str | None = typer.Option(
        None, "--time", help="HH:MM local market time (default: the close, 17:00)."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the JSON here (default: stdout)."),
    markets: str = MARKETS,
    csv_path: Path | None = CSV,
    seed: int = SEED,
    ticks_per_day: int = TICKS,
) -> None:
    """Write the market snapshot JSON (docs/architecture.md §5) of one date: the input of `riskctl price`.

    The date must be a business day of every chosen market (a weekend or holiday is refused, naming
    the last business day before it).
    """
    from market_replay import MarketReplayError
    from market_replay import market_snapshot as build_snapshot

    try:
        as_of = date.fromisoformat(day)
        at_time: time | None = datetime.strptime(at, "%H:%M").time() if at else None
        source = _source(csv_path)
        chosen = _markets_with_data(source, _markets(markets))
        _refuse_closed_day(source, chosen, as_of)
        snapshot = build_snapshot(
            as_of,
            at_time,
            markets=chosen,
            source=source,
            seed=seed,
            ticks_per_day=ticks_per_day,
        )
    except (MarketReplayError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    text = json.dumps(snapshot, indent=1)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n")
        typer.echo(f"wrote {out} ({len(snapshot['curves'])} curves, as of {snapshot['as_of']})", err=True)


def register(app: typer.Typer) -> None:
    app.command(name="replay")(replay)
    app.command(name="market-snapshot")(market_snapshot)
