"""The engine's supervisor: attaches to (or starts) Ray, creates the named actors, loads the book from
PostgreSQL, balances it over the shards and watches their health.

Actors live in the Ray namespace ``risk-engine`` under fixed names, so every process (the CLI, the Serve
app, tests) finds them with ``ray.get_actor``. Each restarts on failure and rebuilds its state from
durable sources (PostgreSQL, Redis, Kafka offsets).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ray
import redis

from actors.aggregator import Aggregator
from actors.book_source import load_positions, save_assignment
from actors.book_watcher import BookWatcher, entry_weight
from actors.consumer import TickConsumer
from actors.curve_worker import CurveWorker, curve_worker_name
from actors.kafka_io import EngineTopics
from actors.limit_monitor import LimitMonitor
from actors.redis_sink import begin_feed
from actors.shard import ShardActor, shard_name
from actors.shard_book import PUBLISH_PER_TICK
from actors.sharding import assign_shards
from cluster.engine_lease import EngineLeaseKeeper, acquire_lease, release_lease
from cluster.ray_env import prepare_ray_environment
from core.config import Settings
from core.keys import ENGINE_STATUS, TOPIC_RISK_ALERTS
from core.logging import get_logger
from core.records import RecordError
from core.status_record import EngineStatusRecord
from pricing.positions import entry_instrument

__all__ = [
    "NAMESPACE",
    "EngineHandles",
    "connect_ray",
    "consumer_name",
    "default_consumers",
    "engine_health",
    "start_engine",
    "stop_engine",
]

NAMESPACE = "risk-engine"
AGGREGATOR = "risk-aggregator"
WATCHER = "risk-book-watcher"
#: Curve workers an engine starts at most by default (each bootstrap share also costs a Ray call).
MAX_CURVE_WORKERS = 3
CONSUMER = "risk-tick-consumer"
LEASE_KEEPER = "risk-engine-lease"
LIMIT_MONITOR = "risk-limit-monitor"
SHARD_RESOURCE = "risk_shard"
#: stop_engine looks for this many tick consumers at most
MAX_CONSUMERS = 16
_log = get_logger(__name__)
# Ray destroys a non-detached actor, named or not, when its creator drops the last handle: the
# supervisor keeps the handles of the engine it started until stop_engine.
_running: list[EngineHandles] = []


def connect_ray(settings: Settings, address: str | None = None) -> None:
    """Attach to ``address`` (or ``RISK_RAY_ADDRESS``), else start a local Ray on loopback."""
    if ray.is_initialized():
        return
    target = address or settings.ray_address
    prepare_ray_environment(target)  # effective only if Ray was not imported yet (the CLI does it first)
    if target:
        ray.init(address=target, namespace=NAMESPACE, log_to_driver=False)
    else:
        # "local": a Ray of our own; without it ray.init attaches to any Ray already running on the machine
        ray.init(address="local", namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)


def consumer_name(index: int) -> str:
    """The tick consumers' actor names: ``risk-tick-consumer``, then ``risk-tick-consumer-1``, ..."""
    return CONSUMER if index == 0 else f"{CONSUMER}-{index}"


def default_consumers() -> int:
    """Tick consumers for this Ray cluster: 2 on a multi-node cluster (one takes over the other's
    partitions when its node is lost), 1 on a single node (a second one would die with the same node;
    Ray restarts a dead consumer there within seconds, sooner than a Kafka session expires)."""
    alive = [node for node in ray.nodes() if node.get("Alive")]  # type: ignore[no-untyped-call]
    return 2 if len(alive) > 1 else 1


@dataclass(frozen=True)
class EngineHandles:
    shards: list[Any]
    aggregator: Any
    watcher: Any
    consumers: list[Any]
    positions: int
    lease_token: int
    lease_keeper: Any
    monitor: Any = None
    curve_workers: tuple[Any, ...] = ()  # held here: an actor without a handle is collected by Ray

    @property
    def consumer(self) -> Any:
        """The first tick consumer (the only one unless the engine runs several)."""
        return self.consumers[0]


def _options(name: str, detached: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"name": name, "num_cpus": 0, "get_if_exists": False}
    if detached:
        options["lifetime"] = "detached"
    return options


