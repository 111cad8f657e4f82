"""The Ray Serve application: a FastAPI ingress serving the HTTP API of docs/architecture.md section 6.

``build_app(args)`` returns the bound deployment (``serve run serve_app:build_app`` or ``riskctl serve``).
Each replica owns a database pool, a Redis client, the outbox relay thread that publishes the
security master's change events to Kafka after commit, and a read cache of single instruments kept
fresh by those events (:mod:`secmaster.read_cache`).

Routes: the security master (``/api/v1/instruments``, ``/api/v1/books``; see :mod:`secmaster.api`),
``/api/v1/risk/...`` (live results from Redis), ``POST /api/v1/price`` (ad-hoc valuation),
``POST /api/v1/whatif`` and ``GET /api/v1/market/live/{market}`` (trades on the live market, issue 17),
``/healthz``, ``/metrics``, OpenAPI at ``/docs``.

Dashboard hook: pass ``{"dashboard": "module:function"}`` in ``args``; the function is called with no
arguments in the replica and must return a ``gradio.Blocks``, which is mounted at ``/dashboard`` with
``gr.mount_gradio_app`` (Ray Serve's GradioServer wrapper does not work with current Gradio).
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, cast

import redis
from fastapi import FastAPI, HTTPException, Path, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actors.whatif import LiveMarkets, NoLiveMarket, live_snapshot, whatif
from core.config import get_settings
from core.keys import (
    ALL_BOOKS,
    ENGINE_STATUS,
    MARKET_LIVE,
    TOPIC_SECMASTER_EVENTS,
    book_kr01_key,
    book_summary_key,
    instrument_risk_key,
)
from core.logging import get_logger
from core.messages import CurveTick
from core.records import BookSummaryRecord, InstrumentRiskRecord, Kr01LadderRecord, RecordError
from core.status_record import EngineStatusRecord
from pricing import price_portfolio
from pricing.errors import PricingError
from secmaster import api as secmaster_api
from secmaster.db import make_engine, make_session_factory
from secmaster.models import Position
from secmaster.outbox import OutboxRelay, pending_count
from secmaster.read_cache import EventInvalidator, InstrumentReadCache
from secmaster.repository import limits as limit_repo
from secmaster.repository.terms import new_instrument, position_entry
from secmaster.schemas import BOOK_PATTERN, InstrumentCreate

__all__ = [
    "DASHBOARD_PATH",
    "DEPLOYMENT_OPTIONS",
    "SERVE_LOGGING",
    "AppArgs",
    "PriceRequest",
    "RiskApi",
    "WhatIfRequest",
    "build_app",
    "create_app",
]

DASHBOARD_PATH = "/dashboard"
_log = get_logger(__name__)
R = TypeVar("R")


class AppArgs(BaseModel):
    """Arguments of :func:`build_app`; every field defaults to the process settings (``RISK_*``)."""

    model_config = ConfigDict(extra="forbid")

    database_url: str | None = None
    redis_url: str | None = None
    kafka_bootstrap: str | None = None
    events_topic: str = TOPIC_SECMASTER_EVENTS
    relay: bool = Field(True, description="Run the outbox relay thread in each replica")
    read_cache: bool = Field(
        True, description="Cache single-instrument reads, kept fresh by secmaster.events (needs Kafka)"
    )
    num_replicas: int = Field(1, ge=1)
    dashboard: str | None = Field(None, description="'module:function' returning a gradio.Blocks")


class PriceRequest(BaseModel):
    """``POST /api/v1/price``: a book and a market snapshot in the formats of docs/architecture.md §5."""

    model_config = ConfigDict(extra="forbid")

    book: dict[str, Any] = Field(
        description='{"instruments": [...]} as exported by /api/v1/books/{book}/export'
    )
    market: dict[str, Any] = Field(description="Market snapshot: as_of, fx, curves, fixings")
    engine: Literal["fast", "quantlib"] = "fast"
    interpolation: Literal["linear_zero", "loglinear_discount"] = Field(
        "linear_zero",
        description="Curve interpolation: linear in zero rates, or log-linear in discount factors",
    )


class WhatIfRequest(BaseModel):
    """``POST /api/v1/whatif``: candidate trades (the create schemas of ``/api/v1/instruments``, checked by
    the same rule set) and the book to add them to (default: the trades' book if they name one, else
    ``ALL``)."""

    model_config = ConfigDict(extra="forbid")

    trades: list[InstrumentCreate] = Field(min_length=1, max_length=100)
    book: str | None = Field(None, pattern=BOOK_PATTERN, description="Book whose totals and limits to show")

    def target_book(self) -> str:
        if self.book is not None:
            return self.book
        named = {trade.book for trade in self.trades}
        return named.pop() if len(named) == 1 and None not in named else ALL_BOOKS  # type: ignore[return-value]

    def terms(self) -> list[dict[str, Any]]:
        """The trades in the book format (terms, book, signed quantity), as the export gives positions."""
        result = []
        for position, trade in enumerate(self.trades, start=1):
            ident = trade.id or (f"BOND-{trade.isin}" if trade.type == "bond" else f"WHATIF-{position}")
            instrument = new_instrument(trade, ident)
            instrument.type = trade.type
            result.append(position_entry(instrument, trade.book or "WHATIF", trade.quantity))
        return result


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "risk_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "risk_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.outbox_pending = Gauge(
            "risk_secmaster_outbox_pending", "Change events not yet published", registry=self.registry
        )
        self.engine_latency = Gauge(
            "risk_engine_tick_latency_ms",
            "Tick latency, produced -> results in Redis, over the engine's recent window",
            ["quantile", "stage"],
            registry=self.registry,
        )
        self.engine_ticks = Gauge(
            "risk_engine_ticks",
            "Ticks seen by the real-time engine since it started",
            ["outcome"],
            registry=self.registry,
        )
        self.engine_lag = Gauge(
            "risk_engine_consumer_lag", "Kafka records not yet consumed", registry=self.registry
        )

    def export_engine_status(self, status: EngineStatusRecord) -> None:
        """Copy ``engine:status`` (written by the aggregator) into gauges at scrape time."""
        for key, value in status.latency_ms.items():
            stage, _, quantile = key.rpartition("_p")  # total_p95: stage, quantile
            if stage != "latency":  # the headline copy of total
                self.engine_latency.labels(f"0.{quantile}", stage).set(value)
        for outcome in ("received", "processed", "conflated", "rejected", "dlq", "duplicate"):
            count = getattr(status, f"ticks_{outcome}")
            if count is not None:
                self.engine_ticks.labels(outcome).set(count)
        if status.consumer_lag:
            self.engine_lag.set(status.consumer_lag)


class RiskApi:
    """What one replica owns: the database pool, the Redis client, the outbox relay and the metrics."""

    def __init__(self, args: AppArgs) -> None:
        settings = get_settings()
        self.engine = make_engine(args.database_url)
        self.sessions = make_session_factory(self.engine)
        self.redis = redis.Redis.from_url(args.redis_url or settings.redis_url, decode_responses=True)
        self.relay: OutboxRelay | None = None
        if args.relay:
            self.relay = OutboxRelay(
                self.sessions, args.kafka_bootstrap or settings.kafka_bootstrap, args.events_topic
            )
            self.relay.start()
        self.read_cache: InstrumentReadCache | None = None
        self.invalidator: EventInvalidator | None = None
        if args.read_cache:
            self.read_cache = InstrumentReadCache()
            self.invalidator = EventInvalidator(
                self.read_cache, args.kafka_bootstrap or settings.kafka_bootstrap, args.events_topic
            )
            self.invalidator.start()
        self.context = secmaster_api.ApiContext(
            self.sessions, settings.api_token, self._after_commit, self.read_cache
        )
        self.metrics = _Metrics()
        self.dashboard = args.dashboard
        self.live = LiveMarkets(self.redis, settings.interpolation)

    def _after_commit(self) -> None:
        if self.relay is not None:
            self.relay.nudge()

    def database_ok(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        if self.invalidator is not None:
            self.invalidator.stop()
        self.redis.close()
        self.engine.dispose()


def create_app(owner: RiskApi) -> FastAPI:
    """The FastAPI application (also usable without Ray, e.g. with ``fastapi.testclient``)."""
    app = FastAPI(
        title="Rates risk engine",
        version="1.0.0",
        description="Security master, live risk, ad-hoc pricing. Writes: `Authorization: Bearer <token>`.",
    )
    secmaster_api.install(app, owner.context)
    _install_metrics(app, owner)
    _install_ops_routes(app, owner)
    _install_risk_routes(app, owner)
    _install_price_route(app)
    _install_whatif_routes(app, owner)
    if owner.dashboard:
        app = _mount_dashboard(app, owner.dashboard)
    return app


class _MetricsMiddleware:
    """Counts and times every HTTP request by route template (a plain ASGI middleware: Starlette's
    ``BaseHTTPMiddleware`` costs a task and a stream per request, measured in bench/api_load_bench.py)."""

    def __init__(self, app: ASGIApp, metrics: _Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.latency.labels(method, path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, path, str(status_code)).inc()


def _install_metrics(app: FastAPI, owner: RiskApi) -> None:
    app.add_middleware(_MetricsMiddleware, metrics=owner.metrics)


def _install_ops_routes(app: FastAPI, owner: RiskApi) -> None:
    @app.get("/healthz", tags=["operations"])
    def healthz() -> JSONResponse:
        """200 when the database answers, else 503; also reports the outbox backlog and the relay."""
        if not owner.database_ok():
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status.HTTP_503_SERVICE_UNAVAILABLE
            )
        relay = "disabled" if owner.relay is None else ("running" if owner.relay.alive else "stopped")
        pending = pending_count(owner.sessions)
        return JSONResponse({"status": "ok", "database": "ok", "outbox_pending": pending, "relay": relay})

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus text format."""
        if owner.database_ok():
            owner.metrics.outbox_pending.set(pending_count(owner.sessions))
        with contextlib.suppress(redis.RedisError, RecordError):  # no engine figures rather than no metrics
            raw = cast(dict[str, str], owner.redis.hgetall(ENGINE_STATUS))
            owner.metrics.export_engine_status(EngineStatusRecord.from_hash(raw))
        return Response(generate_latest(owner.metrics.registry), media_type=CONTENT_TYPE_LATEST)


