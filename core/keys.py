"""Key grammar shared by the feed, Kafka, Redis and the dashboard (one naming scheme everywhere).

Risk factor keys are ``CURVE/TENOR`` (``EUR-EURIBOR-6M/10Y``); quote keys inside a curve are
``instrument/tenor`` (``swap/10Y``). The Redis layout (docs/architecture.md §6), written by the aggregator in
one transaction per tick and read by the API and the dashboard; all numbers are decimal strings, money in
the reporting currency (USD) unless a field names another currency; times written by the engine
(``computed_at``, ``updated_at``) are Unix seconds, market times ISO 8601. Each hash is written and read
through its typed record (:mod:`core.records`, :mod:`core.status_record`):

``risk:books``                SET of book names (``ALL`` is the whole portfolio)
``risk:{book}:summary``       HASH pv, dv01, gamma, pnl_open, pnl_predicted, pnl_residual, n_ok, n_failed,
                              n_pending, seq, market_time, as_of, computed_at, latency_ms, stale (0|1),
                              stale_reason, pv_USD, pv_EUR, ... (per currency, in that currency)
``risk:{book}:kr01``          HASH ``CURVE/TENOR`` -> kr01
``risk:{book}:by_type``       HASH ``TYPE:MEASURE`` (``bond:dv01``, ``swap:pv``, ``ois:gamma``) -> value
``risk:{book}:dv01_rank``     ZSET instrument id -> abs(dv01) in USD (top contributors)
``risk:{book}:history``       STREAM (bounded) seq, market_time, pv, dv01, gamma, pnl_open, pnl_predicted,
                              pnl_residual, n_pending (> 0: a partial total, taken before every market had
                              a value)
``risk:instr:{id}``           HASH id, book, type, currency, ok (0|1), error, pv, dv01, gamma, kr01 (JSON
                              object), seq, market_time (instrument currency); cashflows (JSON list of
                              ``{"pay_date", "leg", "amount", "df", "pv"}``, projected on this tick)
``market:{curve}:{when}``     HASH ``instrument/tenor`` -> rate_pct, ``when`` in now | open | prev_close
``market:derived``            SET ``CURVE/instrument/tenor`` of quotes derived by rule in the latest ticks
``engine:status``             HASH state, last_seq, last_market_time, consumer_lag, ticks_processed,
                              ticks_conflated, ticks_rejected, ticks_dlq, latency_p50_ms, latency_p95_ms,
                              latency_p99_ms, shards, instruments, updated_at, last_error; curves (the
                              market's curve names, comma-separated), rejected_curves (comma-separated
                              curves whose latest tick was rejected; empty when none)
``engine:day``                HASH the engine's day state (actors/day_state.py): rev, open:{book} (the
                              book's open, JSON), curve:{name} (latest quotes, JSON), day:{market}
                              (session:as_of), rejected:{market} (reason), tick:{market} (the latest
                              written CurveTick JSON); written in each tick's transaction
``engine:feed``               HASH topic, group: the feed whose ticks engine:order and engine:day follow
``engine:shards``             HASH position id -> shard index (the durable shard assignment)
``engine:lease``              HASH token, owner, ray, shards, started_at, renewed_at, with a TTL: the one
                              running engine of this deployment (cluster/engine_lease.py)
``engine:lease:tokens``       counter of fencing tokens (each lease takes the next value)
``market:live``               HASH market -> the ``CurveTick`` JSON of its latest computed tick (written by
                              the limit monitor after the tick's results; what-if prices on it)
``risk.updates``              pub/sub channel: a JSON ``{"seq", "market", "market_time"}`` per written tick
"""

from __future__ import annotations

__all__ = [
    "ALL_BOOKS",
    "BOOKS_SET",
    "CONSUMER_GROUP",
    "ENGINE_DAY",
    "ENGINE_FEED",
    "ENGINE_LEASE",
    "ENGINE_LEASE_TOKENS",
    "ENGINE_ORDER",
    "ENGINE_ROWS",
    "ENGINE_SHARDS",
    "ENGINE_STATUS",
    "MARKET_DERIVED",
    "MARKET_LIVE",
    "RISK_UPDATES_CHANNEL",
    "TOPIC_CURVES",
    "TOPIC_CURVES_DLQ",
    "TOPIC_RISK_ALERTS",
    "TOPIC_SECMASTER_EVENTS",
    "book_by_type_key",
    "book_dv01_rank_key",
    "book_history_key",
    "book_kr01_key",
    "book_summary_key",
    "instrument_risk_key",
    "market_curve_key",
    "risk_factor_key",
    "split_risk_factor_key",
]

TOPIC_CURVES = "market.curves"
TOPIC_CURVES_DLQ = "market.curves.dlq"
TOPIC_SECMASTER_EVENTS = "secmaster.events"
#: limit alerts (:mod:`core.limits`), keyed by book
TOPIC_RISK_ALERTS = "risk.alerts"
CONSUMER_GROUP = "risk-engine"
RISK_UPDATES_CHANNEL = "risk.updates"
ENGINE_STATUS = "engine:status"
ENGINE_SHARDS = "engine:shards"
ENGINE_LEASE = "engine:lease"
ENGINE_LEASE_TOKENS = "engine:lease:tokens"
#: hash ``shard-{k}`` -> last tick seq whose per-position rows shard k has written (rows trail the totals)
ENGINE_ROWS = "engine:rows"
#: hash market -> JSON position (session, as_of, market_time, Kafka offset) of its last written tick
ENGINE_ORDER = "engine:order"
#: hash: the engine's day state (book opens, latest quotes, market days, rejections, latest ticks)
ENGINE_DAY = "engine:day"
#: hash topic, group: the Kafka feed engine:order and engine:day belong to
ENGINE_FEED = "engine:feed"
BOOKS_SET = "risk:books"
MARKET_DERIVED = "market:derived"
MARKET_LIVE = "market:live"
ALL_BOOKS = "ALL"


def risk_factor_key(curve: str, tenor: str) -> str:
    return f"{curve}/{tenor}"


def split_risk_factor_key(key: str) -> tuple[str, str]:
    curve, sep, tenor = key.rpartition("/")
    if not sep or not curve or not tenor:
        raise ValueError(f"risk factor key {key!r} is not of the form CURVE/TENOR")
    return curve, tenor


def book_summary_key(book: str) -> str:
    return f"risk:{book}:summary"


def book_kr01_key(book: str) -> str:
    return f"risk:{book}:kr01"


def book_by_type_key(book: str) -> str:
    return f"risk:{book}:by_type"


def book_dv01_rank_key(book: str) -> str:
    return f"risk:{book}:dv01_rank"


def book_history_key(book: str) -> str:
    return f"risk:{book}:history"


def instrument_risk_key(instrument_id: str) -> str:
    return f"risk:instr:{instrument_id}"


def market_curve_key(curve: str, when: str) -> str:
    if when not in ("now", "open", "prev_close"):
        raise ValueError(f"market curve snapshot {when!r} is not one of now, open, prev_close")
    return f"market:{curve}:{when}"
