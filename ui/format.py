"""Numbers formatted for a trader: thousands separators, signs, currencies, basis points and ages.

Every formatter takes ``None`` for "not published yet" and returns an em dash, so a half-written
snapshot never breaks a panel.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "MISSING",
    "format_age",
    "format_bp",
    "format_count",
    "format_millis",
    "format_money",
    "format_rate_pct",
    "format_signed_money",
    "format_time",
    "parse_time",
]

MISSING = "—"


def format_money(value: float | None, currency: str = "USD", decimals: int = 0) -> str:
    """``USD 12,345,678``; negative amounts keep their minus sign (``USD -1,250``)."""
    if value is None:
        return MISSING
    return f"{currency} {value:,.{decimals}f}"


def format_signed_money(value: float | None, currency: str = "USD", decimals: int = 0) -> str:
    """P&L style: always signed (``USD +12,345``, ``USD -800``)."""
    if value is None:
        return MISSING
    return f"{currency} {value:+,.{decimals}f}"


def format_bp(value_bp: float | None, decimals: int = 1) -> str:
    """A rate move or spread already in basis points: ``+12.5 bp``."""
    if value_bp is None:
        return MISSING
    return f"{value_bp:+,.{decimals}f} bp"


def format_rate_pct(rate_pct: float | None, decimals: int = 3) -> str:
    """A quoted rate in percent as quoted (``4.25`` means 4.25 %): ``4.250%``."""
    if rate_pct is None:
        return MISSING
    return f"{rate_pct:.{decimals}f}%"


def format_count(value: float | None) -> str:
    """A count with thousands separators: ``12,345``."""
    if value is None:
        return MISSING
    return f"{round(value):,d}"


def format_millis(value_ms: float | None) -> str:
    """A latency: ``42.0 ms``, or ``1.25 s`` from one second up."""
    if value_ms is None:
        return MISSING
    if value_ms >= 1000:
        return f"{value_ms / 1000:,.2f} s"
    return f"{value_ms:,.1f} ms"


def format_age(seconds: float | None) -> str:
    """How long ago: ``0.4 s``, ``45 s``, ``3 min 05 s``, ``2 h 07 min``."""
    if seconds is None:
        return MISSING
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def parse_time(stamp: str | None) -> datetime | None:
    """An ISO 8601 time (``2026-02-02T14:12:00-05:00``) as an aware UTC datetime; ``None`` if absent or
    unreadable. A time without a zone is taken as UTC (the engine writes none such)."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(stamp: str | datetime | None) -> str:
    """The one way the dashboard shows a time: in UTC, saying so (``2026-02-02 19:12:00 UTC``).

    Market times (written by the engine in each market's local time, with its offset) and wall-clock
    times (batch runs) alike, so that two times on one screen compare at a glance. Text that is not an
    ISO time is shown as it is.
    """
    if stamp is None or stamp == "":
        return MISSING
    moment = stamp if isinstance(stamp, datetime) else parse_time(stamp)
    if moment is None:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