_BookPath = Annotated[str, Path(pattern=BOOK_PATTERN)]
_InstrumentPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,97}$")]


def _record(parse: Callable[[dict[str, str]], R], raw: dict[str, str]) -> R:
    """A Redis record; a hash that does not hold the record is a 500 naming the field."""
    try:
        return parse(raw)
    except RecordError as error:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"risk record unreadable: {error}"
        ) from error


def _install_risk_routes(app: FastAPI, owner: RiskApi) -> None:
    @app.get("/api/v1/risk/books/{book}", tags=["risk"])
    def book_risk(book: _BookPath) -> dict[str, Any]:
        """The latest risk of a book (``ALL``: the whole portfolio) from the aggregator; 404 if none."""
        summary = cast(dict[str, str], owner.redis.hgetall(book_summary_key(book)))
        if not summary:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no risk computed for book {book!r} yet")
        kr01 = cast(dict[str, str], owner.redis.hgetall(book_kr01_key(book)))
        record = _record(BookSummaryRecord.from_hash, summary).to_json()
        return {"book": book, "summary": record, "kr01": dict(_record(Kr01LadderRecord.from_hash, kr01).kr01)}

    @app.get("/api/v1/risk/instruments/{instrument_id}", tags=["risk"])
    def instrument_risk(instrument_id: _InstrumentPath) -> dict[str, Any]:
        """The latest risk of an instrument's positions: ``positions`` has one typed record per book
        holding it (the engine keys a position ``{id}@{book}`` when the instrument is in several books);
        ``risk`` is the record kept under the id itself, when there is one. 404 if none is computed."""
        fields = cast(dict[str, str], owner.redis.hgetall(instrument_risk_key(instrument_id)))
        with owner.sessions() as session:
            books = session.scalars(
                select(Position.book_name).where(Position.instrument_id == instrument_id)
            ).all()
        with owner.redis.pipeline(transaction=False) as pipe:
            for book in books:
                pipe.hgetall(instrument_risk_key(f"{instrument_id}@{book}"))
            held = [cast(dict[str, str], row) for row in pipe.execute() if row]
        positions = [
            _record(InstrumentRiskRecord.from_hash, row).to_json() for row in ([fields] if fields else held)
        ]
        if not positions:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no risk computed for instrument {instrument_id!r} yet"
            )
        body: dict[str, Any] = {"id": instrument_id, "positions": positions}
        if fields:
            body["risk"] = positions[0]
        return body


