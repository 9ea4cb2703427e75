"""A run and its sub-agent runs: the lineage up to the root, the runs below, what they wait for.

A ``sub_agent`` step's child run is driven inline by its parent's worker, so a tree of runs has
one driver, its root: messages that resume any run of a tree go to the root
(``lifecycle.enqueue_resume``). Whoever locks several runs of a tree locks them root first,
parents before children (``lock_lineage``, ``open_descendants``), the one order every locker
uses, so two of them never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from agent_platform.models.runs import DECIDED, TERMINAL, Approval, Run, RunStatus, Step

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


def _waiting_levels(session: Session, run_id: uuid.UUID) -> Iterator[tuple[list[uuid.UUID], bool]]:
    """Per level of a paused tree: ``(run ids, whether one waits on a sub-agent run that ended)``.

    Level 0 is the run; level n+1 its paused sub-agent runs at steps still waiting in level n.
    """
    frontier = [run_id]
    for _ in range(MAX_DEPTH):
        if not frontier:
            return
        waiting = select(Step.run_id, Step.step_key).where(
            col(Step.run_id).in_(frontier), Step.status == "paused"
        )
        children = session.exec(
            select(Run.id, Run.status).where(
                tuple_(Run.parent_run_id, Run.parent_step_key).in_(waiting)
            )
        ).all()
        yield frontier, any(status in TERMINAL for _, status in children)
        frontier = [child for child, status in children if status == RunStatus.PAUSED]


def waiting_runs(session: Session, run_id: uuid.UUID) -> list[uuid.UUID]:
    """The run and the paused sub-agent runs it waits for, at any depth (parents first)."""
    return [rid for level, _ in _waiting_levels(session, run_id) for rid in level]


def can_continue(session: Session, run_id: uuid.UUID) -> bool:
    """Whether a paused run has something to continue on.

    That is a decided approval at a step still waiting in the run or in a paused sub-agent
    run it waits for (at any depth), or a sub-agent run it waits for that has ended.
    """
    for level, child_ended in _waiting_levels(session, run_id):
        if child_ended:
            return True
        waiting = select(Step.run_id, Step.step_key).where(
            col(Step.run_id).in_(level), Step.status == "paused"
        )
        decided = select(Approval.id).where(
            tuple_(Approval.run_id, Approval.step_key).in_(waiting),
            col(Approval.status).in_(DECIDED),
        )
        if session.exec(decided.limit(1)).first() is not None:
            return True
    return False
