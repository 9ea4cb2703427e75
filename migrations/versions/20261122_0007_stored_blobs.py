"""Stored files get a table in PostgreSQL (``stored_blobs``), readable by every process.

Written by hand against 0006 and checked with ``alembic check``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_blobs",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_stored_blobs_org_id"), "stored_blobs", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_blobs_org_id"), table_name="stored_blobs")
    op.drop_table("stored_blobs")