def start_engine(
    settings: Settings,
    n_shards: int,
    engine: str = "fast",
    detached: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    topics: EngineTopics = EngineTopics(),
    publish_per_tick: int | None = PUBLISH_PER_TICK,
    scenario_workers: int | None = None,
    alerts_topic: str = TOPIC_RISK_ALERTS,
    consumers: int | None = None,
    curve_workers: int | None = None,
) -> EngineHandles:
    """Take the deployment's engine lease, then create the actors; returns once every actor answers and
    the consumers are running. ``consumers``: tick consumers in the Kafka group (None:
    :func:`default_consumers`); ``curve_workers``: processes that bootstrap shares of each tick's
    scenarios beside the consumer (None: one per spare core, at most :data:`MAX_CURVE_WORKERS`). Raises
    :class:`cluster.engine_lease.EngineAlreadyRunning` (naming the running engine) before touching anything
    when another engine holds the lease; ``ValueError`` for a count below 1."""
    if n_shards < 1:
        raise ValueError(f"--shards must be at least 1, got {n_shards}")
    n_consumers = default_consumers() if consumers is None else consumers
    if n_consumers < 1:
        raise ValueError(f"--consumers must be at least 1, got {n_consumers}")
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    gcs = ray.get_runtime_context().gcs_address
    lease = acquire_lease(client, settings.redis_url, gcs, n_shards)
    try:
        keeper = EngineLeaseKeeper.options(**_options(LEASE_KEEPER, detached)).remote(  # type: ignore[attr-defined]
            settings.redis_url, lease, [consumer_name(k) for k in range(n_consumers)]
        )
        ray.get(keeper.token.remote())
        return _start_actors(settings, client, (lease.token, keeper), n_shards, engine, detached, progress,
                             topics, publish_per_tick, scenario_workers, alerts_topic,
                             n_consumers, curve_workers)  # fmt: skip
    except BaseException:
        stop_engine(settings)
        raise


