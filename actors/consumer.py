"""``TickConsumer``: Kafka ``market.curves`` → validate → order → conflate → bootstrap once → shards →
aggregate, pipelined.

At least once: offsets are committed only after the ticks they cover are in Redis (or were rejected, or
sent to the dead-letter topic with their reason). On any failure before that, the consumer is rebuilt,
reloads the markets' positions from Redis and resumes from the committed offsets; a redelivered tick is a
duplicate of its market's position (:mod:`actors.ordering`), and the Redis transaction refuses it too. A
shard that dies mid-tick is restarted by Ray and the tick (and any later tick sent to it) is retried on it.

Several consumers (``riskctl run --consumers 2``) share the group's partitions, one market per partition,
with the cooperative-sticky assignor: a consumer that joins or leaves moves only the partitions that
change hands, the others keep flowing. Before a partition leaves a consumer (``on_revoke``) every tick in
flight is written and its offsets committed synchronously; when partitions arrive (``on_assign``) the
consumer first finishes its own ticks in flight, then reloads the tick order from Redis, so the records
the previous owner read but did not commit are duplicates of what it wrote (counted, not computed) and
the rest go on in order. A consumer that died commits nothing more: its partitions move once its Kafka
session expires (:data:`SESSION_TIMEOUT_MS`). Each consumer's counters go to ``engine:status`` under
``{counter}@{consumer}``; the plain counters there are the sums over the consumers
(:class:`ConsumerCounters`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ray
import redis
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from ray.exceptions import RayActorError, RayError

from actors.aggregator import WriteResult
from actors.curve_nodes import TickCurves, join_nodes, split_scenarios
from actors.heap import settle
from actors.intake import Rejected, conflate, parse_record, produced_order
from actors.kafka_io import EngineTopics, ensure_topics, lag
from actors.ordering import Position, TickOrder, Verdict
from actors.partials import ShardPartial
from actors.redis_sink import stored_context, stored_order
from actors.waiting import WaitLog, await_ref
from core.config import Settings
from core.keys import ENGINE_STATUS
from core.logging import get_logger
from core.messages import CurveTick
from core.status_record import CONSUMER_COUNTERS
from pricing import PricingError
from pricing.fast import CurveNodes

__all__ = [
    "SESSION_TIMEOUT_MS",
    "ConsumerCounters",
    "InFlight",
    "TickConsumer",
    "TickConsumerCore",
    "TickProcessor",
    "peer_counters",
]

_log = get_logger(__name__)
SHARD_RETRIES = 20
#: A consumer that stops heartbeating (its process or node died) loses its partitions after this long;
#: the broker's ``group.min.session.timeout.ms`` (6 s by default) is the floor.
SESSION_TIMEOUT_MS = 6000
#: A peer consumer whose counters were not refreshed for this long is gone: its lag no longer counts.
PEER_STALE_S = 10.0
#: Counters summed over the consumers in ``engine:status`` (lag only over the live ones).
SUMMED = CONSUMER_COUNTERS
#: The consumer's own share of a tick's scenario bootstraps is this much costlier than a curve worker's, in
#: the node counts of :func:`actors.curve_nodes.split_scenarios` (a worker's share also pays a Ray call and
#: its own base bootstrap, about as long as re-bootstrapping 60 nodes).
HEAD_BIAS = 60
#: A curve worker's share not back after this long is bootstrapped by the consumer itself.
CURVE_WORKER_TIMEOUT_S = 10.0
#: While Redis is away, a consumer resuming after a failure asks it for the tick order this often (s).
REDIS_POLL_S = 0.5
#: A dead-lettered record's value is cut to this size (the DLQ producer and broker take ~1 MB at most).
DLQ_MAX_VALUE_BYTES = 64 * 1024


@dataclass
class ConsumerCounters:
    ticks_received: int = 0
    ticks_processed: int = 0
    ticks_conflated: int = 0
    ticks_rejected: int = 0
    ticks_dlq: int = 0
    ticks_duplicate: int = 0
    shard_retries: int = 0
    consumer_restarts: int = 0
    consumer_lag: int = 0
    last_error: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: the consumer's actor name when the engine runs several ("" for one): its own counters are then
    #: published as ``{counter}@{name}`` and the plain ones are the sums with ``peers``
    name: str = ""
    #: the other consumers' counters, summed (:func:`peer_counters` of ``engine:status``)
    peers: dict[str, float] = field(default_factory=dict)

    def as_status(self) -> dict[str, int | float | str]:
        out: dict[str, int | float | str] = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("extra", "name", "peers") and isinstance(v, int | float | str)
        }
        if self.name:
            for counter in SUMMED:
                own = getattr(self, counter)
                out[f"{counter}@{self.name}"] = own
                out[counter] = own + int(self.peers.get(counter, 0))
            out[f"seen_at@{self.name}"] = round(time.time(), 3)
            out["consumers"] = 1 + int(self.peers.get("consumers", 0))
        out.update(self.extra)
        return out


def peer_counters(status: dict[str, str], me: str, now: float) -> dict[str, float]:
    """The counters of every consumer but ``me`` in ``engine:status``, summed, and ``consumers``: how many
    of them are live (refreshed within :data:`PEER_STALE_S`). A consumer that is gone keeps its counts
    (what it processed was processed), not its lag."""
    totals: dict[str, float] = {counter: 0.0 for counter in SUMMED}
    totals["consumers"] = 0.0
    for key, value in status.items():
        counter, _, name = key.partition("@")
        if not name or name == me or counter != "seen_at":
            continue
        live = now - float(value) <= PEER_STALE_S
        totals["consumers"] += live
        for summed in SUMMED:
            if summed != "consumer_lag" or live:
                totals[summed] += float(status.get(f"{summed}@{name}", 0) or 0)
    return totals


@dataclass
class InFlight:
    """A tick handed to the shards and not yet written: its shards' pending results and Kafka position."""

    tick: CurveTick
    position: Position
    previous: Position | None  # the market's position before this tick (restored if it is rejected)
    consumed_ns: int
    fanned_ns: int
    args: tuple[Any, ...]  # (tick, context, nodes, session), for retries on a restarted shard
    pending: dict[int, Any]  # shard index -> ObjectRef of its partial
    offsets: list[TopicPartition] = field(default_factory=list)  # committed once the tick is written
    write: Any = None  # the aggregator's write (or mark_stale) ObjectRef
    rejected: str = ""


