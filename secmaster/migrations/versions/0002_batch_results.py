"""Batch jobs (cluster.batch_reval): ``batch_runs`` and their results ``batch_results``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", postgresql.JSONB(), nullable=True),
        sa.CheckConstraint("kind IN ('eod', 'var', 'attribution')", name="ck_batch_runs_known_kind"),
        sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="ck_batch_runs_known_status"),
        sa.PrimaryKeyConstraint("id", name="pk_batch_runs"),
    )
    op.create_table(
        "batch_results",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["batch_runs.id"], name="fk_batch_results_run_id_batch_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_batch_results"),
        sa.UniqueConstraint(
            "run_id", "as_of", "book", "measure", "key", name="uq_batch_results_run_id_as_of_book_measure_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("batch_results")
    op.drop_table("batch_runs")