def _start_actors(
    settings: Settings,
    client: redis.Redis,
    lease: tuple[int, Any],
    n_shards: int,
    engine: str,
    detached: bool,
    progress: Callable[[str], None],
    topics: EngineTopics,
    publish_per_tick: int | None,
    scenario_workers: int | None,
    alerts_topic: str,
    n_consumers: int,
    n_curve_workers: int | None,
) -> EngineHandles:
    progress("loading the book from PostgreSQL")
    entries = load_positions(settings)
    # by instrument: all positions of an instrument on one shard, which values it once
    weights = {entry_instrument(e): entry_weight(e) for e in entries}
    markets = {entry_instrument(e): str(e.get("currency", "")) for e in entries}
    groups = assign_shards(weights, n_shards, markets)
    shard_of = {ident: k for k, group in enumerate(groups) for ident in group}
    assignment = {str(e["id"]): shard_of[entry_instrument(e)] for e in entries}
    save_assignment(client, assignment, replace=True)
    # the same feed: carry on with its tick order and day state (P&L open); another feed starts afresh
    begin_feed(client, topics)
    try:  # an earlier engine's consumers' counters go; an unreadable status goes whole
        stale = EngineStatusRecord.from_hash(client.hgetall(ENGINE_STATUS)).consumer_fields()  # type: ignore[arg-type]
        if stale:
            client.hdel(ENGINE_STATUS, *stale)
    except RecordError as error:
        _log.warning("engine:status unreadable; starting from an empty one", error=str(error))
        client.delete(ENGINE_STATUS)
    starting = EngineStatusRecord(state="starting", shards=n_shards, instruments=len(entries))
    client.hset(ENGINE_STATUS, mapping=starting.to_hash())  # type: ignore[arg-type]
    resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
    if scenario_workers is None:  # more cores than shards: split each tick's scenarios so every core works
        scenario_workers = max(0, int(resources.get("CPU", 1)) // n_shards - 1)
    # on a cluster whose worker nodes advertise `risk_shard` (ray_cluster.yaml), shards go only there
    placement = {"resources": {SHARD_RESOURCE: 1}} if resources.get(SHARD_RESOURCE) else {}
    progress(
        f"starting {n_shards} shard actor(s) for {len(entries)} positions"
        + (f", {scenario_workers} scenario worker(s) each" if scenario_workers else "")
    )
    shards = [
        ShardActor.options(  # type: ignore[attr-defined]
            **_options(shard_name(k), detached), **placement, scheduling_strategy="SPREAD"
        ).remote(k, settings, engine, publish_per_tick, scenario_workers)
        for k in range(n_shards)
    ]
    ray.get([s.ping.remote() for s in shards])
    monitor = LimitMonitor.options(**_options(LIMIT_MONITOR, detached)).remote(settings, alerts_topic)  # type: ignore[attr-defined]
    ray.get(monitor.ping.remote())  # type: ignore[attr-defined]
    aggregator = Aggregator.options(**_options(AGGREGATOR, detached)).remote(  # type: ignore[attr-defined]
        settings, monitor=LIMIT_MONITOR
    )
    watcher = BookWatcher.options(**_options(WATCHER, detached)).remote(settings, n_shards, True, topics)  # type: ignore[attr-defined]
    ray.get([aggregator.ping.remote(), watcher.ping.remote()])  # type: ignore[attr-defined]
    if n_curve_workers is None:  # the bootstrap runs while the shards wait for it: every spare core helps
        n_curve_workers = max(0, min(int(resources.get("CPU", 1)) - 1, MAX_CURVE_WORKERS))
    workers = [
        CurveWorker.options(**_options(curve_worker_name(k), detached)).remote()  # type: ignore[attr-defined]
        for k in range(n_curve_workers)
    ]
    ray.get([worker.ping.remote() for worker in workers])
    progress(f"starting {n_consumers} tick consumer(s) in Kafka group {topics.group}")
    # several consumers: on different nodes where there are several, each named (its counters too)
    spread = {"scheduling_strategy": "SPREAD"} if n_consumers > 1 else {}
    consumers = [
        TickConsumer.options(**_options(consumer_name(k), detached), **spread).remote(  # type: ignore[attr-defined]
            settings,
            [shard_name(k) for k in range(n_shards)],
            AGGREGATOR,
            WATCHER,
            topics,
            consumer_name(k) if n_consumers > 1 else "",
            [curve_worker_name(j) for j in range(n_curve_workers)],
        )
        for k in range(n_consumers)
    ]
    ray.get([consumer.ping.remote() for consumer in consumers])
    client.hset(ENGINE_STATUS, mapping=EngineStatusRecord(state="running").to_hash())  # type: ignore[arg-type]
    _log.info("engine started", shards=n_shards, consumers=n_consumers, positions=len(entries), engine=engine)
    handles = EngineHandles(
        shards,
        aggregator,
        watcher,
        consumers,
        len(entries),
        *lease,
        monitor=monitor,
        curve_workers=tuple(workers),
    )
    _running.append(handles)
    return handles


def _named(name: str) -> Any | None:
    """The engine actor ``name``: in the engine's namespace, else in this driver's own namespace (a driver
    that was attached to Ray before the supervisor, e.g. a test session, created its actors there)."""
    for namespace in (NAMESPACE, None):
        try:
            return ray.get_actor(name, namespace=namespace)
        except ValueError:
            continue
    return None


def stop_engine(settings: Settings, max_shards: int = 256) -> bool:
    """Stop the consumers cleanly (each commits what it finished), then kill every engine actor of this
    Ray cluster and release the engine lease they held (never another cluster's engine's lease)."""
    found = False
    consumers = [actor for k in range(MAX_CONSUMERS) if (actor := _named(consumer_name(k))) is not None]
    try:  # together: a consumer stopped alone would first have its partitions moved to the others
        for stopping in [consumer.stop.remote() for consumer in consumers]:
            with contextlib.suppress(ray.exceptions.RayActorError):  # a consumer already dead
                ray.get(stopping, timeout=60)
    finally:
        for consumer in consumers:
            found = True
            ray.kill(consumer, no_restart=True)
    workers = [curve_worker_name(k) for k in range(MAX_CURVE_WORKERS)]
    for name in [AGGREGATOR, LIMIT_MONITOR, WATCHER, *workers, *(shard_name(k) for k in range(max_shards))]:
        actor = _named(name)
        if actor is not None:
            found = True
            ray.kill(actor, no_restart=True)
        elif name.startswith("risk-shard-"):
            break
    client = redis.Redis.from_url(settings.redis_url)
    keeper = _named(LEASE_KEEPER)
    if keeper is not None:
        try:
            token = int(ray.get(keeper.token.remote(), timeout=30))
        finally:
            ray.kill(keeper, no_restart=True)
        release_lease(client, token)
    if found:
        client.hset(ENGINE_STATUS, mapping=EngineStatusRecord(state="stopped").to_hash())  # type: ignore[arg-type]
    _running.clear()
    return found


def engine_health(n_shards: int, timeout_s: float = 10.0, n_consumers: int = 1) -> dict[str, str]:
    """``actor name -> ok | missing | not answering``."""
    health: dict[str, str] = {}
    names = [consumer_name(k) for k in range(n_consumers)]
    for name in [*names, AGGREGATOR, LIMIT_MONITOR, WATCHER, *(shard_name(k) for k in range(n_shards))]:
        actor = _named(name)
        if actor is None:
            health[name] = "missing"
            continue
        try:
            health[name] = "ok" if ray.get(actor.ping.remote(), timeout=timeout_s) else "not running"
        except (ray.exceptions.RayError, TimeoutError) as exc:
            health[name] = f"not answering ({type(exc).__name__})"
    return health