class TickProcessor:
    """Ticks through bootstrap → shards → aggregator, pipelined (no Kafka here).

    :meth:`submit` bootstraps the tick's curves once (:class:`actors.curve_nodes.TickCurves`) and hands
    the nodes to every shard; :meth:`collect` takes the shards' partials of the oldest tick (retrying a
    shard that died) and sends them to the aggregator without waiting for its Redis write. Ray runs the
    calls of one caller on one actor in submission order, so shards and the aggregator see the ticks in
    order while tick N+1 is computed as tick N is written. :meth:`written` answers which ticks are in Redis.
    """

    def __init__(
        self,
        shards: Sequence[Any],
        aggregator: Any,
        watcher: Any | None,
        counters: ConsumerCounters,
        order: TickOrder | None = None,
        curve_workers: Sequence[Any] = (),
    ):
        self.shards = list(shards)
        self.curve_workers = list(curve_workers)
        self.aggregator = aggregator
        self.watcher = watcher
        self.counters = counters
        self.order = order or TickOrder()
        self.context: dict[str, CurveTick] = {}
        self.curves = TickCurves()
        self.computing: deque[InFlight] = deque()  # shards working, oldest first
        self.writing: deque[InFlight] = deque()  # sent to the aggregator, oldest first

    def admit(self, tick: CurveTick, offset: int = -1) -> Verdict:
        """Check the tick's place in its market (:mod:`actors.ordering`) and, if accepted, move there."""
        verdict = self.order.check(tick, offset)
        if verdict.accept:
            if verdict.new_session:
                self.context.clear()  # shards must not catch up on the other markets' old session
            self.order.accept(tick, verdict)
        return verdict

    def submit(
        self,
        tick: CurveTick,
        verdict: Verdict | None = None,
        offsets: Sequence[TopicPartition] = (),
        previous: Position | None = None,
    ) -> InFlight:
        """Bootstrap the tick's curves and fan it out; a tick whose curves fail is rejected here.
        ``verdict``: from :meth:`admit` (admitted now when omitted)."""
        if verdict is None:
            previous = self.order.positions.get(tick.market)
            verdict = self.admit(tick)
        if not verdict.accept or verdict.position is None:
            raise ValueError(f"tick seq {tick.seq} was not admitted: {verdict.reason or 'duplicate'}")
        consumed = time.time_ns()
        flight = InFlight(tick, verdict.position, previous, consumed, consumed, (), {}, list(offsets))
        # book changes published so far reach the shards before this tick (overlaps the bootstrap)
        synced = self.watcher.sync.remote() if self.watcher is not None else None
        try:
            nodes = self._bootstrap(tick)
        except PricingError as exc:
            flight.rejected = f"{tick.market} tick seq {tick.seq}: {exc}"
            self.computing.append(flight)
            if synced is not None:
                await_ref(synced, "the book watcher's sync", seq=tick.seq)
            return flight
        if synced is not None:
            await_ref(synced, "the book watcher's sync", seq=tick.seq)
        # passed by value: small (tens of kB), so Ray inlines them in each call; ray.put would cost a round
        # trip to the object store per argument (~1 ms each, measured)
        flight.args = (tick, dict(self.context), nodes, flight.position.session)
        flight.pending = {k: shard.apply.remote(*flight.args) for k, shard in enumerate(self.shards)}
        flight.fanned_ns = time.time_ns()
        self.context[tick.market] = tick
        self.computing.append(flight)
        return flight

    def _bootstrap(self, tick: CurveTick) -> dict[str, CurveNodes]:
        """The tick's curve nodes in every scenario: the first share bootstrapped here, the others by the
        curve workers at the same time. A worker that fails or does not answer in time costs only time:
        its share is bootstrapped here. Raises ``PricingError`` when a curve cannot be built."""
        rebuilds = self.curves.rebuilds
        costs = self.curves.prepare(tick)
        if self.curves.rebuilds != rebuilds:  # a new day's curves: freeze them out of full collections
            settle()
        shares = split_scenarios(costs, len(self.curve_workers) + 1, HEAD_BIAS)
        asked = [
            worker.nodes.remote(tick, share)
            for worker, share in zip(self.curve_workers, shares[1:], strict=False)
        ]
        parts = [self.curves.nodes(tick, shares[0])]
        for share, ref in zip(shares[1:], asked, strict=False):
            try:
                parts.append(ray.get(ref, timeout=CURVE_WORKER_TIMEOUT_S))
            except (RayError, PricingError) as exc:  # a worker restarting, or a bumped curve it cannot build
                _log.warning("curve worker share failed; bootstrapping it here", seq=tick.seq, error=str(exc))
                parts.append(self.curves.nodes(tick, share))
        return join_nodes(parts, shares)

    def collect(self, block: bool) -> bool:
        """Send the oldest computed tick to the aggregator; False if none is ready (or none in flight)."""
        if not self.computing:
            return False
        flight = self.computing[0]
        if flight.pending and not block:
            ready, _ = ray.wait(list(flight.pending.values()), num_returns=len(flight.pending), timeout=0)
            if len(ready) < len(flight.pending):
                return False
        self.computing.popleft()
        results = self._partials(flight)
        shards_done = time.time_ns()
        rejections = [r for r in results.values() if isinstance(r, str)]
        if flight.rejected or rejections:
            flight.rejected = flight.rejected or rejections[0]
            self.counters.ticks_rejected += 1
            self.counters.last_error = flight.rejected
            market = flight.tick.market
            good = self.context.get(market)
            if good is not None and good.seq == flight.tick.seq:
                del self.context[market]  # a restarted shard must not catch up on it
            if self.order.positions.get(market) == flight.position:
                self.order.forget(market, flight.previous)
            flight.write = self.aggregator.mark_stale.remote(
                flight.tick.market, flight.rejected, self.counters.as_status()
            )
        else:
            self.counters.ticks_processed += 1
            partials = [results[k] for k in sorted(results)]
            flight.write = self.aggregator.write.remote(
                flight.tick,
                flight.position,
                partials,
                flight.consumed_ns,
                flight.fanned_ns,
                shards_done,
                self.counters.as_status(),
            )
        self.writing.append(flight)
        return True

    def _partials(self, flight: InFlight) -> dict[int, ShardPartial | str]:
        results: dict[int, ShardPartial | str] = {}
        attempts = 0
        while flight.pending:
            for k, ref in list(flight.pending.items()):
                try:
                    results[k] = await_ref(ref, "a shard's partial", shard=k, seq=flight.tick.seq)
                    del flight.pending[k]
                except RayActorError as exc:
                    attempts += 1
                    self.counters.shard_retries += 1
                    if attempts > SHARD_RETRIES:
                        raise RuntimeError(f"shard {k} kept failing on seq {flight.tick.seq}: {exc}") from exc
                    _log.warning("shard died, retrying the tick on it", shard=k, seq=flight.tick.seq)
                    time.sleep(min(0.2 * attempts, 2.0))
                    flight.pending[k] = self.shards[k].apply.remote(*flight.args)
                    # later ticks already sent to the dead shard failed too: resend them after this one
                    for later in self.computing:
                        if k in later.pending:
                            later.pending[k] = self.shards[k].apply.remote(*later.args)
        return results

    def written(self, block: bool) -> list[InFlight]:
        """The ticks whose Redis write finished (oldest first, in order); waits for all when ``block``."""
        done: list[InFlight] = []
        while self.writing:
            flight = self.writing[0]
            if not block:
                ready, _ = ray.wait([flight.write], timeout=0)
                if not ready:
                    break
            outcome: WriteResult | None = await_ref(
                flight.write, "the aggregator's Redis write", seq=flight.tick.seq, market=flight.tick.market
            )
            self.writing.popleft()
            if outcome is not None and not outcome["written"]:
                self.counters.ticks_duplicate += 1
            done.append(flight)
        return done

    def newest(self) -> InFlight | None:
        """The tick submitted last among those not written yet."""
        if self.computing:
            return self.computing[-1]
        return self.writing[-1] if self.writing else None

    def drain(self) -> list[InFlight]:
        """Finish every tick in flight (before a commit that must cover them all)."""
        while self.collect(block=True):
            pass
        return self.written(block=True)

    def process(self, tick: CurveTick) -> bool:
        """Admit, compute and write one tick, waiting for it; False if it was refused or rejected."""
        previous = self.order.positions.get(tick.market)
        verdict = self.admit(tick)
        if not verdict.accept:
            return False
        flight = self.submit(tick, verdict, previous=previous)
        self.drain()
        return not flight.rejected