def _install_price_route(app: FastAPI) -> None:
    @app.post("/api/v1/price", tags=["risk"])
    def price(body: PriceRequest) -> dict[str, Any]:
        """Value a book on a market snapshot (docs/architecture.md §5); a broken market: 422 saying why."""
        try:
            return price_portfolio(
                body.book, body.market, engine=body.engine, interpolation=body.interpolation
            )
        except PricingError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


def _install_whatif_routes(app: FastAPI, owner: RiskApi) -> None:
    @app.post("/api/v1/whatif", tags=["risk"])
    def post_whatif(body: WhatIfRequest) -> dict[str, Any]:
        """Price candidate trades on the latest computed tick of each market and show what they do to the
        book (and ``ALL``): its totals and KR01 ladder before and after, and the limits they would breach.
        Nothing is stored. 404 while no tick of a trade's market has been computed (as the risk routes)."""
        book = body.target_book()
        with owner.context.read() as session:
            if book != ALL_BOOKS:
                limit_repo.book_limits(session, book)  # 404 for an unknown book
            limits = limit_repo.all_limits(session)
        try:
            return whatif(owner.live, body.terms(), book, limits)
        except NoLiveMarket as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
        except RecordError as error:  # the engine's Redis state, not the request: named, as the risk routes
            raise HTTPException(
                status.HTTP_500_INTERNAL_SERVER_ERROR, f"risk record unreadable: {error}"
            ) from error

    @app.get("/api/v1/market/live/{market}", tags=["risk"])
    def live_market(market: Literal["USD", "EUR"]) -> dict[str, Any]:
        """The market snapshot (docs/architecture.md §5) of the market's latest computed tick, with the fixing
        history merged in: what what-if prices on, and what ``riskctl price --market`` reads."""
        text_ = owner.redis.hget(MARKET_LIVE, market)
        if not text_:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {market} tick has been computed yet")
        tick = CurveTick.from_json(cast(str, text_))
        return {"seq": tick.seq, "market_time": tick.market_time.isoformat(), **live_snapshot(tick)}


