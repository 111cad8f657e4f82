"""Headline, staleness and table rows from snapshot values, without Redis or a browser."""

from __future__ import annotations

from core.records import BookSummaryRecord, HistoryPointRecord, InstrumentRiskRecord
from core.status_record import EngineStatusRecord
from ui.api_client import describe_api_error
from ui.catalog import cashflow_rows, instrument_rows, search_params, terms_rows
from ui.forms import bond_payload, swap_payload
from ui.health import stale_reasons
from ui.live import history_rows
from ui.panels import contributor_rows, engine_health_html, headline_html, instrument_risk_html
from ui.snapshot import Contributor, parse_timestamp

NOW = 1_710_513_000.0
NO_STATUS = EngineStatusRecord()


def _summary(**fields: str) -> BookSummaryRecord:
    base = {"pv": "147791019.4", "dv01": "75941.2", "gamma": "159.48", "pnl_open": "37970", "seq": "41"}
    base |= {"market_time": "2024-03-15T14:30:00+00:00", "computed_at": str(NOW - 1), "n_ok": "4"}
    base |= {"pnl_predicted": "0", "pnl_residual": "0", "n_failed": "0", "n_pending": "0"}
    base |= {"as_of": "2024-03-15", "latency_ms": "12"}
    return BookSummaryRecord.from_hash(base | fields)


def test_headline_shows_formatted_numbers_with_raw_values() -> None:
    engine = EngineStatusRecord.from_hash({"latency_p95_ms": "23.75", "total_p95_ms": "23.75"})
    html = headline_html(_summary(pv_USD="1000", pv_EUR="-20"), engine, NOW, 30.0)
    assert 'id="hl-pv" data-value="147791019.4">USD 147,791,019<' in html
    assert ">USD +37,970<" in html and ">23.8 ms<" in html
    assert "EUR -20  USD 1,000" in html
    assert ">2024-03-15 14:30:00 UTC<" in html


def test_headline_banner_says_market_time_and_age_not_a_tick_number() -> None:
    html = headline_html(
        _summary(market_time="2024-03-15T10:30:00-04:00", seq="1795964616164450"), NO_STATUS, NOW, 30.0
    )
    assert "LIVE · market time 2024-03-15 14:30:00 UTC · 1.0 s ago" in html
    assert "1795964616164450" not in html.replace('data-value="', "").split("hl-market-time")[0]
    assert "1,795,964,616,164,450" not in html


def test_stale_reasons() -> None:
    fresh = _summary()
    assert stale_reasons(fresh, NO_STATUS, NOW, 30.0) == []
    assert stale_reasons(None, NO_STATUS, NOW, 30.0) == ["no risk has been published for this book yet"]
    old = stale_reasons(_summary(computed_at=str(NOW - 95)), NO_STATUS, NOW, 30.0)
    assert old == ["no tick for 1 min 35 s (limit 30 s)"]
    flagged = _summary(stale="1", stale_reason="USD market closed")
    rejected = EngineStatusRecord.from_hash({"rejected_curves": "EUR-ESTR, USD-UST"})
    assert stale_reasons(flagged, rejected, NOW, 30.0) == [
        "USD market closed",
        "curve EUR-ESTR rejected: its last tick failed",
        "curve USD-UST rejected: its last tick failed",
    ]
    assert 'data-state="stale"' in headline_html(flagged, rejected, NOW, 30.0)


def test_unreadable_records_are_reasons_not_to_trust_the_view() -> None:
    error = "risk:ALL:kr01: field 'USD-UST/2Y' is not a number: 'x'"
    assert stale_reasons(_summary(), NO_STATUS, NOW, 30.0, [error]) == [error]
    # an unreadable summary is not one that was never published: the error alone says why
    unreadable = "risk:ALL:summary: field 'pv' missing"
    assert stale_reasons(None, NO_STATUS, NOW, 30.0, [unreadable]) == [unreadable]
    html = headline_html(_summary(), NO_STATUS, NOW, 30.0, [error])
    assert 'data-state="stale"' in html and "is not a number: &#x27;x&#x27;" in html


def test_timestamps_are_unix_seconds_or_iso() -> None:
    assert parse_timestamp("1710513000.5") == 1710513000.5
    assert parse_timestamp("2024-03-15T14:30:00+00:00") == 1710513000.0
    assert parse_timestamp("soon") is None


def test_engine_health_and_contributors() -> None:
    html = engine_health_html(
        EngineStatusRecord.from_hash({"state": "running", "ticks_processed": "12345", "last_error": "x<y"})
    )
    assert ">12,345<" in html and "RUNNING" in html and "x&lt;y" in html
    assert 'data-state="down"' in engine_health_html(NO_STATUS)
    swap = _risk(id="IRS-1", type="swap", book="SWAPS", currency="EUR", dv01=-41276.0, pv=5.0)
    top = Contributor("IRS-1", 41276.0, swap)
    gone = Contributor("B9", 12.0, None)  # its row was removed (or unreadable) since the ranking
    assert contributor_rows([top, gone]) == [
        ["1", "IRS-1", "swap", "SWAPS", "EUR", "EUR -41,276", "USD 41,276", "EUR 5"],
        ["2", "B9", "", "", "", "—", "USD 12", "—"],
    ]


