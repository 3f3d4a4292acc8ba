"""The front door's request records and the learned state that outlives a run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expression", _json(), nullable=True),
        sa.Column("caller", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("decision", _json(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actions", _json(), nullable=False),
        sa.Column("verdict", _json(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("run_id", sa.String(length=120), nullable=True),
        sa.Column("session_id", sa.String(length=120), nullable=True),
        sa.Column("network_time", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requests_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_requests_session_id"), ["session_id"], unique=False)
        batch_op.create_index("ix_requests_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "learned_state",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", _json(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_learned_state")),
    )


def downgrade() -> None:
    op.drop_table("learned_state")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_status_created")
        batch_op.drop_index(batch_op.f("ix_requests_session_id"))
        batch_op.drop_index(batch_op.f("ix_requests_run_id"))
    op.drop_table("requests")
