"""/metrics exports the engine's latency percentiles and tick counters from engine:status."""

from __future__ import annotations

from prometheus_client import generate_latest

from core.status_record import EngineStatusRecord
from serve_app import _Metrics


def test_engine_status_becomes_prometheus_gauges() -> None:
    metrics = _Metrics()
    metrics.export_engine_status(
        EngineStatusRecord.from_hash(
            {
                "total_p50_ms": "41.5",
                "total_p95_ms": "88.25",
                "total_p99_ms": "120",
                "shards_p95_ms": "60",
                "latency_p95_ms": "88.25",  # an alias of total_p95_ms, not exported twice
                "ticks_processed": "1200",
                "ticks_conflated": "33",
                "ticks_dlq": "4",
                "consumer_lag": "7",
                "state": "running",
            }
        )
    )
    text = generate_latest(metrics.registry).decode()
    assert 'risk_engine_tick_latency_ms{quantile="0.95",stage="total"} 88.25' in text
    assert 'risk_engine_tick_latency_ms{quantile="0.50",stage="total"} 41.5' in text
    assert 'risk_engine_tick_latency_ms{quantile="0.95",stage="shards"} 60.0' in text
    assert 'stage="latency"' not in text
    assert 'risk_engine_ticks{outcome="processed"} 1200.0' in text
    assert 'risk_engine_ticks{outcome="dlq"} 4.0' in text
    assert "risk_engine_consumer_lag 7.0" in text
