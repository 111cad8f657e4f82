"""SQLAlchemy 2.0 models of the security master (the schema itself is created only by Alembic).

``instruments`` holds the terms every instrument has (currency, ISIN, start and maturity dates) and
joined-table children hold the rest: ``bonds``, ``interest_rate_swaps`` (IBOR swaps) and ``ois_swaps``.
A bond's issue date is stored as ``instruments.start_date`` so that one check constraint enforces the
date order for every type. ``positions`` say how many units of an instrument a book holds; the
``outbox_events`` table is the transactional outbox relayed to Kafka (see :mod:`secmaster.outbox`).
``batch_runs`` and ``batch_results`` hold the batch jobs of :mod:`cluster.batch_reval` (revision 0002);
revision 0003 adds ``bonds.derived``. ``risk_limits`` and ``risk_alerts`` hold the limits per book and the
alert history (revision 0004, see :mod:`core.limits`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, synonym

__all__ = [
    "Base",
    "BatchResult",
    "BatchRun",
    "Bond",
    "Book",
    "Instrument",
    "InterestRateSwap",
    "OisSwap",
    "OutboxEvent",
    "Position",
    "RiskAlert",
    "RiskLimit",
]

#: Deterministic constraint names, so that migrations and error mapping can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql")
    }


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Instrument(_Timestamps, Base):
    """Terms shared by every instrument; ``type`` selects the child table."""

    __tablename__ = "instruments"
    __table_args__: tuple[Any, ...] = (
        CheckConstraint("maturity_date > start_date", name="maturity_after_start"),
        CheckConstraint("type IN ('bond', 'swap', 'ois')", name="known_type"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="iso_currency"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(8), index=True)
    isin: Mapped[str | None] = mapped_column(String(12), unique=True)
    currency: Mapped[str] = mapped_column(String(3), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    maturity_date: Mapped[date] = mapped_column(Date, index=True)

    positions: Mapped[list[Position]] = relationship(back_populates="instrument", passive_deletes="all")

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_abstract": True}  # noqa: RUF012 (SQLAlchemy types it as an instance attribute)


class Bond(Instrument):
    """A fixed-rate bond; a zero-coupon bond or bill has ``coupon_pct`` 0 and frequency ``once``."""

    __tablename__ = "bonds"
    __table_args__ = (
        CheckConstraint("face > 0", name="positive_face"),
        CheckConstraint("coupon_pct >= 0 AND coupon_pct <= 20", name="coupon_bounds"),
        UniqueConstraint("cusip"),
    )

    id: Mapped[str] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)
    cusip: Mapped[str | None] = mapped_column(String(9))
    face: Mapped[float] = mapped_column(Double)
    coupon_pct: Mapped[float] = mapped_column(Double)
    frequency: Mapped[str] = mapped_column(String(16))
    day_count: Mapped[str] = mapped_column(String(16))
    discount_curve: Mapped[str] = mapped_column(String(32))
    #: terms set by a documented rule rather than taken from an official record (e.g. a seeded Treasury
    #: whose coupon the auction data lacks)
    derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    issue_date = synonym("start_date")

    __mapper_args__ = {"polymorphic_identity": "bond"}  # noqa: RUF012 (SQLAlchemy types it as an instance attribute)


class _SwapTerms:
    notional: Mapped[float] = mapped_column(Double)
    side: Mapped[str] = mapped_column(String(16))
    fixed_rate_pct: Mapped[float] = mapped_column(Double)
    fixed_frequency: Mapped[str] = mapped_column(String(16))
    fixed_day_count: Mapped[str] = mapped_column(String(16))
    float_index: Mapped[str] = mapped_column(String(16))
    discount_curve: Mapped[str] = mapped_column(String(32))


def _swap_checks() -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint("notional > 0", name="positive_notional"),
        CheckConstraint("side IN ('pay_fixed', 'receive_fixed')", name="known_side"),
        CheckConstraint("fixed_rate_pct >= -5 AND fixed_rate_pct <= 20", name="fixed_rate_bounds"),
    )


class InterestRateSwap(_SwapTerms, Instrument):
    """A fixed-for-IBOR swap, forecast on ``forecast_curve`` and discounted on ``discount_curve``."""

    __tablename__ = "interest_rate_swaps"
    __table_args__ = _swap_checks()

    id: Mapped[str] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)
    float_spread_bp: Mapped[float] = mapped_column(Double)
    forecast_curve: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"polymorphic_identity": "swap"}  # noqa: RUF012 (SQLAlchemy types it as an instance attribute)


class OisSwap(_SwapTerms, Instrument):
    """A fixed-for-overnight (SOFR, €STR) swap; the index curve both forecasts and discounts."""

    __tablename__ = "ois_swaps"
    __table_args__ = _swap_checks()

    id: Mapped[str] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)

    __mapper_args__ = {"polymorphic_identity": "ois"}  # noqa: RUF012 (SQLAlchemy types it as an instance attribute)


class Book(_Timestamps, Base):
    """A trading book; ``ALL`` is reserved for the whole portfolio."""

    __tablename__ = "books"
    __table_args__ = (CheckConstraint("name <> 'ALL'", name="not_reserved"),)

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(500), server_default="")

    positions: Mapped[list[Position]] = relationship(back_populates="book", passive_deletes="all")


class Position(_Timestamps, Base):
    """``quantity`` units of an instrument's face or notional held in a book (negative: short)."""

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("book_name", "instrument_id"),
        CheckConstraint("quantity <> 0", name="nonzero_quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    book_name: Mapped[str] = mapped_column(ForeignKey("books.name", ondelete="RESTRICT"), index=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[float] = mapped_column(Double)

    book: Mapped[Book] = relationship(back_populates="positions")
    instrument: Mapped[Instrument] = relationship(back_populates="positions")


class OutboxEvent(Base):
    """A change event written in the same transaction as the change; relayed to Kafka after commit."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        CheckConstraint("event_type IN ('created', 'updated', 'deleted')", name="known_event_type"),
        CheckConstraint("entity IN ('instrument', 'book', 'position')", name="known_entity"),
        Index("ix_outbox_events_pending", "id", postgresql_where=text("published_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    aggregate_id: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BatchRun(Base):
    """One batch job (``eod``, ``var``, ``attribution``): its parameters, state and, once failed, why.

    A run's results are written in one transaction with the ``succeeded`` state: a failed run has none.
    """

    __tablename__ = "batch_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('eod', 'var', 'attribution')", name="known_kind"),
        CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None]


class BatchResult(Base):
    """One number of a batch run: ``measure`` (and ``key``, e.g. a ``CURVE/TENOR`` pillar or a confidence)
    of ``book`` (``ALL``: the whole portfolio) on ``as_of``; money in USD."""

    __tablename__ = "batch_results"
    __table_args__ = (UniqueConstraint("run_id", "as_of", "book", "measure", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("batch_runs.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    book: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Double)


class RiskLimit(_Timestamps, Base):
    """A limit on one measure of a book (``ALL``: the whole portfolio), in USD (:mod:`core.limits`).

    ``curve``/``tenor`` only for ``kr01`` (``tenor`` empty: every pillar of the curve). No foreign key
    to ``books``: ``ALL`` is not a row there."""

    __tablename__ = "risk_limits"
    __table_args__ = (
        UniqueConstraint("book", "measure", "curve", "tenor", postgresql_nulls_not_distinct=True),
        CheckConstraint("measure IN ('dv01', 'kr01', 'gamma', 'pnl_stop_loss')", name="known_measure"),
        CheckConstraint("limit_usd > 0", name="positive_limit"),
        CheckConstraint("warning_pct IS NULL OR (warning_pct > 0 AND warning_pct < 100)", name="warning_pct"),
        CheckConstraint("(measure = 'kr01') = (curve IS NOT NULL)", name="curve_for_kr01"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    book: Mapped[str] = mapped_column(String(32), index=True)
    measure: Mapped[str] = mapped_column(String(16))
    curve: Mapped[str | None] = mapped_column(String(32))
    tenor: Mapped[str | None] = mapped_column(String(8))
    limit_usd: Mapped[float] = mapped_column(Double)
    warning_pct: Mapped[float | None] = mapped_column(Double)


class RiskAlert(Base):
    """One alert event (``breach``, ``warning``, ``clear``) of one alert key of a book on one tick.

    ``published_at`` is set once the event is on Kafka ``risk.alerts``; an unpublished row is sent again
    when the limit monitor restarts (the history is the source of truth, Kafka the notification)."""

    __tablename__ = "risk_alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('breach', 'warning', 'clear')", name="known_kind"),
        Index("ix_risk_alerts_book_id", "book", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    book: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Double)
    limit_usd: Mapped[float] = mapped_column(Double)
    utilisation: Mapped[float] = mapped_column(Double)
    seq: Mapped[int] = mapped_column(BigInteger)
    market: Mapped[str] = mapped_column(String(8))
    market_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
