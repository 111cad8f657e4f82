"""Typed Redis records (core.records): every record survives its hash, and a hash that does not hold the
record is refused naming the field."""

from __future__ import annotations

import json

import pytest

from core.records import BookSummaryRecord, InstrumentRiskRecord, RecordError

INSTRUMENT = InstrumentRiskRecord(
    id="UST-10Y",
    book="GOVT",
    type="bond",
    currency="USD",
    ok=True,
    error="",
    pv=-1_234_567.891011,
    dv01=-812.345678901234,
    gamma=0.1 + 0.2,  # not exactly 0.3: the hash must keep every bit
    kr01={"USD-UST/10Y": -800.0, "USD-UST/7Y": -12.345678901234567},
    seq=42,
    market_time="2026-02-26T16:00:00-05:00",
    cashflows=({"pay_date": "2026-08-15", "leg": "fixed", "amount": 20_000.0, "df": 0.98, "pv": 19_600.0},),
)
SUMMARY = BookSummaryRecord(
    pv=1e9 / 3,
    dv01=-12_345.678,
    gamma=1.5,
    pnl_open=-0.1,
    pnl_predicted=0.2,
    pnl_residual=-0.30000000000000004,
    n_ok=9_998,
    n_failed=2,
    n_pending=0,
    seq=10_000_000_001,
    market="EUR",
    market_time="2026-02-26T17:00:00+01:00",
    as_of="2026-02-26",
    computed_at=1_795_971_743.082,
    latency_ms=61.5,
    stale=True,
    stale_reason="USD tick seq 7: curve USD-UST quote swaption/5Y: unknown instrument",
    pv_by_currency={"USD": 2e8, "EUR": 1.2e8},
)


@pytest.mark.parametrize(
    "record",
    [
        INSTRUMENT,
        SUMMARY,
        INSTRUMENT.__class__(**{**INSTRUMENT.__dict__, "cashflows": None, "ok": False, "error": "matured"}),
    ],
)
def test_every_record_round_trips_through_its_hash(record: InstrumentRiskRecord | BookSummaryRecord) -> None:
    raw = record.to_hash()
    assert all(isinstance(v, str) for v in raw.values())  # what Redis stores
    assert type(record).from_hash(raw) == record


def test_typed_json_has_numbers_booleans_and_objects() -> None:
    body = json.loads(json.dumps(INSTRUMENT.to_json()))
    assert body["ok"] is True and isinstance(body["pv"], float) and body["seq"] == 42
    assert body["kr01"] == {"USD-UST/10Y": -800.0, "USD-UST/7Y": -12.345678901234567}
    assert body["cashflows"][0]["leg"] == "fixed"
    summary = json.loads(json.dumps(SUMMARY.to_json()))
    assert summary["stale"] is True and summary["n_ok"] == 9_998
    assert summary["pv_by_currency"] == {"USD": 2e8, "EUR": 1.2e8}


def test_a_hash_that_is_not_the_record_is_refused_naming_the_field() -> None:
    raw = INSTRUMENT.to_hash()
    with pytest.raises(RecordError, match="'pv' missing"):
        InstrumentRiskRecord.from_hash({k: v for k, v in raw.items() if k != "pv"})
    with pytest.raises(RecordError, match="'dv01' is not a number"):
        InstrumentRiskRecord.from_hash({**raw, "dv01": "n/a"})
    with pytest.raises(RecordError, match="'ok' must be 0 or 1"):
        InstrumentRiskRecord.from_hash({**raw, "ok": "yes"})
    with pytest.raises(RecordError, match="kr01"):
        InstrumentRiskRecord.from_hash({**raw, "kr01": "[1, 2]"})
    with pytest.raises(RecordError, match="'as_of' missing"):
        BookSummaryRecord.from_hash({k: v for k, v in SUMMARY.to_hash().items() if k != "as_of"})