def _mount_dashboard(app: FastAPI, target: str) -> FastAPI:
    gradio = importlib.import_module("gradio")
    module_name, _, function_name = target.partition(":")
    blocks = getattr(importlib.import_module(module_name), function_name)()
    mounted: FastAPI = gradio.mount_gradio_app(app, blocks, path=DASHBOARD_PATH)
    return mounted


#: Serving options of the API deployment, measured in bench/api_load_bench.py (50 connections, 2 cores):
#: Serve's default of 5 ongoing requests per replica queues a burst of clients in the proxy, and the
#: routes are short, so one replica takes 100 at once (>= the 50 connections of the budget); a
#: per-request access log line costs more than a cached read. Replicas: ``AppArgs.num_replicas``
#: (default 1: on 2 cores the proxy and one replica already use both).
DEPLOYMENT_OPTIONS: dict[str, Any] = {
    "health_check_period_s": 10,
    "max_ongoing_requests": 100,
    "logging_config": {"enable_access_log": False},
}
#: ``serve.start(logging_config=...)``: the proxy's per-request access log off as well.
SERVE_LOGGING: dict[str, Any] = {"enable_access_log": False}


@serve.deployment(name="risk-api", **DEPLOYMENT_OPTIONS)
@serve.ingress()
class RiskDeployment:
    """One Serve replica: builds its resources, then its FastAPI app (``__serve_build_asgi_app__``)."""

    def __init__(self, args: dict[str, Any]) -> None:
        self.owner = RiskApi(AppArgs.model_validate(args))

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_app(self.owner)

    def check_health(self) -> None:
        if not self.owner.database_ok():
            raise RuntimeError("the security master database is unreachable")

    def __del__(self) -> None:
        self.owner.close()


def build_app(args: dict[str, Any] | None = None) -> serve.Application:
    """The bound Serve application; ``args``: :class:`AppArgs` fields (validated here and in the replica)."""
    parsed = AppArgs.model_validate(args or {})
    # serve.deployment turns the class into a Deployment, which mypy cannot see through the decorators.
    deployment: Any = cast(Any, RiskDeployment).options(num_replicas=parsed.num_replicas)
    application: serve.Application = deployment.bind(parsed.model_dump())
    return application
