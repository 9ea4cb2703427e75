"""A run and its sub-agent runs: the lineage up to the root and the runs below.

A ``sub_agent`` step's child run is driven inline by its parent's worker. Whoever locks several
runs of a tree locks them root first, parents before children (``lock_lineage``,
``open_descendants``), then any approvals: the one order every locker uses, so two of them
never deadlock.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from agent_platform.models.runs import Run

MAX_DEPTH = 10
"""Bound on walks up a lineage (sub-agents nest at most 5 deep; this only stops bad data)."""


def lineage(session: Session, run_id: uuid.UUID) -> list[uuid.UUID]:
    """The run ids from the root run down to ``run_id`` (``[run_id]`` for a top-level run)."""
    chain = [run_id]
    while len(chain) <= MAX_DEPTH:
        parent = session.exec(select(Run.parent_run_id).where(Run.id == chain[0])).first()
        if parent is None:
            break
        chain.insert(0, parent)
    return chain


def lock_lineage(session: Session, run_id: uuid.UUID) -> list[Run]:
    """The runs of :func:`lineage`, each locked ``FOR UPDATE`` root first and re-read."""
    rows = []
    for rid in lineage(session, run_id):
        row = session.exec(
            select(Run)
            .where(Run.id == rid)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if row is not None:
            rows.append(row)
    return rows


def open_descendants(session: Session, run_id: uuid.UUID) -> list[Run]:
    """The unfinished runs below ``run_id``, locked level by level (parents before children)."""
    found: list[Run] = []
    frontier = [run_id]
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        level = session.exec(
            select(Run)
            .where(col(Run.parent_run_id).in_(frontier))
            .order_by(col(Run.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        found += [r for r in level if not r.is_terminal]
        frontier = [r.id for r in level]
    return found


def subtree_ids(session: Session, run_id: uuid.UUID) -> list[uuid.UUID]:
    """``run_id`` and the ids of every run below it."""
    found, frontier = [run_id], [run_id]
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        frontier = list(session.exec(select(Run.id).where(col(Run.parent_run_id).in_(frontier))))
        found += frontier
    return found
