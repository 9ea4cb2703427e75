"""Stored files move from the local disk into PostgreSQL (``stored_blobs``).

Written by hand against 0006 and checked with ``alembic check``. ``knowledge_documents``
keeps its ``storage_key`` column; the keys already had the blob-store form
``<org_id>/<32 hex>``, so no document row changes.

Existing files are read once and moved: for every document with a ``storage_key``, the file
``data_dir/uploads/<storage_key>`` (``data_dir`` from the platform's settings, as the app used
it) is inserted as a blob of the document's organization. A file that is not on the machine
running the migration (or is unreadable, oversized, or has a malformed key) is skipped and
counted: its document stays searchable with the chunks it has, and re-indexing it fails with
"The stored file is missing; upload it again." The old files are not deleted here (a later
failure would roll the blobs back); once the upgrade has committed, delete
``data_dir/uploads``. Downgrading drops the table and every stored file with it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:00:00.000000
"""

import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
# Copied, not imported: a revision must not change when the code it once matched does.
_KEY = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}/[0-9a-f]{32}")
_MAX_FILE_BYTES = 20 * 1024 * 1024


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
    _move_local_files()


def _move_local_files() -> None:
    """Insert each document's local file as a blob; log how many moved and how many not."""
    from agent_platform.settings import get_settings

    uploads = get_settings().data_dir / "uploads"
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT org_id, storage_key FROM knowledge_documents "
            "WHERE storage_key IS NOT NULL"
        )
    ).all()
    blobs = sa.table(
        "stored_blobs",
        *(sa.column(c) for c in ("key", "org_id", "size_bytes", "sha256", "data", "created_at")),
    )
    moved = 0
    for org_id, key in rows:
        data = _read(uploads, str(org_id), key)
        if data is None:
            continue
        conn.execute(
            blobs.insert().values(
                key=key, org_id=org_id, size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=datetime.now(UTC),
            )
        )  # fmt: skip
        moved += 1
    if rows:  # a warning: alembic.ini shows nothing quieter, and the operator has a step left
        log.warning(
            "stored_blobs: moved %d of %d stored files from %s into PostgreSQL; %d were not "
            "found there and will fail when re-indexed. Delete %s once this upgrade committed.",
            moved, len(rows), uploads, len(rows) - moved, uploads,
        )  # fmt: skip


def _read(uploads, org_id: str, key: str) -> bytes | None:  # noqa: ANN001 - a Path
    """The file's bytes, or ``None`` if the key is not a well-formed key of ``org_id``."""
    if not _KEY.fullmatch(key) or not key.startswith(f"{org_id}/"):
        return None
    path = uploads / key
    try:
        if not path.is_file() or path.stat().st_size > _MAX_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_blobs_org_id"), table_name="stored_blobs")
    op.drop_table("stored_blobs")