def _risk(**fields: object) -> InstrumentRiskRecord:
    base: dict[str, object] = dict(
        id="B1", book="GOVT", type="bond", currency="USD", ok=True, error="", pv=100.0, dv01=7.5,
        gamma=0.1, kr01={"USD-UST/2Y": 7.5}, seq=3, market_time="2024-03-15T10:30:00-04:00",
    )  # fmt: skip
    return InstrumentRiskRecord(**(base | fields))  # type: ignore[arg-type]


def test_instrument_risk_and_its_failure() -> None:
    risk = _risk()
    assert ">USD 8<" in instrument_risk_html(risk) and risk.kr01 == {"USD-UST/2Y": 7.5}
    failed = _risk(ok=False, error="curve missing", pv=0.0, dv01=0.0, kr01={})
    assert "Pricing failed on the tick of 2024-03-15 14:30:00 UTC: curve missing" in instrument_risk_html(
        failed
    )
    assert "next tick" in instrument_risk_html(None)


def test_history_rows_newest_first_times_in_utc_partial_totals_named() -> None:
    points = [
        HistoryPointRecord(seq, f"2024-03-15T1{seq}:00:00+01:00", 1000.0 * seq, 0, 0, 0, 0, 0, pending)
        for seq, pending in ((1, 40), (2, 0), (3, 0))
    ]
    assert [row[0] for row in history_rows(points, limit=2)] == [
        "2024-03-15 12:00:00 UTC",
        "2024-03-15 11:00:00 UTC",
    ]
    assert history_rows(points)[0][2] == "USD 3,000"
    assert [row[1] for row in history_rows(points)] == ["all", "all", "partial"]


def test_browser_rows_search_and_terms() -> None:
    items = [
        {
            "id": "UST-1",
            "type": "bond",
            "currency": "USD",
            "face": 1e6,
            "coupon_pct": 4.0,
            "isin": "US91282CJZ59",
            "maturity_date": "2034-02-15",
        },
        {
            "id": "IRS-1",
            "type": "swap",
            "currency": "EUR",
            "notional": 1e7,
            "fixed_rate_pct": 3.1,
            "float_index": "EURIBOR6M",
            "maturity_date": "2033-06-20",
        },
    ]
    assert instrument_rows(items, "91282") == [
        ["UST-1", "bond", "USD", "USD 1,000,000", "4.000%", "2034-02-15", "US91282CJZ59"]
    ]
    assert len(instrument_rows(items)) == 2
    assert ["notional", "EUR 10,000,000"] in terms_rows(items[1])
    stamped = terms_rows({"created_at": "2026-02-02T14:12:00.123456-05:00", "updated_at": None})
    assert stamped == [["created_at", "2026-02-02 19:12:00 UTC"], ["updated_at", ""]]
    params = search_params(
        kind="any",
        currency="EUR",
        book=" ",
        maturity_from="",
        maturity_to="2030-01-01",
        sort="id",
        limit=50,
        offset=0,
    )
    assert params == {"limit": 50, "offset": 0, "sort": "id", "currency": "EUR", "maturity_to": "2030-01-01"}
    assert cashflow_rows([{"pay_date": "2025-02-15", "leg": "fixed", "amount": 20625.0}]) == [
        ["2025-02-15", "fixed", "20,625.00", "", ""]
    ]


def test_form_payloads_leave_blanks_to_the_api() -> None:
    bond = bond_payload(
        instrument_id=" ",
        isin="US91282CJZ59",
        currency="USD",
        face=1e6,
        coupon_pct=4.0,
        frequency="semiannual",
        day_count="ACT/ACT-ICMA",
        issue_date="2024-02-15",
        maturity_date="2034-02-15",
        discount_curve="USD-UST",
        book="",
    )
    assert "id" not in bond and "book" not in bond and bond["type"] == "bond"
    common = {
        "instrument_id": None,
        "currency": "USD",
        "notional": 1e7,
        "side": "receive_fixed",
        "fixed_rate_pct": 4.0,
        "start_date": "2024-03-19",
        "maturity_date": "2029-03-19",
        "fixed_frequency": "annual",
        "fixed_day_count": "ACT/360",
        "float_index": "SOFR",
        "float_spread_bp": 5.0,
        "discount_curve": "USD-SOFR",
        "forecast_curve": "USD-SOFR",
        "book": "SWAPS",
    }
    ois = swap_payload(kind="ois", **common)
    assert ois["type"] == "ois" and "float_spread_bp" not in ois and "forecast_curve" not in ois
    assert swap_payload(kind="swap", **common)["float_spread_bp"] == 5.0


def test_api_errors_name_the_field() -> None:
    detail = {"detail": [{"loc": ["body", "isin"], "msg": "bad check digit", "type": "value_error"}]}
    assert describe_api_error(422, detail) == "422: isin: bad check digit"
    assert describe_api_error(409, {"detail": "duplicate ISIN"}) == "409: duplicate ISIN"
    assert describe_api_error(401, None).startswith("401: the API token is required")
