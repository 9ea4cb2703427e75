"""Credentials are bound to the hosts HTTP steps may send them to (``allowed_hosts``).

Written by hand against 0007. Existing credentials get an empty list: an HTTP step that used
one fails with "... has no allowed hosts" until an admin lists its hosts in Settings →
Credentials (or ``PATCH /api/v1/credentials/{id}``). Nothing is guessed from agents' URLs, so
no credential silently keeps reaching a host it was never meant for. LLM provider keys keep
the empty list for good: HTTP steps never get them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "credentials",
        sa.Column(
            "allowed_hosts",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )
    # The model sets the value on insert; the default was only for the existing rows.
    op.alter_column("credentials", "allowed_hosts", server_default=None)


def downgrade() -> None:
    op.drop_column("credentials", "allowed_hosts")