def _place(verdict: Verdict) -> Position:
    assert verdict.position is not None, "only accepted ticks have a place"
    return verdict.position


class TickConsumerCore:
    """The poll loop: a tick is handed to compute as soon as it arrives, at most ``depth`` ticks in flight.

    ``poll`` returns the first record the moment it is fetched (the broker answers a waiting fetch as soon as
    one record arrives: ``fetch.min.bytes`` 1), then whatever else is already buffered is taken without
    waiting; several ticks of one
    market in that set are conflated to the newest (counted). Offsets are committed after the ticks they
    cover are in Redis (or were rejected or dead-lettered with their reason).

    ``depth``: ticks that may wait behind the one the shards compute (1: the next tick is bootstrapped
    while the shards work, then the consumer waits). More would only queue ticks in the shards: when the
    book is too large for the feed, a tick waits in Kafka instead, where newer ticks conflate it (measured
    at 100,000 positions: p95 855 ms with 2, 575 ms with 1; at 10,000 no tick is conflated with either).
    """

    def __init__(
        self,
        settings: Settings,
        processor: TickProcessor,
        topics: EngineTopics = EngineTopics(),
        batch: int = 500,
        depth: int = 1,
        name: str = "",
    ) -> None:
        self.settings = settings
        self.processor = processor
        self.counters = processor.counters
        self.counters.name = name
        self.topic, self.dlq_topic, self.group, self.batch = topics.curves, topics.dlq, topics.group, batch
        self.depth = depth
        self.stopped = threading.Event()
        ensure_topics(settings.kafka_bootstrap, {topics.curves: 2, topics.dlq: 1})
        self.dlq = Producer(
            {"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True, "acks": "all"}
        )
        # a Redis that stops answering (rather than closing the connection) raises here, never hangs
        self.redis = redis.Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)
        self.processor.order = stored_order(self.redis)
        # a new engine's shards catch up on every market's latest written tick, not only the next one's
        self.processor.context = stored_context(self.redis, self.processor.order)
        self._restore_counts()
        self.consumer = self._new_consumer()

    def _new_consumer(self) -> Consumer:
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.kafka_bootstrap,
                "group.id": self.group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": SESSION_TIMEOUT_MS,
                "heartbeat.interval.ms": SESSION_TIMEOUT_MS // 4,
                "max.poll.interval.ms": 600000,
                # bounds only an empty fetch (a record ends the wait at once): measured on the local
                # broker, produce -> poll p50 2.2 ms with 5 and 2.1 ms with 500; 100 keeps the idle
                # fetches (and the cached high watermark of the lag figure) at 10/s, not 200/s
                "fetch.wait.max.ms": 100,
                # incremental: a rebalance moves only the partitions that change hands (see the module doc)
                "partition.assignment.strategy": "cooperative-sticky",
            }
        )
        consumer.subscribe(
            [self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        return consumer

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Partitions leave this consumer: write every tick in flight and commit it before they go (the
        next owner starts from these offsets; ticks of one market never run in two consumers)."""
        if not partitions:
            return
        done = self.processor.drain()
        self._commit(done, asynchronous=False)
        self.processor.context.clear()  # a restarted shard must not catch up on a market gone elsewhere
        _log.info("partitions revoked", consumer=self.counters.name, partitions=_numbers(partitions))

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Partitions taken away without a revoke (this consumer's session expired): their new owner
        already runs, so nothing is committed; the ticks in flight are written or refused by the Redis
        guard (never over a newer position)."""
        self.processor.drain()
        self.processor.context.clear()
        _log.warning("partitions lost", consumer=self.counters.name, partitions=_numbers(partitions))

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Partitions arrive: finish this consumer's own ticks in flight (so Redis holds every tick it
        admitted), then take the tick order from Redis, where the previous owner left it."""
        if not partitions:
            return
        self._commit(self.processor.drain(), asynchronous=False)
        self.processor.order = stored_order(self.redis)
        self.processor.context.clear()
        _log.info("partitions assigned", consumer=self.counters.name, partitions=_numbers(partitions))

    def _observe_written_order(self) -> None:
        """Learn the other markets' positions (and a session another consumer started) from Redis; a
        consumer that sees a new session drops its catch-up context of the previous one. Skipped while
        Redis is away (nothing can be written then either)."""
        try:
            written = stored_order(self.redis).positions
        except redis.RedisError:
            return
        if self.processor.order.observe(written):
            self.processor.context.clear()

    def _to_dlq(self, message: Message, reason: str) -> None:
        """Dead-letter a record with its reason and source position. A record larger than the DLQ can
        take (the broker's limit applies to the uncompressed copy the producer sends) goes as its first
        :data:`DLQ_MAX_VALUE_BYTES` bytes, flagged ``truncated`` with its original size: the partition
        moves on either way."""
        value = message.value() or b""
        headers: list[tuple[str, str | bytes | None]] = [
            ("reason", reason[:2000].encode()),
            ("source_topic", str(message.topic()).encode()),
            ("source_partition", str(message.partition()).encode()),
            ("source_offset", str(message.offset()).encode()),
        ]
        if len(value) > DLQ_MAX_VALUE_BYTES:
            headers += [("truncated", b"1"), ("original_bytes", str(len(value)).encode())]
            value = value[:DLQ_MAX_VALUE_BYTES]
        self.dlq.produce(
            self.dlq_topic, key=(message.key() or b"")[:256] or None, value=value, headers=headers
        )
        self.counters.ticks_dlq += 1

    def _poll(self, timeout_s: float) -> list[Message]:
        first = self.consumer.poll(timeout_s)
        if first is None:
            return []
        rest = self.consumer.consume(num_messages=self.batch - 1, timeout=0) if self.batch > 1 else []
        return [m for m in [first, *rest] if m.error() is None]

    def poll_once(self, timeout_s: float = 0.1) -> int:
        """Take what has arrived, hand its ticks to compute, commit what is written; returns records taken."""
        busy = bool(self.processor.computing or self.processor.writing)
        # while ticks are in flight, look for new records every few ms between checks of the shards
        messages = self._poll(0.003 if busy else timeout_s)
        if messages and self.counters.name:  # one of several consumers: the others' markets move too
            self._observe_written_order()
        self._handle(messages)
        # the oldest tick's partials go to the aggregator as soon as they are ready (block only when the
        # pipeline is full)
        while self.processor.collect(block=len(self.processor.computing) > self.depth):
            pass
        self._commit(self.processor.written(block=len(self.processor.writing) > self.depth))
        return len(messages)

    def _handle(self, messages: list[Message]) -> None:
        if not messages:
            return
        valid: list[tuple[CurveTick, Verdict, Position | None]] = []
        offsets: dict[tuple[str, int], TopicPartition] = {}
        parsed_ticks: list[tuple[tuple[str, int | None], CurveTick, Message]] = []
        for message in messages:
            self.counters.ticks_received += 1
            topic, partition, offset = str(message.topic()), message.partition(), message.offset()
            if partition is not None and offset is not None:
                offsets[(topic, partition)] = TopicPartition(topic, partition, offset + 1)
            parsed = parse_record(message.key(), message.value())
            if isinstance(parsed, Rejected):
                self._to_dlq(message, parsed.reason)
            else:
                parsed_ticks.append(((topic, partition), parsed, message))
        for parsed, message in produced_order(parsed_ticks):
            offset = message.offset()
            previous = self.processor.order.positions.get(parsed.market)
            verdict = self.processor.admit(parsed, -1 if offset is None else offset)
            if verdict.duplicate:
                self.counters.ticks_duplicate += 1
            elif not verdict.accept:
                self._to_dlq(message, verdict.reason)
            else:
                valid.append((parsed, verdict, previous))
        if self.dlq.flush(30) != 0:
            raise RuntimeError("dead-letter records not confirmed by the broker; not committing")
        conflated = conflate(valid)
        self.counters.ticks_conflated += len(conflated.skipped)
        # across markets (separate partitions, no order between them) the earlier market time goes first
        latest = sorted(conflated.latest, key=lambda item: _place(item[1]))
        if not latest:
            newest = self.processor.newest()
            if newest is None:
                self._commit_offsets(list(offsets.values()))
            else:  # ticks before these records are still in flight: commit with the newest of them
                newest.offsets.extend(offsets.values())
            return
        for k, (tick, verdict, previous) in enumerate(latest):
            last = k == len(latest) - 1
            self.processor.submit(tick, verdict, list(offsets.values()) if last else (), previous)

    def _commit(self, done: list[InFlight], asynchronous: bool = True) -> None:
        rejected = [flight for flight in done if flight.rejected]
        for flight in rejected:
            self._to_dlq_rejected(flight.tick, flight.rejected)
        if rejected and self.dlq.flush(30) != 0:
            raise RuntimeError("dead-letter records not confirmed by the broker; not committing")
        offsets = [tp for flight in done for tp in flight.offsets]
        self._commit_offsets(offsets, asynchronous)

    def _commit_offsets(self, offsets: list[TopicPartition], asynchronous: bool = True) -> None:
        if offsets:
            latest: dict[tuple[str, int], TopicPartition] = {}
            for tp in offsets:
                latest[(tp.topic, tp.partition)] = tp
            if asynchronous:
                self.consumer.commit(offsets=list(latest.values()), asynchronous=True)
            else:
                self.consumer.commit(offsets=list(latest.values()), asynchronous=False)

    def _to_dlq_rejected(self, tick: CurveTick, reason: str) -> None:
        self.dlq.produce(
            self.dlq_topic,
            key=tick.market.encode(),
            value=tick.to_json(),
            headers=[("reason", reason[:2000].encode()), ("source_topic", self.topic.encode())],
        )
        self.counters.ticks_dlq += 1

    def run(self) -> None:
        backoff = 0.5
        last_status = 0.0
        while not self.stopped.is_set():
            try:
                self.poll_once()
                backoff = 0.5
                if time.monotonic() - last_status > 1.0:
                    self.counters.consumer_lag = lag(self.consumer, self.consumer.assignment())
                    self._refresh_peers()
                    self.processor.aggregator.status.remote(self.counters.as_status())
                    last_status = time.monotonic()
            except Exception as exc:  # any failure: resume from committed offsets
                self.counters.last_error = f"{type(exc).__name__}: {exc}"
                self.counters.consumer_restarts += 1
                _log.error("tick processing failed; resuming from committed offsets", error=str(exc))
                self.processor.computing.clear()
                self.processor.writing.clear()
                with contextlib.suppress(Exception):  # a broken consumer may fail to close
                    self.consumer.close()
                self.stopped.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                # The ticks admitted since the last write moved the order held here past what Redis holds;
                # resume only from the written order (Redis is its record), else the redelivered ticks would
                # count as duplicates and never be written. While Redis is away nothing can be written anyway;
                # it is asked again every REDIS_POLL_S, so the consumer resumes as soon as it is back.
                wait = WaitLog("the tick order in Redis, to resume from committed offsets")
                while not self.stopped.is_set():
                    try:
                        self.processor.order = stored_order(self.redis)
                        wait.over()
                        break
                    except Exception as redis_exc:
                        wait.still(f"{type(redis_exc).__name__}: {redis_exc}")
                        self.stopped.wait(REDIS_POLL_S)
                self.consumer = self._new_consumer()
        with contextlib.suppress(Exception):
            self._commit(self.processor.drain())
            self.consumer.commit(asynchronous=False)
        self.consumer.close()
        self.dlq.flush(30)

    def _restore_counts(self) -> None:
        """A named consumer restarted by Ray goes on counting from what it published (``{counter}@{name}``
        in ``engine:status``; a new engine clears them), so the sums never go back."""
        if not self.counters.name:
            return
        status: dict[str, str] = self.redis.hgetall(ENGINE_STATUS)  # type: ignore[assignment]
        for counter in SUMMED:
            published = status.get(f"{counter}@{self.counters.name}")
            if counter != "consumer_lag" and published:
                setattr(self.counters, counter, int(float(published)))

    def _refresh_peers(self) -> None:
        """The other consumers' counters from ``engine:status`` (kept as they were while Redis is away)."""
        if not self.counters.name:
            return
        with contextlib.suppress(redis.RedisError):
            status: dict[str, str] = self.redis.hgetall(ENGINE_STATUS)  # type: ignore[assignment]
            self.counters.peers = peer_counters(status, self.counters.name, time.time())


def _numbers(partitions: list[TopicPartition]) -> list[int]:
    return sorted(tp.partition for tp in partitions)


@ray.remote(max_restarts=-1, max_concurrency=4)  # type: ignore[call-overload]
class TickConsumer:
    """The Ray actor around :class:`TickConsumerCore`; ``run`` loops until ``stop``."""

    def __init__(
        self,
        settings: Settings,
        shard_names: list[str],
        aggregator_name: str,
        watcher_name: str | None,
        topics: EngineTopics = EngineTopics(),
        name: str = "",
        curve_worker_names: Sequence[str] = (),
    ) -> None:
        """``name``: this consumer's actor name when the engine runs several (its counters are published
        under it), "" for the only one. ``curve_worker_names``: the :class:`actors.curve_worker.CurveWorker`
        actors that bootstrap shares of each tick's scenarios."""
        shards = [ray.get_actor(shard) for shard in shard_names]
        aggregator = ray.get_actor(aggregator_name)
        watcher = ray.get_actor(watcher_name) if watcher_name else None
        workers = [ray.get_actor(worker) for worker in curve_worker_names]
        counters = ConsumerCounters()
        processor = TickProcessor(shards, aggregator, watcher, counters, curve_workers=workers)
        self.core = TickConsumerCore(settings, processor, topics, name=name)
        settle()
        self._thread = threading.Thread(target=self.core.run, name="tick-consumer", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int | float | str]:
        self.core.stopped.set()
        self._thread.join(timeout=30)
        return self.core.counters.as_status()

    def counters(self) -> dict[str, int | float | str]:
        return self.core.counters.as_status()

    def ping(self) -> bool:
        return self._thread.is_alive()

    def assignment(self) -> list[int]:
        """The partitions of the curves topic this consumer owns now."""
        return _numbers(self.core.consumer.assignment())
