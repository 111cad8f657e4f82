"""Typed Redis records (core.records): every record survives its hash, and a hash that does not hold the
record is refused naming the field."""

from __future__ import annotations

import json

import pytest

from core.records import (
    BookSummaryRecord,
    ByTypeRecord,
    CurveQuotesRecord,
    HistoryPointRecord,
    InstrumentRiskRecord,
    Kr01LadderRecord,
    RecordError,
)
from core.status_record import EngineStatusRecord, MarketStatus

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
LADDER = Kr01LadderRecord({"USD-UST/10Y": -800.0, "EUR-EURIBOR-6M/30Y": 1e-17, "USD-SOFR/1W": 0.1 + 0.2})
BY_TYPE = ByTypeRecord({"bond:pv": 1e9 / 3, "bond:dv01": -812.5, "swap:gamma": 0.3, "ois:dv01": 12.0})
QUOTES = CurveQuotesRecord({"ois/1W": 3.9, "ois/10Y": 2.55, "swap/10Y": 0.1 + 0.2})
POINT = HistoryPointRecord(
    seq=2**62 + 1,  # beyond a float's 53 bits: must come back exact
    market_time="2026-02-26T16:00:00-05:00",
    pv=1e9 / 3, dv01=-12_345.678, gamma=1.5, pnl_open=-0.1, pnl_predicted=0.2, pnl_residual=-0.3,
    n_pending=40,
)  # fmt: skip
STATUS = EngineStatusRecord(
    state="running", updated_at=1_795_971_743.082, shards=2, instruments=10_000, consumers=2,
    last_seq=2**62 + 3, last_market="EUR", last_market_time="2026-02-26T17:00:00+01:00",
    last_error="EUR tick seq 7: curve EUR-ESTR: no bootstrap", ticks_received=12, ticks_processed=10,
    ticks_conflated=1, ticks_rejected=1, ticks_dlq=0, ticks_duplicate=3, shard_retries=0,
    consumer_restarts=0, consumer_lag=4, curves=("EUR-ESTR", "EUR-EURIBOR-6M"),
    rejected_curves=("EUR-ESTR",), stale_markets=("EUR",), shard_compute_max_ms=12.25,
    latency_ms={"total_p95": 61.5, "shards_p50": 0.1 + 0.2, "latency_p95": 61.5},
    markets={"EUR": MarketStatus(7, "2026-02-26", "2026-02-26T17:00:00+01:00", 1_795_971_743.5),
             "USD": MarketStatus(seq=6)},
    per_consumer={"tick-consumer-1": {"ticks_received": 5.0, "seen_at": 1_795_971_743.25}},
)  # fmt: skip
RECORDS = [
    INSTRUMENT,
    SUMMARY,
    INSTRUMENT.__class__(**{**INSTRUMENT.__dict__, "cashflows": None, "ok": False, "error": "matured"}),
    LADDER,
    Kr01LadderRecord({}),
    BY_TYPE,
    QUOTES,
    POINT,
    STATUS,
    EngineStatusRecord(state="starting", shards=4, instruments=0),  # a partial update
    EngineStatusRecord(rejected_curves=(), stale_markets=()),  # cleared: written as empty
    EngineStatusRecord(),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: type(record).__name__)
def test_every_record_round_trips_through_its_hash(record: object) -> None:
    raw = record.to_hash()  # type: ignore[attr-defined]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items())  # what Redis stores
    assert type(record).from_hash(raw) == record  # type: ignore[attr-defined]


def test_a_partial_status_writes_only_its_fields_and_cleared_lists_as_empty() -> None:
    assert EngineStatusRecord(state="stopped").to_hash() == {"state": "stopped"}
    assert EngineStatusRecord(rejected_curves=()).to_hash() == {"rejected_curves": ""}
    raw = STATUS.to_hash()
    assert raw["ticks_received@tick-consumer-1"] == "5"  # a consumer's count stays a whole number
    assert (
        raw["seq_EUR"] == "7" and raw["total_p95_ms"] == "61.5" and raw["curves"] == "EUR-ESTR,EUR-EURIBOR-6M"
    )
    assert STATUS.latency("total", 95) == 61.5 and STATUS.latency("redis", 95) is None
    assert STATUS.consumer_fields() == ["ticks_received@tick-consumer-1", "seen_at@tick-consumer-1"]
    assert EngineStatusRecord().reported is False and STATUS.reported


def test_ladders_read_by_measure_and_history_points_know_partial_totals() -> None:
    assert BY_TYPE.measure("dv01") == {"bond": -812.5, "ois": 12.0}
    assert BY_TYPE.measure("gamma") == {"swap": 0.3}
    assert POINT.partial and not HistoryPointRecord(1, "t", 0, 0, 0, 0, 0, 0).partial


def test_a_status_field_of_the_wrong_kind_is_refused_and_an_unknown_one_only_when_strict() -> None:
    with pytest.raises(RecordError, match="'ticks_processed' is not a whole number"):
        EngineStatusRecord.from_hash({"ticks_processed": "1.5"})
    with pytest.raises(RecordError, match="'total_p95_ms' is not a number"):
        EngineStatusRecord.from_hash({"total_p95_ms": "fast"})
    with pytest.raises(RecordError, match="'seq_USD' is not a number"):
        EngineStatusRecord.from_hash({"seq_USD": "x"})
    newer = {"state": "running", "queue_depth": "3"}  # a field a newer engine writes
    assert EngineStatusRecord.from_hash(newer) == EngineStatusRecord(state="running")
    with pytest.raises(RecordError, match="unknown field 'queue_depth'"):
        EngineStatusRecord.from_fields(newer)
    assert EngineStatusRecord.from_fields({"ticks_processed": 3, "consumer_lag": 0}) == EngineStatusRecord(
        ticks_processed=3, consumer_lag=0
    )


def test_ladders_refuse_keys_outside_their_grammar_and_values_that_are_not_numbers() -> None:
    with pytest.raises(RecordError, match="'10Y' is not of the form CURVE/TENOR"):
        Kr01LadderRecord.from_hash({"10Y": "1.0"})
    with pytest.raises(RecordError, match="'bond:vega' is not of the form TYPE:MEASURE"):
        ByTypeRecord.from_hash({"bond:vega": "1.0"})
    with pytest.raises(RecordError, match="'ois/1W' is not a number"):
        CurveQuotesRecord.from_hash({"ois/1W": "n/a"})
    with pytest.raises(RecordError, match="'pv' missing"):
        HistoryPointRecord.from_hash({k: v for k, v in POINT.to_hash().items() if k != "pv"})
    older = {k: v for k, v in POINT.to_hash().items() if k != "n_pending"}  # written before n_pending
    assert HistoryPointRecord.from_hash(older).n_pending == 0


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
