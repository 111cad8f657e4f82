"""The limits panel, the breach banner, the alert history and the what-if preview (issue 17).

Limits and alerts come over HTTP (``/api/v1/books/{book}/limits``, ``/api/v1/alerts``); the live values
they are checked against come from Redis (the book's summary and KR01 ladder), with the same rule the
engine's limit monitor applies (:func:`core.limits.check_limits`). Each bar carries its utilisation in
``data-value`` and its level in ``data-level`` (``ok`` green, ``warning`` amber, ``breach`` red).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, cast

import pandas as pd
import redis

from core.keys import book_kr01_key, book_summary_key
from core.limits import BookRisk, Limit, LimitCheck, check_limits
from core.records import BookSummaryRecord, Kr01LadderRecord, RecordError
from ui.api_client import ApiError, InstrumentApi
from ui.format import format_money

__all__ = [
    "ALERT_HEADERS",
    "LIMITS_CSS",
    "LimitsView",
    "alert_rows",
    "banner_html",
    "limits_html",
    "preview_html",
    "updated_limits",
]

ALERT_HEADERS = ["Market time", "Book", "Measure", "Event", "Value USD", "Limit USD", "Utilisation", "Tick"]
_COLOURS = {"ok": "#2da44e", "warning": "#d4a72c", "breach": "#cf222e"}

LIMITS_CSS = """
.limit-row { display: flex; align-items: center; gap: 10px; margin: 4px 0;
  font-variant-numeric: tabular-nums; }
