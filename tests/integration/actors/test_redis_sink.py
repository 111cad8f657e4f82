"""The aggregator's Redis transaction against a real Redis: layout, market-position guard, outage retry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from structlog.testing import capture_logs

from actors.ordering import Position
from actors.partials import BookSums, InstrumentRisk
from actors.pnl import PnlExplain
from actors.redis_sink import (
    PositionRowWriter,
    RedisRiskWriter,
    RedisUnavailable,
    TickUpdate,
    stored_order,
)
from core.config import Settings
from core.records import (
    BookSummaryRecord,
    ByTypeRecord,
    CurveQuotesRecord,
    HistoryPointRecord,
    InstrumentRiskRecord,
    Kr01LadderRecord,
)
from core.status_record import EngineStatusRecord
from ui.snapshot import read_snapshot

TEST_DB = 6


@pytest.fixture
def writer(settings: Settings) -> Iterator[RedisRiskWriter]:
    url = f"redis://{settings.host}:{settings.redis_port}/{TEST_DB}"
    w = RedisRiskWriter(url, history_maxlen=100)
    w.client.flushdb()
    yield w
    w.client.flushdb()


def _at(second: int, session: int = 0, day: int = 15) -> Position:
    return Position(session, date(2024, 3, day), datetime(2024, 3, day, 10, 0, second), offset=second)


def _update(seq: int, pv: float, kr01: dict[str, float], position: Position | None = None) -> TickUpdate:
    sums = BookSums(pv=pv, dv01=sum(kr01.values()), gamma=0.5, n_ok=1)
    sums.kr01.update(kr01)
    sums.by_type["bond:pv"] = pv
    sums.pv_by_currency["USD"] = pv
    record = InstrumentRiskRecord("B1", "GOVT", "bond", "USD", True, "", pv, sums.dv01, 0.5, kr01, seq, "t")
    risk = InstrumentRisk(record, sums.dv01)
    return TickUpdate(
        seq=seq,
        market="USD",
        as_of="2024-03-15",
        market_time="2024-03-15T10:00:00",
        latency_ms=12.5,
        books={"GOVT": sums, "ALL": sums},
        pnl={"ALL": PnlExplain(1.0, 0.75, 0.25)},
        changed=[risk],
        removed=[],
        curves_now={"USD-UST": {"par_bond/2Y": 4.6}},
        derived=["USD-SOFR/ois/10Y"],
        status=EngineStatusRecord(ticks_processed=seq),
        position=position or _at(seq),
    )


@pytest.mark.redis
def test_one_tick_writes_the_documented_layout(writer: RedisRiskWriter) -> None:
    assert writer.write(_update(5, 100.0, {"USD-UST/2Y": 1.0, "USD-UST/10Y": 2.0})) is True
    r = writer.client
    summary = r.hgetall("risk:ALL:summary")
    assert float(summary["pv"]) == 100.0 and summary["seq"] == "5" and summary["stale"] == "0"
    assert float(summary["pnl_residual"]) == 0.25 and float(summary["pv_USD"]) == 100.0
    assert r.hgetall("risk:GOVT:kr01") == {"USD-UST/2Y": "1.0", "USD-UST/10Y": "2.0"}
    assert r.hgetall("risk:GOVT:by_type") == {"bond:pv": "100.0"}
    assert json.loads(r.hget("risk:instr:B1", "kr01") or "{}") == {"USD-UST/2Y": 1.0, "USD-UST/10Y": 2.0}
    assert r.zscore("risk:ALL:dv01_rank", "B1") == 3.0
    assert r.smembers("risk:books") == {"GOVT", "ALL"}
    assert r.hgetall("market:USD-UST:now") == {"par_bond/2Y": "4.6"}
    assert r.sismember("market:derived", "USD-SOFR/ois/10Y")
    assert r.xlen("risk:ALL:history") == 1
    assert r.hget("engine:status", "ticks_processed") == "5"


@pytest.mark.redis
def test_every_hash_written_reads_back_through_its_record(writer: RedisRiskWriter) -> None:
    update = _update(5, 100.0, {"USD-UST/2Y": 1.0, "USD-UST/10Y": 2.0})
    assert writer.write(update) is True
    r = writer.client
    summary = BookSummaryRecord.from_hash(r.hgetall("risk:GOVT:summary"))  # type: ignore[arg-type]
    assert (summary.pv, summary.seq, summary.n_ok, summary.stale) == (100.0, 5, 1, False)
    assert summary.pv_by_currency == {"USD": 100.0}
    ladder = Kr01LadderRecord.from_hash(r.hgetall("risk:GOVT:kr01"))  # type: ignore[arg-type]
    assert ladder.kr01 == update.books["GOVT"].kr01
    assert ByTypeRecord.from_hash(r.hgetall("risk:GOVT:by_type")).measure("pv") == {"bond": 100.0}  # type: ignore[arg-type]
    ((_id, entry),) = r.xrange("risk:GOVT:history")
    point = HistoryPointRecord.from_hash(entry)
    assert (point.seq, point.pv, point.dv01, point.pnl_residual, point.partial) == (5, 100.0, 3.0, 0.0, False)
    assert InstrumentRiskRecord.from_hash(r.hgetall("risk:instr:B1")) == update.changed[0].record  # type: ignore[arg-type]
    assert CurveQuotesRecord.from_hash(r.hgetall("market:USD-UST:now")).quotes == {"par_bond/2Y": 4.6}  # type: ignore[arg-type]
    assert EngineStatusRecord.from_hash(r.hgetall("engine:status")) == EngineStatusRecord(ticks_processed=5)  # type: ignore[arg-type]
    # and the dashboard's read of it all, with nothing unreadable
    snapshot = read_snapshot(r, "GOVT")
    assert snapshot.errors == () and snapshot.summary == summary and snapshot.kr01 == ladder.kr01
    assert [c.risk for c in snapshot.contributors] == [update.changed[0].record]
    assert snapshot.history == (point,) and snapshot.dv01_by_book == {"ALL": 3.0, "GOVT": 3.0}


@pytest.mark.redis
def test_a_rejected_tick_flags_the_books_with_risk_and_creates_no_summary(writer: RedisRiskWriter) -> None:
    r = writer.client
    writer.write_stale("EUR tick seq 1: no curve", EngineStatusRecord(stale_markets=("EUR",)))
    assert r.exists("risk:ALL:summary") == 0  # no half summary of two flags before any risk
    assert r.hget("engine:status", "stale_markets") == "EUR"
    assert writer.write(_update(5, 100.0, {"USD-UST/2Y": 1.0})) is True
    before = BookSummaryRecord.from_hash(r.hgetall("risk:ALL:summary"))  # type: ignore[arg-type]
    writer.write_stale("EUR tick seq 6: no curve", EngineStatusRecord(last_error="EUR tick seq 6: no curve"))
    for book in ("ALL", "GOVT"):
        after = BookSummaryRecord.from_hash(r.hgetall(f"risk:{book}:summary"))  # type: ignore[arg-type]
        assert (after.stale, after.stale_reason) == (True, "EUR tick seq 6: no curve")
        assert after.pv == before.pv and after.seq == before.seq  # the last good risk is kept
    # a summary that does not hold its record is left as it is, the others are flagged
    r.hdel("risk:GOVT:summary", "pv")
    writer.write_stale("EUR tick seq 7: no curve", EngineStatusRecord())
    assert r.hget("risk:ALL:summary", "stale_reason") == "EUR tick seq 7: no curve"
    assert r.hget("risk:GOVT:summary", "stale_reason") == "EUR tick seq 6: no curve"
    snapshot = read_snapshot(r, "GOVT")
    assert snapshot.summary is None
    assert snapshot.errors == ("risk:GOVT:summary: field 'pv' missing",)


@pytest.mark.redis
def test_stale_and_duplicate_ticks_never_overwrite(writer: RedisRiskWriter) -> None:
    assert writer.write(_update(7, 200.0, {"USD-UST/2Y": 1.0})) is True
    assert writer.write(_update(6, 999.0, {"USD-UST/5Y": 9.0})) is False  # earlier market time
    assert writer.write(_update(7, 999.0, {"USD-UST/5Y": 9.0})) is False  # the same tick, redelivered
    # a huge seq from another producer is no newer for it: the market's position decides
    assert writer.write(_update(10**15, 999.0, {"USD-UST/5Y": 9.0}, _at(7))) is False
    r = writer.client
    assert float(r.hget("risk:ALL:summary", "pv") or "nan") == 200.0
    assert r.hgetall("risk:GOVT:kr01") == {"USD-UST/2Y": "1.0"}
    assert r.xlen("risk:ALL:history") == 1
    assert stored_order(r).positions["USD"] == _at(7)
    # a newer tick replaces pillars rather than merging them
    assert writer.write(_update(8, 201.0, {"USD-UST/5Y": 3.0})) is True
    assert r.hgetall("risk:GOVT:kr01") == {"USD-UST/5Y": "3.0"}
    # an earlier day is written only in a new session
    assert writer.write(_update(9, 50.0, {}, _at(9, session=0, day=14))) is False
    assert writer.write(_update(9, 50.0, {}, _at(9, session=1, day=14))) is True
    assert float(r.hget("risk:ALL:summary", "pv") or "nan") == 50.0


def test_outage_is_retried_with_backoff_logged_then_reported() -> None:
    sleeps: list[float] = []
    dead = RedisRiskWriter("redis://127.0.0.1:1/0", max_wait_s=1.0, sleep=sleeps.append)
    with capture_logs() as logs, pytest.raises(RedisUnavailable, match="seq 3"):
        dead.write(_update(3, 1.0, {}))
    assert len(sleeps) >= 3
    assert sleeps[:3] == [0.05, 0.1, 0.2]
    assert dead.retries == len(sleeps)
    # the wait is never silent: logged at the first failure (then at most every WAIT_LOG_S)
    waiting = [e for e in logs if e["event"] == "still waiting"]
    assert waiting and waiting[0]["waiting_for"] == "Redis, writing seq 3"
    assert "ConnectionError" in waiting[0]["reason"]


@pytest.mark.redis
def test_an_engine_on_the_same_feed_keeps_the_order_and_day_another_feed_starts_afresh(
    writer: RedisRiskWriter,
) -> None:
    from actors.kafka_io import EngineTopics
    from actors.redis_sink import begin_feed

    r = writer.client
    feed = EngineTopics(curves="market.curves.a", group="risk-engine-a")
    assert begin_feed(r, feed) is False  # the first engine on this Redis
    r.hset("engine:order", "USD", _at(1).to_json())
    r.hset("engine:day", mapping={"rev": "1", "day:USD": "0:2024-03-15"})
    assert begin_feed(r, feed) is True
    assert r.hget("engine:day", "rev") == "1" and stored_order(r).positions["USD"] == _at(1)
    assert begin_feed(r, EngineTopics(curves="market.curves.b", group="risk-engine-a")) is False
    assert r.exists("engine:order", "engine:day") == 0
    assert r.hgetall("engine:feed") == {"topic": "market.curves.b", "group": "risk-engine-a"}


@pytest.mark.redis
def test_a_row_batch_that_fails_is_reported_and_the_rows_writer_goes_on(writer: RedisRiskWriter) -> None:
    url = writer.client.connection_pool.connection_kwargs
    rows = PositionRowWriter(f"redis://{url['host']}:{url['port']}/{TEST_DB}", shard=0)
    good = _update(12, 10.0, {"USD-UST/2Y": 1.0}).changed
    with capture_logs() as logs:
        rows.submit(11, [object()], [])  # type: ignore[list-item]  # a row that cannot be written
        rows.submit(12, good, [])
        assert rows.flush()
    rows.close()
    dropped = [e for e in logs if e["event"].startswith("position rows not written")]
    assert [(e["seq"], e["shard"]) for e in dropped] == [(11, "shard-0")]
    assert "AttributeError" in dropped[0]["error"]
    assert writer.client.hget("risk:instr:B1", "seq") == "12"  # the next batch still went
    assert writer.client.hget("engine:rows", "shard-0") == "12"
