"""``LimitMonitor``: checks every computed tick against the stored limits, off the tick's critical path.

The aggregator hands each tick it wrote to Redis to this actor (a fire-and-forget call made after the
write, :meth:`actors.aggregator.AggregatorCore.write`), with the tick's own book totals
(:class:`TickResults`). Per tick the monitor:

1. stores the tick in Redis (``market:live``, field = market): the market snapshot what-if prices on;
2. reads the limits from PostgreSQL (so a limit changed through the API applies from the next tick);
3. checks every book's totals (:func:`core.limits.check_limits`) and keeps only the changes of level
   (:func:`core.limits.transitions`): one ``breach``/``warning`` when a key crosses, one ``clear`` back;
4. writes the events to the alert history (``risk_alerts``) in one transaction, then publishes them to
   Kafka ``risk.alerts`` (key = book; :func:`alert_record` is the JSON schema) and marks them published.

State survives a restart: the last level of every key is read back from the history, and events written
but not yet published are published then (so a restart never repeats an event in the history; on Kafka a
crash between the broker's acknowledgement and the ``published_at`` update repeats it with the same ``id``,
which consumers can drop).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ray
import redis
from confluent_kafka import Producer

from actors.kafka_io import ensure_topics
from actors.redis_sink import TickUpdate
from core.config import Settings
from core.keys import MARKET_LIVE, TOPIC_RISK_ALERTS
from core.limits import ALERT_SCHEMA, BookRisk, Level, check_limits, transitions
from core.logging import get_logger
from core.messages import CurveTick
from secmaster.db import make_engine, make_session_factory, transaction
from secmaster.models import RiskAlert
from secmaster.repository import limits as limit_repo

__all__ = ["LimitMonitor", "LimitMonitorCore", "TickResults", "alert_record"]

_log = get_logger(__name__)


@dataclass(frozen=True)
class TickResults:
    """A written tick and its books' totals (USD), as the limit monitor needs them."""

    tick: CurveTick
    books: Mapping[str, BookRisk]

    @classmethod
    def from_update(cls, tick: CurveTick, update: TickUpdate) -> TickResults:
        books = {
            book: BookRisk(
                sums.dv01,
                sums.gamma,
                update.pnl[book].actual if book in update.pnl else 0.0,
                dict(sums.kr01),
            )
            for book, sums in update.books.items()
        }
        return cls(tick, books)


def alert_record(row: RiskAlert) -> dict[str, Any]:
    """The ``risk.alerts`` JSON of one event (schema ``risk-alert/1``)::

    {"schema": "risk-alert/1", "id": 17, "book": "GOVT", "measure": "dv01" | "gamma" | "pnl_stop_loss"
     | "kr01:USD-UST/10Y", "kind": "breach" | "warning" | "clear", "value": 1234567.0 (USD, >= 0),
     "limit": 1000000.0 (USD), "utilisation": 1.23 (value / limit), "seq": 4711 (the tick's seq),
     "market": "USD" (the tick's market), "market_time": "2024-03-15T14:30:00+00:00",
     "created_at": "2026-11-29T17:40:00.123+00:00"}
    """
    return {
        "schema": ALERT_SCHEMA,
        "id": row.id,
        "book": row.book,
        "measure": row.measure,
        "kind": row.kind,
        "value": row.value,
        "limit": row.limit_usd,
        "utilisation": row.utilisation,
        "seq": row.seq,
        "market": row.market,
        "market_time": row.market_time.isoformat(),
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


class LimitMonitorCore:
    """The monitor's logic; tests drive it directly, the engine runs it as the :data:`LimitMonitor` actor."""

    def __init__(self, settings: Settings, alerts_topic: str = TOPIC_RISK_ALERTS) -> None:
        self.sessions = make_session_factory(make_engine(settings.database_url, pool_size=1))
        self.redis = redis.Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)
        self.topic = alerts_topic
        ensure_topics(settings.kafka_bootstrap, {alerts_topic: 1})
        self.producer = Producer(
            {"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True, "acks": "all"}
        )
        with self.sessions() as session:
            self.levels: dict[tuple[str, str], Level] = limit_repo.alert_levels(session)
        self.ticks_checked = 0
        self.events = 0
        self.checked: dict[str, int] = {}  # market -> seq of the last tick checked
        self.publish_pending()

    def on_tick(self, results: TickResults) -> int:
        """Store the tick for what-if, check its books, record and publish the changes; returns how many
        events the tick made."""
        tick = results.tick
        self.redis.hset(MARKET_LIVE, tick.market, tick.to_json().decode())
        with self.sessions() as session:
            limits = limit_repo.all_limits(session)
        checks = [c for book, risk in results.books.items() for c in check_limits(book, risk, limits)]
        events = transitions(self.levels, checks)
        self.ticks_checked += 1
        if not events:
            self.checked[tick.market] = tick.seq
            return 0
        with transaction(self.sessions) as session:
            limit_repo.record_alerts(session, events, tick.seq, tick.market, tick.market_time)
        for event in events:
            self.levels[(event.check.book, event.check.key)] = event.check.level
        self.events += len(events)
        self.checked[tick.market] = tick.seq
        _log.info("limit alerts", seq=tick.seq, market=tick.market, events=len(events))
        try:
            self.publish_pending()
        except Exception as exc:  # Kafka down: the events are in the history, published on a later tick
            _log.warning("alerts not published yet; retrying on the next tick", error=str(exc))
        return len(events)

    def publish_pending(self) -> int:
        """Publish every event of the history not yet on Kafka, oldest first; returns how many."""
        with self.sessions() as session:
            rows = limit_repo.unpublished_alerts(session)
        for row in rows:
            self.producer.produce(self.topic, key=row.book.encode(), value=json.dumps(alert_record(row)))
        if not rows:
            return 0
        if self.producer.flush(30) != 0:
            raise RuntimeError(f"{len(rows)} alert(s) not acknowledged by Kafka within 30 s")
        with transaction(self.sessions) as session:
            limit_repo.mark_published(session, [row.id for row in rows])
        return len(rows)

    def counters(self) -> dict[str, int]:
        """Ticks checked, events made, and ``seq_{market}``: the last tick of each market checked."""
        return {
            "ticks_checked": self.ticks_checked,
            "alert_events": self.events,
            **{f"seq_{market}": seq for market, seq in self.checked.items()},
        }

    def ping(self) -> bool:
        return True


#: The Ray actor: restarted on failure with its state read back from the alert history. A tick whose call
#: was in flight when it died is retried on the new instance: checking it again against the levels read
#: back from the history repeats no event (an event recorded before the crash is not a change any more).
LimitMonitor = ray.remote(max_restarts=-1, max_task_retries=-1)(LimitMonitorCore)
