"""The instrument browser (search, drill-down into terms, cashflows and risk) and the add-instrument forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import redis

from core.records import RecordError
from ui.api_client import ApiError, InstrumentApi
from ui.figures import build_kr01_figure
from ui.format import format_count, format_money, format_rate_pct, format_time
from ui.panels import instrument_risk_html, message_html
from ui.snapshot import read_instrument_risk

__all__ = [
    "CASHFLOW_HEADERS",
    "INSTRUMENT_HEADERS",
    "TERMS_HEADERS",
    "Catalog",
    "cashflow_rows",
    "instrument_rows",
    "search_params",
    "terms_rows",
]

INSTRUMENT_HEADERS = ["Id", "Type", "Ccy", "Notional / face", "Rate", "Maturity", "ISIN / index"]
TERMS_HEADERS = ["Field", "Value"]
CASHFLOW_HEADERS = ["Pay date", "Leg", "Amount", "Discount factor", "PV"]
#: A free-text search filters this many rows of the filtered listing (the API has no text search).
SEARCH_WINDOW = 1000


def search_params(
    *,
    kind: str,
    currency: str,
    book: str,
    maturity_from: str,
    maturity_to: str,
    sort: str,
    limit: int,
    offset: int,
) -> dict[str, str | int]:
    """Query parameters of ``GET /api/v1/instruments``; "any" and blanks are not sent."""
    params: dict[str, str | int] = {"limit": limit, "offset": offset, "sort": sort or "id"}
    optional = {
        "type": kind,
        "currency": currency,
        "book": book.strip(),
        "maturity_from": maturity_from.strip(),
        "maturity_to": maturity_to.strip(),
    }
    params.update({name: value for name, value in optional.items() if value and value != "any"})
    return params


def _size(item: Mapping[str, Any]) -> float | None:
    value = item.get("face", item.get("notional"))
    return float(value) if isinstance(value, int | float) else None


def instrument_rows(items: Sequence[Mapping[str, Any]], text: str = "") -> list[list[str]]:
    """Table rows, keeping only items whose id or ISIN contains ``text`` (case-insensitive)."""
    needle = text.strip().lower()
    rows = []
    for item in items:
        identifiers = f"{item.get('id', '')} {item.get('isin', '')}".lower()
        if needle and needle not in identifiers:
            continue
        currency = str(item.get("currency", ""))
        rate = item.get("coupon_pct", item.get("fixed_rate_pct"))
        rows.append(
            [
                str(item.get("id", "")),
                str(item.get("type", "")),
                currency,
                format_money(_size(item), currency),
                format_rate_pct(float(rate)) if isinstance(rate, int | float) else "",
                str(item.get("maturity_date", "")),
                str(item.get("isin") or item.get("float_index") or ""),
            ]
        )
    return rows


def terms_rows(terms: Mapping[str, Any]) -> list[list[str]]:
    """The instrument's terms as field/value rows, amounts with thousands separators, times (``*_at``) in
    the dashboard's one time format (:func:`ui.format.format_time`)."""
    rows = []
    for name, value in terms.items():
        if isinstance(value, float | int) and not isinstance(value, bool) and name in ("face", "notional"):
            text = format_money(float(value), str(terms.get("currency", "")))
        elif isinstance(value, float | int) and name.endswith("_pct"):
            text = format_rate_pct(float(value), 4)
        elif name == "derived":
            text = (
                "yes: terms set by a documented rule, no official record" if value else "no: official terms"
            )
        elif isinstance(value, str) and name.endswith("_at"):
            text = format_time(value)
        else:
            text = "" if value is None else str(value)
        rows.append([name, text])
    return rows


def _amount(row: Mapping[str, Any], name: str, decimals: int = 2) -> str:
    value = row.get(name)
    return f"{value:,.{decimals}f}" if isinstance(value, int | float) else ""


