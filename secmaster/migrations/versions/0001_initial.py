"""Initial security master schema: instruments (bonds, IBOR swaps, OIS), books, positions, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _swap_terms(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("notional", sa.Double(), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("fixed_rate_pct", sa.Double(), nullable=False),
        sa.Column("fixed_frequency", sa.String(16), nullable=False),
        sa.Column("fixed_day_count", sa.String(16), nullable=False),
        sa.Column("float_index", sa.String(16), nullable=False),
        sa.Column("discount_curve", sa.String(32), nullable=False),
        sa.CheckConstraint("notional > 0", name=f"ck_{table}_positive_notional"),
        sa.CheckConstraint("side IN ('pay_fixed', 'receive_fixed')", name=f"ck_{table}_known_side"),
        sa.CheckConstraint(
            "fixed_rate_pct >= -5 AND fixed_rate_pct <= 20", name=f"ck_{table}_fixed_rate_bounds"
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["instruments.id"], name=f"fk_{table}_id_instruments", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("isin", sa.String(12), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("maturity_date > start_date", name="ck_instruments_maturity_after_start"),
        sa.CheckConstraint("type IN ('bond', 'swap', 'ois')", name="ck_instruments_known_type"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="ck_instruments_iso_currency"),
        sa.PrimaryKeyConstraint("id", name="pk_instruments"),
        sa.UniqueConstraint("isin", name="uq_instruments_isin"),
    )
    op.create_index("ix_instruments_type", "instruments", ["type"])
    op.create_index("ix_instruments_currency", "instruments", ["currency"])
    op.create_index("ix_instruments_maturity_date", "instruments", ["maturity_date"])

    op.create_table(
        "bonds",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("cusip", sa.String(9), nullable=True),
        sa.Column("face", sa.Double(), nullable=False),
        sa.Column("coupon_pct", sa.Double(), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("day_count", sa.String(16), nullable=False),
        sa.Column("discount_curve", sa.String(32), nullable=False),
        sa.CheckConstraint("face > 0", name="ck_bonds_positive_face"),
        sa.CheckConstraint("coupon_pct >= 0 AND coupon_pct <= 20", name="ck_bonds_coupon_bounds"),
        sa.ForeignKeyConstraint(
            ["id"], ["instruments.id"], name="fk_bonds_id_instruments", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bonds"),
        sa.UniqueConstraint("cusip", name="uq_bonds_cusip"),
    )
    op.create_table(
        "interest_rate_swaps",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("float_spread_bp", sa.Double(), nullable=False),
        sa.Column("forecast_curve", sa.String(32), nullable=False),
        *_swap_terms("interest_rate_swaps"),
    )
    op.create_table("ois_swaps", sa.Column("id", sa.String(64), nullable=False), *_swap_terms("ois_swaps"))

    op.create_table(
        "books",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("description", sa.String(500), server_default="", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("name <> 'ALL'", name="ck_books_not_reserved"),
        sa.PrimaryKeyConstraint("name", name="pk_books"),
    )
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("book_name", sa.String(32), nullable=False),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("quantity <> 0", name="ck_positions_nonzero_quantity"),
        sa.ForeignKeyConstraint(
            ["book_name"], ["books.name"], name="fk_positions_book_name_books", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name="fk_positions_instrument_id_instruments",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_positions"),
        sa.UniqueConstraint("book_name", "instrument_id", name="uq_positions_book_name_instrument_id"),
    )
    op.create_index("ix_positions_book_name", "positions", ["book_name"])
    op.create_index("ix_positions_instrument_id", "positions", ["instrument_id"])

    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("event_type", sa.String(8), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "event_type IN ('created', 'updated', 'deleted')", name="ck_outbox_events_known_event_type"
        ),
        sa.CheckConstraint(
            "entity IN ('instrument', 'book', 'position')", name="ck_outbox_events_known_entity"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )
    op.create_index(
        "ix_outbox_events_pending",
        "outbox_events",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("outbox_events")
    op.drop_table("positions")
    op.drop_table("books")
    op.drop_table("ois_swaps")
    op.drop_table("interest_rate_swaps")
    op.drop_table("bonds")
    op.drop_table("instruments")
