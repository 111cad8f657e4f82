"""HTML panels (headline, engine health, instrument risk) and table rows, from snapshot values.

Each number carries an ``id`` (and its raw value in ``data-value``) so that browser tests and traders'
tooling can read exactly what is displayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from core.records import BookSummaryRecord, InstrumentRiskRecord
from core.status_record import EngineStatusRecord
from ui.format import (
    format_age,
    format_count,
    format_millis,
    format_money,
    format_signed_money,
    format_time,
)
from ui.health import stale_reasons, tick_age_seconds
from ui.snapshot import Contributor

__all__ = [
    "CONTRIBUTOR_HEADERS",
    "PANEL_CSS",
    "contributor_rows",
    "engine_health_html",
    "headline_html",
    "instrument_risk_html",
    "live_text",
    "message_html",
]

CONTRIBUTOR_HEADERS = ["#", "Instrument", "Type", "Book", "Ccy", "DV01 (ccy/bp)", "|DV01| USD/bp", "PV (ccy)"]

#: Scoped to each gr.HTML panel (``css_template``), so the look does not depend on how it is mounted.
PANEL_CSS = """
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { flex: 1 1 170px; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px; background: #fff; }
.card .label { font-size: 12px; color: #57606a; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 20px; font-weight: 600; white-space: nowrap; color: #1f2328;
  font-variant-numeric: tabular-nums; }
.card .sub { font-size: 12px; color: #57606a; font-variant-numeric: tabular-nums; }
.pos { color: #1a7f37 !important; } .neg { color: #cf222e !important; }
.banner { border-radius: 8px; padding: 8px 12px; margin-bottom: 8px; font-weight: 600; }
.banner.live { background: #dafbe1; color: #116329; border: 1px solid #4ac26b; }
.banner.stale { background: #fff8c5; color: #7d4e00; border: 1px solid #d4a72c; }
.banner.down { background: #ffebe9; color: #a40e26; border: 1px solid #ff8182; }
.banner ul { margin: 4px 0 0 18px; font-weight: 400; }
.error { color: #a40e26; }
"""


_STATUS_ID = "status-banner"


def _card(element_id: str, label: str, text: str, raw: float | str | None = None, sub: str = "") -> str:
    raw_attr = "" if raw is None else f' data-value="{escape(str(raw))}"'
    tone = ""
    if isinstance(raw, float) and label.startswith("P&L"):
        tone = " pos" if raw > 0 else " neg" if raw < 0 else ""
    sub_html = f'<div class="sub">{escape(sub)}</div>' if sub else ""
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value{tone}" id="{element_id}"{raw_attr}>{escape(text)}</div>{sub_html}</div>'
    )


def message_html(kind: str, text: str, element_id: str | None = None) -> str:
    """A banner: ``kind`` is live, stale or down."""
    id_attr = f' id="{element_id}"' if element_id else ""
    return f'<div class="banner {kind}"{id_attr} data-state="{kind}">{escape(text)}</div>'


def live_text(market_time: str | None, age_seconds: float | None) -> str:
    """``LIVE · market time 2026-02-02 19:12:00 UTC · 1.2 s ago``: what a trader reads at a glance."""
    parts = ["LIVE"]
    if market_time:
        parts.append(f"market time {format_time(market_time)}")
    if age_seconds is not None:
        parts.append(f"{format_age(age_seconds)} ago")
    return " · ".join(parts)


def _banner(reasons: Sequence[str], summary: BookSummaryRecord | None, age: float | None) -> str:
    if not reasons:
        market_time = summary.market_time if summary is not None else None
        return message_html("live", live_text(market_time, age), _STATUS_ID)
    items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
    return (
        f'<div class="banner stale" id="{_STATUS_ID}" data-state="stale">STALE: do not trade on these numbers'
        f"<ul>{items}</ul></div>"
    )


def headline_html(
    summary: BookSummaryRecord | None,
    engine: EngineStatusRecord,
    now: float,
    stale_after_seconds: float,
    errors: Sequence[str] = (),
) -> str:
    """Status banner (market time and age of the last tick), then PV, DV01, gamma, P&L since open, last
    tick's market time and age, p95 latency. Times are shown in UTC, saying so (:func:`format_time`).
    ``errors``: records that could not be read; each is a reason the banner shows the view stale."""
    age = tick_age_seconds(summary, now)
    banner = _banner(stale_reasons(summary, engine, now, stale_after_seconds, errors), summary, age)
    if summary is None:
        return banner
    pv, dv01, gamma, pnl = summary.pv, summary.dv01, summary.gamma, summary.pnl_open
    per_currency = "  ".join(
        format_money(amount, currency) for currency, amount in sorted(summary.pv_by_currency.items())
    )
    counts = f"{format_count(summary.n_ok)} priced · {format_count(summary.n_failed)} failed"
    if summary.n_pending:
        counts += f" · {format_count(summary.n_pending)} pending"
    p95 = engine.latency("latency", 95)
    cards = [
        _card("hl-pv", "PV", format_money(pv), pv, per_currency),
        _card("hl-dv01", "DV01 (per bp)", format_money(dv01), dv01, counts),
        _card("hl-gamma", "Gamma (1bp)", format_money(gamma, decimals=2), gamma),
        _card(
            "hl-pnl",
            "P&L since open",
            format_signed_money(pnl),
            pnl,
            f"predicted {format_signed_money(summary.pnl_predicted)}"
            f" · residual {format_signed_money(summary.pnl_residual)}",
        ),
        _card(
            "hl-market-time",
            "Last tick (market time)",
            format_time(summary.market_time),
            summary.market_time,
            f"{summary.market} market" if summary.market else "",
        ),
        _card("hl-age", "Tick age", format_age(age), age),
        _card(
            "hl-p95",
            "Engine p95 latency",
            format_millis(p95),
            p95,
            f"p50 {format_millis(engine.latency('latency', 50))}"
            f" · p99 {format_millis(engine.latency('latency', 99))}",
        ),
    ]
    return banner + f'<div class="cards">{"".join(cards)}</div>'


_HEALTH_COUNTERS = (
    ("ticks_processed", "Ticks processed"),
    ("ticks_conflated", "Conflated"),
    ("ticks_rejected", "Rejected"),
    ("ticks_dlq", "Dead-lettered"),
    ("consumer_lag", "Consumer lag"),
    ("shards", "Shards"),
    ("instruments", "Instruments"),
)


def engine_health_html(engine: EngineStatusRecord) -> str:
    """The engine's counters; its last error in red when there is one."""
    if not engine.reported:
        return message_html("down", "The real-time engine has not reported its status yet.")
    state = engine.state or "unknown"
    cards = [_card("eh-state", "State", state.upper(), state)]
    for name, label in _HEALTH_COUNTERS:
        count: int | None = getattr(engine, name)
        value = None if count is None else float(count)
        cards.append(_card(f"eh-{name.replace('_', '-')}", label, format_count(value), value))
    error = engine.last_error or ""
    error_html = f'<p class="error" id="eh-last-error">Last error: {escape(error)}</p>' if error else ""
    return f'<div class="cards">{"".join(cards)}</div>{error_html}'


def contributor_rows(contributors: Sequence[Contributor]) -> list[list[str]]:
    """Rows of the top-contributors table, already formatted (see ``CONTRIBUTOR_HEADERS``)."""
    rows = []
    for rank, item in enumerate(contributors, start=1):
        risk = item.risk  # None: its row is gone or unreadable (the ranking says only |DV01| in USD)
        currency = risk.currency if risk is not None else ""
        rows.append(
            [
                str(rank),
                item.instrument_id,
                risk.type if risk is not None else "",
                risk.book if risk is not None else "",
                currency,
                format_money(risk.dv01 if risk is not None else None, currency),
                format_money(item.abs_dv01_usd),
                format_money(risk.pv if risk is not None else None, currency),
            ]
        )
    return rows


def instrument_risk_html(risk: InstrumentRiskRecord | None) -> str:
    """One instrument's latest risk, or why there is none yet."""
    if risk is None:
        return message_html("stale", "No risk computed for this instrument yet: it shows on the next tick.")
    currency = risk.currency
    if not risk.ok:
        reason = risk.error or "no reason given"
        return message_html(
            "down", f"Pricing failed on the tick of {format_time(risk.market_time)}: {reason}"
        )
    cards = [
        _card("ir-pv", "PV", format_money(risk.pv, currency), risk.pv),
        _card("ir-dv01", "DV01 (per bp)", format_money(risk.dv01, currency), risk.dv01),
        _card("ir-gamma", "Gamma (1bp)", format_money(risk.gamma, currency, 2), risk.gamma),
        _card("ir-tick", "Market time", format_time(risk.market_time), risk.market_time),
    ]
    return f'<div class="cards">{"".join(cards)}</div>'
