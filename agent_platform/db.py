"""The SQLModel engine and the session context manager.

The engine is created lazily on first use, so importing this module never connects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from agent_platform.settings import get_settings

T = TypeVar("T")


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine (a pool of psycopg 3 connections).

    ``hide_parameters``: SQLAlchemy otherwise writes a failing statement's bound values (emails,
    password hashes, credential ciphertexts) into the exception text, and so into the logs.
    """
    settings = get_settings()
    return create_engine(
        settings.sqlalchemy_url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        hide_parameters=True,
    )


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def in_session(fn: Callable[[Session], T]) -> T:
    """Run ``fn(session)`` in a worker thread inside its own committed transaction."""

    def call() -> T:
        with session_scope() as session:
            return fn(session)

    return await asyncio.to_thread(call)