def cashflow_rows(cashflows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Rows of the projected cashflows the engine publishes with an instrument's risk."""
    return [
        [
            str(row.get("pay_date", "")),
            str(row.get("leg", "")),
            _amount(row, "amount"),
            _amount(row, "df", 6),
            _amount(row, "pv"),
        ]
        for row in cashflows
    ]


def _frame(rows: list[list[str]], headers: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers)


def _nothing_open(banner: str) -> tuple[pd.DataFrame, str, go.Figure, pd.DataFrame]:
    return _frame([], TERMS_HEADERS), banner, build_kr01_figure({}), _frame([], CASHFLOW_HEADERS)


class Catalog:
    """Handlers of the instruments tab and the add-instrument forms."""

    def __init__(self, api: InstrumentApi, client: redis.Redis) -> None:
        self.api = api
        self.client = client

    def search(
        self,
        text: str,
        kind: str,
        currency: str,
        book: str,
        maturity_from: str,
        maturity_to: str,
        sort: str,
        page: float | None,
        page_size: float | None,
    ) -> tuple[pd.DataFrame, str]:
        """The matching page and a line saying how many match."""
        size = int(page_size or 50)
        number = max(int(page or 1), 1)
        searching = bool(text.strip())
        params = search_params(
            kind=kind,
            currency=currency,
            book=book,
            maturity_from=maturity_from,
            maturity_to=maturity_to,
            sort=sort,
            limit=SEARCH_WINDOW if searching else size,
            offset=0 if searching else (number - 1) * size,
        )
        try:
            page_body = self.api.list_instruments(params)
        except ApiError as error:
            return _frame([], INSTRUMENT_HEADERS), message_html("down", str(error))
        items = page_body.get("items", [])
        total = int(page_body.get("total", len(items)))
        rows = instrument_rows(items, text)
        if searching:
            shown = rows[(number - 1) * size : number * size]
            note = f"{len(rows):,d} match '{text.strip()}' among the first {len(items):,d}"
        else:
            shown = rows
            pages = max((total + size - 1) // size, 1)
            note = f"page {number:,d} of {pages:,d}"
        summary = f'<p id="browser-count">{format_count(total)} instruments match the filters; {note}</p>'
        return _frame(shown, INSTRUMENT_HEADERS), summary

    def open(self, instrument_id: str) -> tuple[pd.DataFrame, str, go.Figure, pd.DataFrame]:
        """Terms (from the API), risk, its kr01 ladder and cashflows (from Redis) of one instrument."""
        instrument_id = instrument_id.strip()
        if not instrument_id:
            return _nothing_open(message_html("stale", "Pick an instrument."))
        try:
            terms = self.api.get_instrument(instrument_id)
        except ApiError as error:
            return _nothing_open(message_html("down", str(error)))
        if terms is None:
            return _nothing_open(
                message_html("down", f"No instrument {instrument_id!r} in the security master.")
            )
        try:
            risk = read_instrument_risk(self.client, instrument_id)
        except redis.RedisError as error:
            risk_html, risk = message_html("down", f"Redis is unreachable: {error}"), None
        except RecordError as error:
            risk_html, risk = message_html("down", f"The engine's risk record is unreadable: {error}"), None
        else:
            risk_html = instrument_risk_html(risk)
        kr01 = build_kr01_figure(
            risk.kr01 if risk else {}, f"KR01 of {instrument_id} (per bp, {terms.get('currency', '')})"
        )
        cashflows = _frame(cashflow_rows((risk.cashflows or ()) if risk else ()), CASHFLOW_HEADERS)
        return _frame(terms_rows(terms), TERMS_HEADERS), risk_html, kr01, cashflows

    def create(self, kind: str, payload: Mapping[str, Any], token: str) -> tuple[str, str]:
        """POST the form; returns the result banner and the new id (to open it), or "" on failure."""
        if not token.strip():
            return message_html("down", "Type the API token first: writes need it.", "add-message"), ""
        try:
            created = self.api.create("bonds" if kind == "bond" else "swaps", payload, token.strip())
        except ApiError as error:
            return message_html("down", f"Not created: {error}", "add-message"), ""
        new_id = str(created.get("id", ""))
        text = f"Created {created.get('type', kind)} {new_id}. Its risk shows on the next tick."
        return message_html("live", text, "add-message"), new_id
