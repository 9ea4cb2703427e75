"""Cursor pagination over ``(created_at, id)``, newest first, for any table that has both.

A cursor is opaque to clients: URL-safe base64 of ``"<iso created_at>|<uuid>"`` naming the last
row of the previous page. Keyset paging stays stable while rows are inserted, unlike offsets.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import tuple_
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from agent_platform.services.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    """One page of ``items``; ``next_cursor`` is ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    """The opaque cursor pointing just after the row ``(created_at, row_id)``."""
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Parse a cursor made by ``encode_cursor``.

    Raises:
        InvalidInput: the cursor is malformed (tampered with, truncated, ...).
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_raw, id_raw = base64.urlsafe_b64decode(padded).decode().split("|")
        created_at = datetime.fromisoformat(created_raw)
        if created_at.tzinfo is None:
            raise ValueError("naive timestamp")
        return created_at, uuid.UUID(id_raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("That page cursor is not valid.", details={"cursor": cursor}) from None


def check_limit(limit: int | None) -> int:
    """``limit`` (default 20) if within 1..100. Raises ``InvalidInput`` otherwise."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", details={"limit": limit})
    return limit


def paginate(
    session: Session,
    statement: SelectOfScalar[Any],
    *,
    model: Any,
    cursor: str | None,
    limit: int | None,
) -> Page[Any]:
    """Run ``statement`` (already filtered, e.g. by tenant) one page at a time, newest first.

    Args:
        statement: ``select(model).where(...)`` without ordering or limit.
        model: the table class; it must have ``created_at`` and ``id`` columns.
        cursor: ``next_cursor`` of the previous page, or ``None`` for the first page.
        limit: page size, 1..100 (default 20).

    Returns:
        A ``Page`` of rows of ``model``.

    Raises:
        InvalidInput: bad cursor or limit.
    """
    size = check_limit(limit)
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        statement = statement.where(tuple_(model.created_at, model.id) < (created_at, row_id))
    statement = statement.order_by(model.created_at.desc(), model.id.desc()).limit(size + 1)
    rows = list(session.exec(statement))
    items = rows[:size]
    more = len(rows) > size
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if more else None
    return Page(items=items, next_cursor=next_cursor)
