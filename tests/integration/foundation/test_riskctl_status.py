"""`riskctl status` on a real Redis: the engine's records read as readable lines, and a hash that does not
hold its record named with its field (exit 1), not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from core.config import PROJECT_ROOT, Settings
from core.keys import ENGINE_STATUS, book_summary_key
from core.records import BookSummaryRecord
from core.status_record import EngineStatusRecord, MarketStatus

pytestmark = [pytest.mark.redis]

STATUS_REDIS_DB = 14  # a database of its own, flushed around each test
RISKCTL = str(Path(sys.executable).parent / "riskctl")
SUMMARY = BookSummaryRecord(
    pv=1.5e6, dv01=-250.0, gamma=0.5, pnl_open=10.0, pnl_predicted=9.0, pnl_residual=1.0, n_ok=3,
    n_failed=1, n_pending=0, seq=41, market="USD", market_time="2026-02-02T10:00:00-05:00",
    as_of="2026-02-02", computed_at=1_795_971_743.0, latency_ms=61.0, stale=False,
)  # fmt: skip
STATUS = EngineStatusRecord(
    state="running", shards=2, instruments=4, updated_at=1_795_971_743.0, ticks_processed=12,
    latency_ms={"total_p95": 61.5}, markets={"USD": MarketStatus(41, "2026-02-02")},
)  # fmt: skip


@pytest.fixture
def client(settings: Settings) -> Iterator[redis.Redis]:
    url = settings.model_copy(update={"redis_db": STATUS_REDIS_DB}).redis_url
    with redis.Redis.from_url(url, decode_responses=True) as connection:
        connection.flushdb()
        yield connection
        connection.flushdb()


def _status() -> subprocess.CompletedProcess[str]:
    env = os.environ | {"RISK_REDIS_DB": str(STATUS_REDIS_DB)}
    return subprocess.run(
        [RISKCTL, "status"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_status_reads_the_records_and_names_one_that_does_not_hold(client: redis.Redis) -> None:
    client.hset(ENGINE_STATUS, mapping=STATUS.to_hash())  # type: ignore[arg-type]
    client.hset(book_summary_key("ALL"), mapping=SUMMARY.to_hash())  # type: ignore[arg-type]
    shown = _status()
    assert shown.returncode == 0, shown.stderr
    assert "processed 12" in shown.stdout and "USD 2026-02-02 seq 41" in shown.stdout
    assert "p95 61.50 ms" in shown.stdout and "PV 1,500,000.00 USD" in shown.stdout
    client.hset(book_summary_key("ALL"), "n_ok", "three")
    broken = _status()
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "unreadable risk:ALL:summary: field 'n_ok' is not a number: 'three'" in broken.stdout
    assert "processed 12" in broken.stdout  # what could be read is still shown
