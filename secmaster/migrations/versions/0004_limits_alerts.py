"""Risk limits per book and the alert history (issue 17): ``risk_limits``, ``risk_alerts``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_limits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("curve", sa.String(32), nullable=True),
        sa.Column("tenor", sa.String(8), nullable=True),
        sa.Column("limit_usd", sa.Double(), nullable=False),
        sa.Column("warning_pct", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "measure IN ('dv01', 'kr01', 'gamma', 'pnl_stop_loss')", name="ck_risk_limits_known_measure"
        ),
        sa.CheckConstraint("limit_usd > 0", name="ck_risk_limits_positive_limit"),
        sa.CheckConstraint(
            "warning_pct IS NULL OR (warning_pct > 0 AND warning_pct < 100)",
            name="ck_risk_limits_warning_pct",
        ),
        sa.CheckConstraint("(measure = 'kr01') = (curve IS NOT NULL)", name="ck_risk_limits_curve_for_kr01"),
        sa.PrimaryKeyConstraint("id", name="pk_risk_limits"),
        sa.UniqueConstraint(
            "book",
            "measure",
            "curve",
            "tenor",
            name="uq_risk_limits_book_measure_curve_tenor",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_risk_limits_book", "risk_limits", ["book"])
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("limit_usd", sa.Double(), nullable=False),
        sa.Column("utilisation", sa.Double(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("market", sa.String(8), nullable=False),
        sa.Column("market_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('breach', 'warning', 'clear')", name="ck_risk_alerts_known_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_risk_alerts"),
    )
    op.create_index("ix_risk_alerts_book_id", "risk_alerts", ["book", "id"])


def downgrade() -> None:
    op.drop_table("risk_alerts")
    op.drop_table("risk_limits")