.limit-row .name { flex: 0 0 220px; font-weight: 600; }
.limit-row .bar { flex: 1 1 auto; height: 14px; background: #eaeef2; border-radius: 7px; overflow: hidden; }
.limit-row .fill { height: 100%; }
.limit-row .figures { flex: 0 0 300px; font-size: 13px; color: #57606a; }
.alert-banner { border-radius: 8px; padding: 8px 12px; margin-bottom: 8px; font-weight: 600;
  background: #ffebe9; color: #a40e26; border: 1px solid #ff8182; }
.preview table { border-collapse: collapse; }
.preview td, .preview th { padding: 2px 10px; text-align: right; }
.preview th:first-child, .preview td:first-child { text-align: left; }
.error { color: #a40e26; }
"""


def _slug(key: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in key.lower())


def _limit(book: str, raw: Mapping[str, Any]) -> Limit:
    return Limit(
        book, raw["measure"], float(raw["limit"]), raw.get("warning_pct"), raw.get("curve"), raw.get("tenor")
    )


def limits_html(book: str, checks: Sequence[LimitCheck]) -> str:
    """One utilisation bar per alert key of the book's limits."""
    if not checks:
        return f'<div id="limits-panel"><p>No limits on book {escape(book)}. Add one below.</p></div>'
    rows = []
    for check in checks:
        width = min(check.utilisation, 1.0) * 100.0
        rows.append(
            f'<div class="limit-row" id="limit-{_slug(check.key)}" data-level="{check.level}" '
            f'data-value="{check.utilisation!r}">'
            f'<span class="name">{escape(check.key)}</span>'
            f'<span class="bar"><span class="fill" style="display:block;width:{width:.1f}%;'
            f'background:{_COLOURS[check.level]}"></span></span>'
            f'<span class="figures">{format_money(check.value)} of {format_money(check.limit)} '
            f"({check.utilisation * 100:.1f} %) {check.level.upper()}</span></div>"
        )
    return f'<div id="limits-panel">{"".join(rows)}</div>'


def banner_html(book: str, alerts: Sequence[Mapping[str, Any]]) -> str:
    """A red banner naming every alert key whose last event is a breach, with its market time."""
    last: dict[tuple[str, str], Mapping[str, Any]] = {}
    for alert in alerts:
        last[(alert["book"], alert["measure"])] = alert
    open_breaches = [a for a in last.values() if a["kind"] == "breach"]
    if not open_breaches:
        return '<div id="breach-banner" data-breaches="0"></div>'
    items = "; ".join(
        f"{escape(a['measure'])} of {escape(a['book'])} at {a['utilisation'] * 100:.0f} % of its limit "
        f"since {escape(str(a['market_time']))}"
        for a in open_breaches
    )
    return (
        f'<div id="breach-banner" data-breaches="{len(open_breaches)}" class="alert-banner">'
        f"LIMIT BREACH ({escape(book)}): {items}</div>"
    )


def alert_rows(alerts: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The history table, newest first."""
    return [
        [
            str(a["market_time"]),
            a["book"],
            a["measure"],
            a["kind"].upper(),
            format_money(a["value"]),
            format_money(a["limit"]),
            f"{a['utilisation'] * 100:.1f} %",
            str(a["seq"]),
        ]
        for a in reversed(alerts)
    ]


def updated_limits(
    current: Sequence[Mapping[str, Any]],
    measure: str,
    curve: str | None,
    tenor: str | None,
    limit: float | None,
    warning_pct: float | None,
) -> list[dict[str, Any]]:
    """The book's limits with the one of (measure, curve, tenor) set to ``limit`` (None: removed)."""
    curve = curve or None
    tenor = (tenor or "").strip() or None
    kept = [
        {k: item[k] for k in ("measure", "limit", "warning_pct", "curve", "tenor") if item.get(k) is not None}
        for item in current
        if (item["measure"], item.get("curve"), item.get("tenor")) != (measure, curve, tenor)
    ]
    if limit is not None:
        new: dict[str, Any] = {"measure": measure, "limit": limit}
        new.update({k: v for k, v in (("warning_pct", warning_pct), ("curve", curve), ("tenor", tenor)) if v})
        kept.append(new)
    return kept


def preview_html(answer: Mapping[str, Any]) -> str:
    """The what-if answer: each trade's risk, the book's totals before and after, the limits it breaches."""
    rows = []
    for trade in answer["trades"]:
        if not trade["ok"]:
            rows.append(f'<p class="error">{escape(str(trade["id"]))}: {escape(str(trade["error"]))}</p>')
            continue
        rows.append(
            f"<tr><td>{escape(str(trade['id']))} ({escape(trade['currency'])})</td>"
            f'<td id="pv-trade-pv" data-value="{trade["pv"]!r}">'
            f"{format_money(trade['pv'], trade['currency'])}</td>"
            f'<td id="pv-trade-dv01" data-value="{trade["dv01"]!r}">'
            f"{format_money(trade['dv01'], trade['currency'])}</td>"
            f"<td>{format_money(trade['gamma'], trade['currency'], decimals=2)}</td></tr>"
        )
    trades = "<tr><th>Trade</th><th>PV</th><th>DV01</th><th>Gamma</th></tr>" + "".join(
        r for r in rows if r.startswith("<tr>")
    )
    errors = "".join(r for r in rows if not r.startswith("<tr>"))
    books = []
    for name, pair in answer["books"].items():
        before, after = pair["before"], pair["after"]
        books.append(
            f"<tr><td>{escape(name)}</td><td>{format_money(before['dv01'])}</td>"
            f'<td id="pv-{_slug(name)}-dv01-after" data-value="{after["dv01"]!r}">'
            f"{format_money(after['dv01'])}</td>"
            f"<td>{format_money(before['pv'])}</td><td>{format_money(after['pv'])}</td></tr>"
        )
    book_table = (
        "<tr><th>Book</th><th>DV01 before</th><th>DV01 after</th><th>PV before</th><th>PV after</th></tr>"
        + "".join(books)
    )
    breaches = answer["breaches"]
    verdict = (
        '<p id="pv-breaches" class="error" data-value="{n}">Would breach: {items}</p>'.format(
            n=len(breaches),
            items="; ".join(
                f"{escape(b['measure'])} of {escape(b['book'])} ({b['utilisation_after'] * 100:.0f} %)"
                for b in breaches
            ),
        )
        if breaches
        else '<p id="pv-breaches" data-value="0">No limit would breach.</p>'
    )
    markets = ", ".join(f"{m} tick {v['seq']} ({v['market_time']})" for m, v in answer["markets"].items())
    return (
        f'<div class="preview" id="preview-answer"><p>Priced on the live market: {escape(markets)}. '
        f"Nothing was saved.</p>{errors}<table>{trades}</table><table>{book_table}</table>{verdict}</div>"
    )


class LimitsView:
    """What the Limits tab and the breach banner show for one book."""

    def __init__(self, api: InstrumentApi, client: redis.Redis) -> None:
        self.api = api
        self.redis = client

    def _risk(self, book: str) -> BookRisk | None:
        """The book's live risk from its records, None before its first tick; raises
        :class:`core.records.RecordError` when a hash does not hold its record."""
        raw = cast(dict[str, str], self.redis.hgetall(book_summary_key(book)))
        if not raw:
            return None
        summary = BookSummaryRecord.from_hash(raw)
        ladder = Kr01LadderRecord.from_hash(cast(dict[str, str], self.redis.hgetall(book_kr01_key(book))))
        return BookRisk(summary.dv01, summary.gamma, summary.pnl_open, dict(ladder.kr01))

    def refresh(self, book: str) -> tuple[str, str, pd.DataFrame]:
        """(limits panel, breach banner, alert history table) of ``book``."""
        try:
            raw = self.api.get_limits(book)
            alerts = self.api.alerts(book)
        except ApiError as error:
            message = f'<div id="limits-panel"><p class="error">{escape(str(error))}</p></div>'
            empty = pd.DataFrame([], columns=ALERT_HEADERS)
            return message, '<div id="breach-banner" data-breaches="0"></div>', empty
        table = pd.DataFrame(alert_rows(alerts), columns=ALERT_HEADERS)
        try:
            risk = self._risk(book) or BookRisk(0.0, 0.0, 0.0, {})
        except RecordError as error:
            message = f"Limits not checked: the engine's risk record is unreadable: {error}"
            panel = f'<div id="limits-panel"><p class="error">{escape(message)}</p></div>'
            return panel, '<div id="breach-banner" data-breaches="0"></div>', table
        checks = check_limits(book, risk, [_limit(book, item) for item in raw])
        limited = {check.key for check in checks}  # a limit removed since its breach no longer bans
        banner = banner_html(book, [a for a in alerts if a["measure"] in limited])
        return limits_html(book, checks), banner, table

    def save(
        self,
        book: str,
        token: str,
        measure: str,
        curve: str | None,
        tenor: str | None,
        limit: float | None,
        warning_pct: float | None,
    ) -> str:
        """Set (or, with no limit, remove) one limit of the book through the API; the outcome as HTML."""
        try:
            current = self.api.get_limits(book)
            wanted = updated_limits(current, measure, curve, tenor, limit, warning_pct)
            self.api.put_limits(book, wanted, token)
        except ApiError as error:
            return f'<p id="limit-result" class="error">{escape(str(error))}</p>'
        done = "removed" if limit is None else f"set to {format_money(limit)}"
        return (
            f'<p id="limit-result">Limit {escape(measure)} of {escape(book)} {done}; '
            "applies from the next tick.</p>"
        )

    def preview(self, trade: Mapping[str, Any]) -> str:
        try:
            return preview_html(self.api.whatif([trade]))
        except ApiError as error:
            return f'<div class="preview" id="preview-answer"><p class="error">{escape(str(error))}</p></div>'
